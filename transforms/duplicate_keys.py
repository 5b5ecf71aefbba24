"""H17, duplicate lines of a single-value key (every release).

Kvrocks applies every line in order, so the last occurrence wins at startup; CONFIG
REWRITE updates only the first line, and the later duplicate undoes a CONFIG SET at the
next start (inferred). Not tied to a release: reported on every plan.

Fix (safe): comment out the earlier duplicates and keep the last line, the one the server
reads, so the file says once what the server does and REWRITE updates that line.
``rename-command`` (every line applies, except on 2.1.0) and ``namespace.*`` lines
(one token each) are not single-value keys and are left alone.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterator

from upgrader.confmodel import Line
from upgrader.findings import Finding
from upgrader.quoting import cut
from upgrader.registry import Context, Transform, commented

transform = Transform(
    __name__,
    kind="duplicate key",
    stage="target",
    safety="safe",
    why="the last occurrence wins at every start, so commenting out the earlier ones changes nothing the server reads",
    title="Comment out earlier duplicates of a single-value key",
    priority=70,
    directions=("forward", "backward"),
)

MULTI = {"rename-command"}


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    seen: dict[str, list[Line]] = defaultdict(list)
    for ln in ctx.doc.directives():
        seen[ln.norm_key].append(ln)
    for key, lines in seen.items():
        st = ctx.state(key, ctx.target)
        if len(lines) < 2 or key in MULTI or st is None or st.status != "active" or st.type == "multistring":
            continue
        last = lines[-1]
        shown = ctx.shown(key, last.value)
        # Lines the source did not read as this key (renamed by the plan, or unknown there) are
        # reported only: another fix owns them, and a second plan must not differ from the first.
        fixable = ctx.state(key, ctx.source) is not None and not any(_rewritten(ctx, ln) for ln in lines)
        for ln in lines[:-1]:
            differs = ln.value != last.value
            yield transform.finding(
                key, "warning",
                f"{cut(key)} is set {len(lines)} times; line {last.lineno} ({shown}) wins at startup"
                + (f" over this line ({ctx.shown(key, ln.value)})" if differs else "")
                + ". CONFIG REWRITE would update only the first line and the later one would undo it at the"
                " next start." + (" The earlier line is commented out." if fixable else " Remove the earlier line."),
                line=ln, action="comment_out" if fixable else "manual", before=ctx.shown(key, ln.value), after=shown,
                new_lines=[commented(ln, f"duplicate: line {last.lineno} sets {cut(key)} and wins")] if fixable else None,
                evidence="inferred",
            )


def _rewritten(ctx: Context, ln: Line) -> bool:
    was = ctx.original.line_at(ln.lineno)
    return was is None or was.norm_key != ln.norm_key
