"""One self-contained HTML page: inline CSS, an inline SVG bar chart of the memory
budget before/after per file, then per file the findings, impact tables and diff.

No scripts, fonts or URLs are loaded (a Content-Security-Policy says so), and only the
masked per-file dicts (``jsonout.outcome_to_dict``) are rendered, so secrets never
reach the page. Everything from a config goes through ``e``: control characters become
visible escapes (``escape.visible``), then HTML's own characters entities.
"""

from __future__ import annotations

from html import escape
from typing import Any, Iterable

from ..impact import view as iv
from .common import fix_label
from .escape import diff_lines, visible

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
# Memory items in stacking order, with their bar colours (legend and bars use the same ids).
SEGMENTS = (("block_cache", "#4e79a7"), ("row_cache", "#e15759"), ("write_buffers", "#59a14f"))
CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1d1d1f;max-width:1200px}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}h3{font-size:1rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;
vertical-align:top}th{background:#f5f5f7}td.num{text-align:right;white-space:nowrap}
.error{color:#b00020;font-weight:600}.warning{color:#a05a00;font-weight:600}.info{color:#0b6aa2}
.advice{background:#fff8e1;border-left:4px solid #f2b600;padding:.4rem .7rem}
pre.diff{background:#f7f7f7;padding:.6rem;overflow-x:auto}.add{color:#116329}.del{color:#b00020}.hunk{color:#6f42c1}
.muted{color:#666}svg text{font:12px system-ui,sans-serif}
"""


def e(x: Any) -> str:
    return escape(visible("" if x is None else str(x)), quote=True)


def table(headers: Iterable[str], rows: Iterable[Iterable[Any]], cls: str = "") -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def chart(files: list[dict[str, Any]]) -> str:
    """Horizontal stacked bars, two per file (before, after), scaled to the largest budget."""
    planned = [f for f in files if f.get("impact")]
    if not planned:
        return ""
    peak = max(max(f["impact"]["memory_mb"]["before"], f["impact"]["memory_mb"]["after"]) for f in planned) or 1
    label_w, bar_w, row_h = 260, 560, 22
    height = 40 + len(planned) * (2 * row_h + 18)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" id="memory-chart" width="{label_w + bar_w + 120}"'
             f' height="{height}" role="img" aria-label="Memory budget before and after, per file">']
    x = label_w
    for seg, colour in SEGMENTS:  # legend
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="14">{e(seg.replace("_", " "))}</text>')
        x += 130
    y = 30
    for f in planned:
        imp = f["impact"]
        for phase in ("before", "after"):
            model = imp[phase]
            total = imp["memory_mb"][phase]
            label = f"{f['path']} {phase} {model['release']}: {total} MB"
            parts.append(f'<g class="bar" data-file="{e(f["path"])}" data-phase="{phase}" data-mb="{total}">'
                         f'<text x="0" y="{y + 15}">{e(_short(f["path"]))} · {phase} {e(model["release"])}</text>')
            x = float(label_w)
            items = {q["id"]: q for q in model["memory"]["items"]}
            for seg, colour in SEGMENTS:
                mb = int(items.get(seg, {}).get("value") or 0)
                w = bar_w * mb / peak
                if w > 0:
                    parts.append(f'<rect class="seg" data-item="{seg}" data-mb="{mb}" x="{x:.1f}" y="{y}"'
                                 f' width="{w:.1f}" height="{row_h - 4}" fill="{colour}">'
                                 f'<title>{e(seg.replace("_", " "))}: {mb} MB</title></rect>')
                x += w
            parts.append(f'<text class="total" x="{x + 6:.1f}" y="{y + 15}">{total} MB</text>'
                         f'<title>{e(label)}</title></g>')
            y += row_h
        y += 18
    parts.append("</svg>")
    return "".join(parts)


def _short(path: str, keep: int = 22) -> str:
    return path if len(path) <= keep else "…" + path[-(keep - 1):]


def _diff(text: str) -> str:
    out = []
    for line in diff_lines(text):
        cls = ("hunk" if line.startswith("@@") else "add" if line.startswith("+") and not line.startswith("+++")
               else "del" if line.startswith("-") and not line.startswith("---") else "")
        out.append(f'<span class="{cls}">{e(line)}</span>' if cls else e(line))
    return '<pre class="diff">' + "\n".join(out) + "</pre>"


def file_section(f: dict[str, Any], command: str) -> str:
    if f["status"] == "error":
        return f'<section class="file"><h2>{e(f["path"])}</h2><p class="error">{e(f["error"])}</p></section>'
    out = [f'<section class="file" data-file="{e(f["path"])}"><h2>{e(f["path"])}: Kvrocks {e(f["from"])} →'
           f' {e(f["to"])}</h2>']
    if f.get("direction") == "rollback":
        out.append(f'<p class="rollback"><strong>Rollback plan:</strong> the file {e(f["from"])} ran with, made fit'
                   f' for Kvrocks {e(f["to"])}.</p>')
    if len(f["hops"]) > 1:
        out.append(f'<p class="muted">Through {e(", ".join(f["hops"]))}.</p>')
    if f["findings"]:
        out.append("<h3>Findings</h3>")
        rows = []
        for x in f["findings"]:
            imp = x.get("impact") or {}
            rows.append((f'<span class="{e(x["severity"])}">{e(x["severity"])}</span>', e(x["line"] or "not set"),
                         f"<code>{e(x['option'])}</code>", e(fix_label(x, command)), e(x["message"]),
                         e(" ".join(p for p in (imp.get("resource"), imp.get("direction"), iv.magnitude(imp))
                                    if p and p != "none"))))
        out.append(table(("severity", "line", "option", "fix", "message", "impact"), rows, "findings"))
    else:
        out.append("<p>No findings.</p>")
    imp = f.get("impact")
    if imp:
        out.append("<h3>Impact</h3>")
        mem = [(e(a), f'<span class="num">{e(b)}</span>', e(c), e(d)) for a, b, c, d in iv.memory_rows(imp)]
        out.append(table(("memory", f["from"], f["to"], "change"), mem, "memory"))
        rows = iv.change_rows(imp)
        if rows:
            out.append(table(("area", "figure", f["from"], f["to"]), ([e(c) for c in r] for r in rows), "changes"))
        for a in imp.get("advice", []):
            out.append(f'<p class="advice"><strong>advice:</strong> {e(a)}</p>')
        frows = iv.finding_rows(f)
        if frows:
            out.append(table(("option", "resource", "direction", "magnitude", "basis", "note"),
                             ([f"<code>{e(r[0])}</code>", *(e(c) for c in r[1:])] for r in frows), "impacts"))
    if f.get("diff"):
        out.append("<h3>Diff</h3>" + _diff(f["diff"]))
    if f.get("blockers"):
        out.append(f'<p class="error">{e(f["blockers"])} blocker(s): the target would refuse this config.</p>')
    out.append("</section>")
    return "".join(out)


def render(files: list[dict[str, Any]], summary: dict[str, Any], command: str, meta: dict[str, Any],
           colour: bool = False) -> str:
    s = summary
    verb = "changed" if command == "apply" else "to change"
    head = (f"kvupgrade {command}: {s['files']} file(s), {s['changed']} {verb}, {s['blocked']} blocked,"
            f" {s['failed']} failed")
    overview = []
    for f in files:
        if f["status"] == "error":
            overview.append((e(f["path"]), "", '<span class="error">error</span>', "", "", "", ""))
            continue
        c, m = f["counts"], (f.get("impact") or {}).get("memory_mb")
        overview.append((e(f["path"]), e(f"{f['from']} → {f['to']}"), e(f["status"]), e(c["error"]), e(c["warning"]),
                         e(c["info"]), e(f"{m['before']} → {m['after']} MB" if m else "")))
    body = [f"<h1>{e(head)}</h1>",
            table(("file", "upgrade", "status", "errors", "warnings", "info", "memory budget"), overview, "summary"),
            "<h2>Memory budget</h2>", chart(files)]
    body += [file_section(f, command) for f in files]
    body.append(f'<p class="muted">kvupgrade {e(meta.get("tool_version"))}, matrix {e(meta.get("data_version"))};'
                " impact model and sources: docs/IMPACT.md</p>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            f"<title>{e(head)}</title><style>{CSS}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")
