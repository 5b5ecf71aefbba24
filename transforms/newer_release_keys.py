"""A file written for a newer release than ``--to`` (issue 12 item 8).

Keys that only releases after the plan's newest end read are not typos: the file was written for
a later Kvrocks, and starting the target on it is a downgrade. Each such line gets one finding that
names the release the file looks written for (the oldest release that reads every such key) and
says to plan it as the rollback it is (``--from X``), instead of target_check's "not an option".

``--from auto`` notices the same thing first (upgrader/detect.py): when no release up to the
target accepts the file but a newer one does, detection starts the plan at that newer release, so
the plan is a rollback and rollback_keys handles these lines; this transform then only speaks when
``--from`` was given and is older than the file.

The fix comments the line out: the target ignores it either way, but the line may be what the
operator wants on the newer release, so it needs review (as target_check's for the same lines).
"""

from __future__ import annotations

from typing import Iterator, Optional

from upgrader.confmodel import Line
from upgrader.findings import Finding
from upgrader.matrix import Matrix
from upgrader.quoting import cut
from upgrader.registry import Context, Transform, commented
from upgrader.versions import Release, format_version

transform = Transform(
    __name__,
    kind="newer-release key",
    stage="target",
    safety="unsafe",
    why="the line is meant for the newer release the file was written for: commenting it out loses it there",
    title="Name the newer release a file was written for, and call the plan the downgrade it is",
    priority=76,
    directions=("forward", "backward"),
)


def first_reader(m: Matrix, key: str) -> Optional[Release]:
    """The oldest release that reads ``key`` (None when none does)."""
    life = m.options.get(key)
    if life is None:
        return None
    return next((r.version for r in m.releases if life.state_at(r.version) is not None), None)


def _newer_key(ctx: Context, ln: Line) -> Optional[Release]:
    m = ctx.matrix
    if ln.kind != "directive" or m.pattern_for(ln.norm_key) or m.state(ln.norm_key, ctx.target) is not None:
        return None
    first = first_reader(m, ln.norm_key)
    return first if first is not None and first > max(ctx.source, ctx.target) else None


def handles(ctx: Context, ln: Line) -> bool:
    """Whether this transform owns the line (target_check then says nothing about it)."""
    s = ctx.settings
    if (s.select and transform.name not in s.select) or transform.name in s.ignore:
        return False
    return _newer_key(ctx, ln) is not None


def written_for(m: Matrix, keys: list[str], after: Release) -> Release:
    """The oldest release after ``after`` that reads every key; else the newest first reader."""
    for r in m.releases:
        if r.version > after and all(m.state(k, r.version) is not None for k in keys):
            return r.version
    return max(f for f in (first_reader(m, k) for k in keys) if f is not None)


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    m = ctx.matrix
    lines = [(ln, f) for ln in ctx.doc.directives() if (f := _newer_key(ctx, ln)) is not None]
    if not lines:
        return
    x = format_version(written_for(m, [ln.norm_key for ln, _ in lines], max(ctx.source, ctx.target)))
    tgt, src = m.release(ctx.target), m.release(ctx.source)
    plan = (f"this plan from {src.name} to {tgt.name} is in effect a downgrade from {x}" if ctx.source != ctx.target
            else f"starting {tgt.name} on it is a downgrade from {x}")
    for ln, first in lines:
        key = ln.norm_key
        yield transform.finding(
            key, "warning",
            f"{cut(key)} is an option only from Kvrocks {format_version(first)} on, newer than {tgt.name}: the file"
            f" looks written for Kvrocks {x}, and {plan}. Plan it as one with --from {x}: a rollback plan"
            f" comments out what {tgt.name} does not read and flags what it reads differently.",
            line=ln, action="comment_out", before=ctx.shown(key, ln.value),
            new_lines=[commented(ln, f"Kvrocks {format_version(first)}+ option, not read by {tgt.name}")],
        )
