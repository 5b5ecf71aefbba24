"""Report default changes in the window (matrix events that change ``default``).

For an option the file does not set, the effective value changes with the upgrade:
report it (before -> after). With ``--pin-defaults`` the old default is written
explicitly at the end of the file, as the operator's choice, never by default. For an
option the file sets to exactly the old default, say so: the file pins the old
behaviour and will not follow the new default.
"""

from __future__ import annotations

from typing import Iterator, Optional

from upgrader.findings import Finding
from upgrader.matrix import Event
from upgrader.registry import MARKER, Context, Transform
from upgrader.values import ValueProblem, read_value

transform = Transform(
    __name__,
    kind="default change",
    stage="window",
    safety="safe",
    why="--pin-defaults asks for it: writes the default the source release used, so behaviour does not change",
    title="Report default changes; pin the old default on request",
    priority=60,
)


def _last_default_event(events: "tuple[Event, ...]") -> Optional[Event]:
    hits = [e for e in events if "default" in e.changes and not e.first]
    return hits[-1] if hits else None


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    eff = ctx.effective()
    for name in sorted(ctx.matrix.options_at(ctx.target)):
        before = ctx.state(name, ctx.source)
        after = ctx.state(name, ctx.target)
        if before is None or after is None or after.status != "active":
            continue
        if before.default is None or after.default is None or before.default == after.default:
            continue
        ev = _last_default_event(ctx.events(name))
        since = ev.since if ev else ctx.target
        refs = ev.refs if ev else ()
        why = f" {ev.reason}" if ev and ev.reason else ""
        evidence = ev.evidence if ev else "source-verified"
        line = eff.get(name)
        if line is None:
            msg = (f"{name} is not set: its default changes from {before.default!r} to {after.default!r}"
                   f" (in {ctx.matrix.release(since).name}), so the node's behaviour changes.{why}")
            pin = None
            if ctx.settings.pin_defaults and before.default == "":
                # No file line can set a string to empty in any release: the line would be skipped.
                msg += " (--pin-defaults cannot pin an empty value: Kvrocks skips empty lines.)"
            elif ctx.settings.pin_defaults:
                pin = [f"{MARKER} pinned the {ctx.matrix.release(ctx.source).name} default of {name}"
                       f" (the default becomes {after.default!r} in {ctx.matrix.release(since).name})",
                       f"{name} {before.default}"]
            yield transform.finding(
                name, "info", msg, since=since, action="pin_default" if pin else "none",
                new_lines=pin, append=True, references=refs, evidence=evidence,
                before=ctx.shown(name, before.default), after=ctx.shown(name, after.default),
            )
            continue
        try:
            pinned = read_value(line.value, before, ctx.lo_release.integers).canonical == \
                read_value(before.default, before, ctx.lo_release.integers).canonical
        except ValueProblem:
            pinned = False
        if pinned:
            yield transform.finding(
                name, "info",
                f"{name} is set to {line.value!r}, the old default; the new default is {after.default!r}."
                f" Remove the line to follow the new default, or keep it to keep the old behaviour.{why}",
                since=since, line=line, references=refs, evidence=evidence,
                before=ctx.shown(name, line.value), after=ctx.shown(name, line.value),
            )
