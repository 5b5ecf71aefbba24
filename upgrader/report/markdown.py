"""Markdown for a pull-request comment: a summary table, then per file the findings,
the impact (memory budget, other figures, per-finding notes) and the diff.

Renders only the masked per-file dicts (``jsonout.outcome_to_dict``).
"""

from __future__ import annotations

from typing import Any, Iterable

from ..impact import view as iv
from .common import fix_label


def cell(text: Any) -> str:
    """One table cell: no newlines, pipes escaped."""
    return " ".join(str(text if text is not None else "").split()).replace("|", "\\|")


def code(text: str) -> str:
    tick = "``" if "`" in text else "`"
    pad = " " if tick == "``" else ""
    return f"{tick}{pad}{text}{pad}{tick}"


def md_table(headers: Iterable[str], rows: Iterable[Iterable[Any]]) -> list[str]:
    hs = list(headers)
    out = ["| " + " | ".join(cell(h) for h in hs) + " |", "|" + "---|" * len(hs)]
    out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return out


def _memory(f: dict[str, Any]) -> str:
    imp = f.get("impact")
    if not imp:
        return ""
    m = imp["memory_mb"]
    return f"{m['before']} → {m['after']} MB" + (f" ({iv.signed(m['delta'])})" if m["delta"] else "")


def summary_table(files: list[dict[str, Any]]) -> list[str]:
    rows = []
    for f in files:
        if f["status"] == "error":
            rows.append((code(f["path"]), "", "error", "", "", "", ""))
            continue
        c = f["counts"]
        rows.append((code(f["path"]), f"{f['from']} → {f['to']}", f["status"], c["error"], c["warning"], c["info"],
                     _memory(f)))
    return md_table(("file", "upgrade", "status", "errors", "warnings", "info", "memory budget"), rows)


def file_section(f: dict[str, Any], command: str) -> list[str]:
    if f["status"] == "error":
        return [f"### {code(f['path'])}", "", f"**error:** {cell(f['error'])}", ""]
    out = [f"### {code(f['path'])}: Kvrocks {f['from']} → {f['to']}", ""]
    if f.get("direction") == "rollback":
        out += [f"**Rollback plan:** the file {f['from']} ran with, made fit for Kvrocks {f['to']}.", ""]
    if len(f["hops"]) > 1:
        out += [f"Through {', '.join(f['hops'])}.", ""]
    if f["findings"]:
        out += ["#### Findings", ""]
        out += md_table(("severity", "line", "option", "fix", "message"),
                        ((x["severity"], x["line"] or "not set", code(x["option"]), fix_label(x, command), x["message"])
                         for x in f["findings"]))
        out.append("")
    else:
        out += ["No findings.", ""]
    imp = f.get("impact")
    if imp:
        out += ["#### Impact", ""]
        out += md_table(("memory", f["from"], f["to"], "change"), iv.memory_rows(imp))
        out.append("")
        rows = iv.change_rows(imp)
        if rows:
            out += md_table(("area", "figure", f["from"], f["to"]), rows) + [""]
        for a in imp.get("advice", []):
            out += [f"> **advice:** {a}", ""]
        frows = iv.finding_rows(f)
        if frows:
            out += md_table(("option", "resource", "direction", "magnitude", "basis", "note"),
                            ((code(r[0]), *r[1:]) for r in frows)) + [""]
    if f.get("diff"):
        fence = "````" if "```" in f["diff"] else "```"
        out += ["<details><summary>Diff</summary>", "", f"{fence}diff", f["diff"].rstrip("\n"), fence, "",
                "</details>", ""]
    if f.get("blockers"):
        out += [f"**{f['blockers']} blocker(s):** the target would refuse this config.", ""]
    return out


def render(files: list[dict[str, Any]], summary: dict[str, Any], command: str, meta: dict[str, Any],
           colour: bool = False) -> str:
    s = summary
    verb = "changed" if command == "apply" else "to change"
    out = [f"## kvupgrade {command}: {s['files']} file(s), {s['changed']} {verb}, {s['blocked']} blocked,"
           f" {s['failed']} failed", ""]
    out += summary_table(files) + [""]
    for f in files:
        out += file_section(f, command)
    out.append(f"<sub>kvupgrade {meta.get('tool_version', '')}, matrix {meta.get('data_version', '')};"
               " impact model and sources: docs/IMPACT.md</sub>")
    return "\n".join(out) + "\n"
