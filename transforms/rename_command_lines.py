"""H10, how many ``rename-command`` lines apply: 2.1.0 and 2.2.0.

2.0.2-2.0.6 apply every ``rename-command`` line; 2.1.0 applies only the last one
(#507); 2.2.0+ apply every line again (multistring, #1047). A file with several lines
therefore renames (or disables) different commands before and after an upgrade across
2.1.0 or 2.2.0. The net effect over the window is what counts: 2.0.x -> 2.2.0+ ends where it
started (every line applies) and gets an info; a window that ends on 2.1.0, or starts
there, changes which commands are renamed and gets a warning. Report only: which lines the
operator meant is not in the file.
"""

from __future__ import annotations

from typing import Iterator

from upgrader.findings import Finding
from upgrader.registry import Context, Transform

transform = Transform(
    __name__,
    kind="rename-command semantics",
    stage="window",
    safety="display",
    why="which rename-command lines the operator meant to apply is not in the file",
    title="Several rename-command lines across the 2.1.0 / 2.2.0 semantics changes",
    priority=55,
)

KEY = "rename-command"
EVERY = ("per-line", "multi")
REFS = ["apache/kvrocks#507", "apache/kvrocks#1047"]


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    lines = ctx.doc.occurrences(KEY)
    if len(lines) < 2:
        return
    src, tgt = ctx.matrix.release(ctx.source), ctx.matrix.release(ctx.target)
    if src.rename_command == "none":
        return  # the source ignored the key: target_check says it starts to apply
    flips, prev = [], src
    for r in ctx.matrix.hops(ctx.source, ctx.target):
        if r.rename_command != prev.rename_command:
            flips.append(r)
        prev = r
    if not flips:
        return
    last = lines[-1]
    if src.rename_command in EVERY and tgt.rename_command in EVERY:
        yield transform.finding(
            KEY, "info",
            f"{len(lines)} rename-command lines: every line applies on {src.name} and on {tgt.name}, but 2.1.0"
            " applied only the last one; do not stop on 2.1.0 with this file.",
            since=flips[0].version, line=last, references=REFS,
        )
    elif tgt.rename_command == "last-wins":
        yield transform.finding(
            KEY, "warning",
            f"{len(lines)} rename-command lines: {tgt.name} applies only the last one (line {last.lineno}); the"
            f" others, applied on {src.name}, stop taking effect and those commands keep their names.",
            since=flips[-1].version, line=last, references=REFS,
        )
    elif src.rename_command == "last-wins":
        yield transform.finding(
            KEY, "warning",
            f"{len(lines)} rename-command lines: {src.name} applied only the last one (line {last.lineno});"
            f" {tgt.name} applies every line, so the earlier ones start renaming (or disabling) commands,"
            " and an invalid one stops the server.",
            since=flips[-1].version, line=last, references=REFS,
        )
