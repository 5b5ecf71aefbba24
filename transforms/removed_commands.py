"""H10, ``rename-command`` and ``profiling-sample-commands`` naming commands a release removed.

The codis ``slots*`` commands and ``msetbit`` are gone from 2.0.0 (with codis-enabled,
#217); ``ANALYZE`` exists only in 2.8.0 (#1943, removed by #2220 in 2.9.0). A
``rename-command`` line naming a missing command stops the server (``No such command in
rename-command``); so does ``profiling-sample-commands`` from 2.0.4 (#378).

Fix (safe): comment out the rename line, or drop the command from the sampling list
(commenting the line out when nothing is left): the command does not exist on the target,
so there is nothing to rename or sample, and the line would only stop the server.
The matrix records these as behaviours, not as a command list, so the names live here.
"""

from __future__ import annotations

from typing import Callable, Iterator, NamedTuple, Optional

from upgrader.confmodel import Line
from upgrader.findings import Finding
from upgrader.registry import Context, Transform, commented, replace_value
from upgrader.versions import Release, format_version

transform = Transform(
    __name__,
    kind="removed command",
    stage="hop",
    safety="safe",
    why="the command does not exist on the target: renaming or sampling it does nothing, and the line stops the server",
    title="Drop rename-command / profiling-sample-commands entries naming removed commands",
    priority=35,
)


class Removal(NamedTuple):
    removed: Release
    matches: Callable[[str], bool]
    what: str
    refs: tuple[str, ...]


REMOVALS = (
    Removal((2, 0, 0), lambda c: c.startswith("slots") or c == "msetbit", "codis command (slots*, msetbit)", ("apache/kvrocks#217",)),
    Removal((2, 9, 0), lambda c: c == "analyze", "command only 2.8.0 had", ("apache/kvrocks#1943", "apache/kvrocks#2220")),
)
PROFILING_FATAL = (2, 0, 4)  # #378: an unknown command in profiling-sample-commands is fatal


def _removal(ctx: Context, command: str) -> Optional[Removal]:
    for r in REMOVALS:
        if ctx.crosses(r.removed) and r.matches(command.lower()):
            return r
    return None


def _renames(ctx: Context, ln: Line) -> Iterator[Finding]:
    parts = ln.value.split()
    r = _removal(ctx, parts[0]) if parts else None
    if r is None:
        return
    yield transform.finding(
        "rename-command", "error",
        f"rename-command {ln.value}: {parts[0]} is a {r.what}, removed in {format_version(r.removed)};"
        " renaming a missing command stops the server (No such command in rename-command). Commented out.",
        since=r.removed, line=ln, action="comment_out", references=r.refs, before=ln.value,
        new_lines=[commented(ln, f"{parts[0]} removed in {format_version(r.removed)}")],
    )


def _profiling(ctx: Context, ln: Line) -> Iterator[Finding]:
    names = [c.strip() for c in ln.value.split(",")]
    gone = [(c, _removal(ctx, c)) for c in names if c]
    gone = [(c, r) for c, r in gone if r is not None]
    if not gone:
        return
    r = gone[0][1]
    assert r is not None
    keep = [c for c in names if c and all(c != g for g, _ in gone)]
    fatal = ctx.target >= PROFILING_FATAL
    listed = ", ".join(c for c, _ in gone)
    msg = (f"profiling-sample-commands names {listed}, removed in {format_version(r.removed)}"
           + ("; from 2.0.4 an unknown command stops the server." if fatal else "; it is never sampled.")
           + (" Dropped from the list." if keep else " The line is commented out."))
    new = replace_value(ln, ",".join(keep)) if keep else commented(ln, f"{listed} removed")
    yield transform.finding(
        "profiling-sample-commands", "error" if fatal else "warning", msg, since=r.removed, line=ln,
        action="convert_value" if keep else "comment_out", new_lines=[new], references=r.refs,
        before=ln.value, after=",".join(keep) or None,
    )


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    if not any(ctx.crosses(r.removed) for r in REMOVALS):
        return
    for ln in ctx.doc.occurrences("rename-command"):
        yield from _renames(ctx, ln)
    for ln in ctx.doc.occurrences("profiling-sample-commands"):
        yield from _profiling(ctx, ln)
