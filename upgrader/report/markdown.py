"""Markdown for a pull-request comment: a summary table, then per file the findings,
the impact (memory budget, other figures, per-finding notes) and the diff.

Renders only the masked per-file dicts (``jsonout.outcome_to_dict``). What comes from a
config reaches the page only as text or code: control characters are shown escaped
(``escape.visible``), text has every character Markdown would act on backslash-escaped (no
raw HTML, links, emphasis or entities), a code span's backtick fence is longer than any
backtick run inside it, and so is the diff's fence.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from ..impact import view as iv
from .common import fix_label
from .escape import diff_lines, visible


class Md(str):
    """Markdown already made safe (a code span): a table puts it in a cell as it is."""


# Characters that can start Markdown syntax inside a line (CommonMark and GitHub's extensions:
# tables, strikethrough, math), backslash first; underscores are handled apart (see text).
_SPECIAL = "\\`*[]<>&|~$"
# An underscore between letters or digits can neither open nor close emphasis (CommonMark's
# flanking rules), so 'row_cache_size' stays readable in the raw comment.
_INTRAWORD = re.compile(r"(?<=[^\W_])\\_(?=[^\W_])")
_NEEDS_WORK = re.compile(r"[\\`*\[\]<>&|~$_\t\n]")  # most cells are plain: one search, returned as they are
_TICKS = re.compile("`+")


def text(value: Any) -> str:
    """Plain text for a line or a table cell: one line (tabs and newlines become spaces, other
    control characters escapes), every character Markdown would act on backslash-escaped.
    Linear, in C string methods (a regex with a callback per match took 21 s for 15 MB of '*'),
    plus one regex pass when there are underscores."""
    t = value if isinstance(value, str) else str(value if value is not None else "")
    if t.isprintable() and not _NEEDS_WORK.search(t):
        return t.strip(" ")
    t = visible(t.replace("\n", " ").replace("\t", " ").strip(" "))
    for c in _SPECIAL:
        if c in t:
            t = t.replace(c, "\\" + c)
    if "_" in t:
        t = _INTRAWORD.sub("_", t.replace("_", "\\_"))
    return t


cell = text  # a table cell is plain text on one line


def code(value: Any) -> Md:
    """An inline code span whose fence is longer than any backtick run inside it."""
    t = visible(str(value))
    if not t.strip(" "):
        return Md(text(t))
    tick = "`" * (max(map(len, _TICKS.findall(t)), default=0) + 1)
    pad = " " if t[0] in "` " or t[-1] in "` " else ""  # CommonMark strips one space each side
    return Md(f"{tick}{pad}{t}{pad}{tick}")


def _cell(c: Any) -> str:
    # In a GFM table a pipe ends the cell even inside a code span unless escaped.
    return c.replace("|", "\\|") if isinstance(c, Md) else text(c)


def md_table(headers: Iterable[str], rows: Iterable[Iterable[Any]]) -> list[str]:
    hs = list(headers)
    out = ["| " + " | ".join(_cell(h) for h in hs) + " |", "|" + "---|" * len(hs)]
    out += ["| " + " | ".join(_cell(c) for c in r) + " |" for r in rows]
    return out


def fence(lines: list[str]) -> str:
    """A code fence longer than any backtick run in the block (so no line can close it)."""
    longest = max((len(r) for ln in lines if "```" in ln for r in _TICKS.findall(ln)), default=0)
    return "`" * max(3, longest + 1)


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
        return [f"### {code(f['path'])}", "", f"**error:** {text(f['error'])}", ""]
    out = [f"### {code(f['path'])}: Kvrocks {text(f['from'])} → {text(f['to'])}", ""]
    if f.get("direction") == "rollback":
        out += [f"**Rollback plan:** the file {text(f['from'])} ran with, made fit for Kvrocks {text(f['to'])}.", ""]
    if len(f["hops"]) > 1:
        out += [f"Through {text(', '.join(f['hops']))}.", ""]
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
            out += [f"> **advice:** {text(a)}", ""]
        frows = iv.finding_rows(f)
        if frows:
            out += md_table(("option", "resource", "direction", "magnitude", "basis", "note"),
                            ((code(r[0]), *r[1:]) for r in frows)) + [""]
    if f.get("diff"):
        lines = diff_lines(f["diff"])
        tick = fence(lines)
        out += ["<details><summary>Diff</summary>", "", f"{tick}diff", *lines, tick, "", "</details>", ""]
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
