"""Rollback: keys the older release does not read the way the newer one did.

A rollback starts the old binary on the file the new release ran with. Walking the window
backwards, at each step from release A down to release B:

* a key added after B (first event in (B, A]) is unknown to B: commented out with the
  release and reference that added it. Safe: B ignores the key either way (silently before
  2.5.0, with a warning after), so the comment changes nothing the server does;
* a key renamed after B (``rocksdb.max_subcompactions`` was ``rocksdb.max_sub_compactions``
  before 2.10.0) goes back to the name B reads. Safe: the same setting under the name that
  release knows, and the target check still validates the value;
* a key deprecated after B takes effect again on B (e.g. ``rocksdb.row_cache_size``): report
  only, since the value was dormant and will now be applied;
* across 2.2.0 the line grammar changes back to the legacy one (no quotes, escapes or inline
  comments): a value the two grammars read differently is reported for a hand fix.
"""

from __future__ import annotations

from typing import Iterator, Optional

from upgrader.confmodel import parse_line
from upgrader.findings import Finding
from upgrader.matrix import Event
from upgrader.registry import Context, Transform, commented, replace_key

transform = Transform(
    __name__,
    kind="rollback key",
    stage="hop",
    safety="safe",
    why="the older release ignores this key either way; the comment keeps the newer release's setting visible",
    title="Comment out, rename back or flag keys the older release reads differently on a rollback",
    priority=20,
    directions=("backward",),
)

QUOTED_GRAMMAR = (2, 2, 0)


def _refs(ev: Event) -> str:
    return f" ({', '.join(ev.refs[:2])})" if ev.refs else ""


def _renamed_from(ctx: Context) -> dict[str, tuple[str, Event]]:
    """new name -> (the name the older release reads, the rename event), for renames in the window."""
    out: dict[str, tuple[str, Event]] = {}
    for old in ctx.matrix.window_keys(ctx.lo, ctx.hi):
        for ev in ctx.events(old):
            if ev.renamed_to and ctx.state(old, ctx.end) is not None:
                out[ev.renamed_to] = (old, ev)
    return out


def _added(ctx: Context, key: str) -> Optional[Event]:
    return next((ev for ev in ctx.events(key) if ev.changes.get("status") == "active"), None)


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    yield from _grammar_back(ctx)
    # Named after the plan's target: a key added after the step's end is unknown to every older release too.
    end = ctx.matrix.release(ctx.target)
    renamed = _renamed_from(ctx)
    for key in ctx.event_keys():
        now, then = ctx.state(key, ctx.start), ctx.state(key, ctx.end)
        if now is None:
            continue  # the newer release ignored it too: target_check reports what changes
        for ln in ctx.doc.occurrences(key):
            shown = ctx.shown(key, ln.value)
            if then is None and key in renamed:
                old, ev = renamed[key]
                yield transform.finding(
                    key, "warning",
                    f"{key} is named {old} before {ev.since_name}{_refs(ev)}: {end.name} does not know {key}."
                    f" Renamed back so {end.name} keeps the setting.",
                    since=ev.since, line=ln, action="rename", new_lines=[replace_key(ln, old)],
                    references=ev.refs, evidence=ev.evidence, before=shown, after=shown,
                    why="the same setting under the name the older release reads; its value is still checked",
                )
            elif then is None:
                ev = _added(ctx, key)
                if ev is None:
                    continue
                loud = "ignored with a warning at startup" if end.unknown_keys == "warn" else "silently ignored"
                yield transform.finding(
                    key, "warning",
                    f"{key} {shown} was added in {ev.since_name}{_refs(ev)}: {end.name} does not know it and the line"
                    f" is {loud}. Commented out; the setting does not exist before {ev.since_name}.",
                    since=ev.since, line=ln, action="comment_out",
                    new_lines=[commented(ln, f"not an option of Kvrocks {end.name}: added in {ev.since_name}")],
                    references=ev.refs, evidence=ev.evidence, before=shown,
                )
            elif now.status == "deprecated" and then.status == "active":
                ev = next((e for e in ctx.events(key) if e.changes.get("status") == "deprecated"), None)
                since = ev.since if ev else ctx.hi
                yield transform.finding(
                    key, "warning",
                    f"{key} {shown} is deprecated from {ctx.matrix.release(since).name} and had no effect there;"
                    f" {end.name} reads it again, so the value takes effect after the rollback."
                    + (f" {ev.reason}" if ev and ev.reason else ""),
                    since=since, line=ln, action="manual", references=ev.refs if ev else (),
                    evidence=ev.evidence if ev else "source-verified", before=None, after=shown,
                    why="whether the old setting should apply again is the operator's call",
                )


def _grammar_back(ctx: Context) -> Iterator[Finding]:
    """Across 2.2.0 backwards: quotes, escapes and '#' become literal characters again."""
    if not ctx.crosses(QUOTED_GRAMMAR) or ctx.end_release.grammar != "legacy":
        return
    for ln in ctx.doc.directives():
        key = ln.norm_key
        old = parse_line(ln.text, ln.eol, ln.lineno, "legacy")
        if old.kind == "directive" and old.norm_key == key and old.value == ln.value:
            continue
        reads = ctx.shown(key, old.value) if old.kind == "directive" and old.norm_key == key else None
        yield transform.finding(
            key, "warning",
            f"{key}: {ctx.start_release.name} reads {ctx.shown(key, ln.value)}, but {ctx.end_release.name} has no"
            f" quoting, escapes or inline comments and "
            + (f"reads {reads}." if reads is not None else "does not read this line as a setting of it.")
            + " Write the value plainly for the older release.",
            since=QUOTED_GRAMMAR, line=ln, action="manual", references=["apache/kvrocks#849"],
            before=ctx.shown(key, ln.value), after=reads,
            why="a value with '#', quotes or escapes has no plain form in the legacy grammar that kvupgrade can"
                " choose for you",
        )
