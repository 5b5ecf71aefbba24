"""Report default drift over the window: the effective default differs at the two ends.

The effective default at the source is the source's default; for an option the source does
not have but a release in the window introduces, it is the option's first default: a new
option's first default is chosen to keep the old behaviour, so the source behaved as it says.
A later flip (e.g. ``resp3-enabled``: added 2.8.0 as no, yes from 2.12.0) then changes a node
whose file never named the option. This is derived from the matrix for every option.

For an option the file does not set, report the drift (before -> after). With
``--pin-defaults`` the old effective default is written explicitly at the end of the file, as
the operator's choice, never by default, and only where the target accepts it (pinning a value
the target refuses would stop the server, which keeps no behaviour). For an option the file
sets to exactly the old default, say so: the file pins the old behaviour and will not follow
the new default.

On a rollback the same comparison runs the other way: a default that flipped in the window flips
back (``rocksdb.level_compaction_dynamic_level_bytes`` yes on 2.14.0, no on 2.13.0), which is drift
for a file that does not set the option. An option the newer release does not have is not drift.
"""

from __future__ import annotations

from typing import Iterator, NamedTuple, Optional

from upgrader.findings import Finding
from upgrader.matrix import Event, OptionState
from upgrader.registry import Context, Transform
from upgrader.settings import MARKER
from upgrader.values import ValueProblem, check_value, read_value
from upgrader.versions import Release

transform = Transform(
    __name__,
    kind="default change",
    stage="window",
    safety="safe",
    why="--pin-defaults asks for it: writes the default the source release used, so behaviour does not change",
    title="Report default changes; pin the old default on request",
    priority=60,
    directions=("forward", "backward"),
)


class Drift(NamedTuple):
    before: str  # the effective default at the source
    after: OptionState  # the target's state
    introduced: Optional[Release]  # set when the source did not have the option
    event: Optional[Event]  # the last default change in the window after it existed


def drift(ctx: Context, name: str) -> Optional[Drift]:
    """The option's default drift over the window, or None when the effective default is kept."""
    after = ctx.state(name, ctx.target)
    if after is None or after.status != "active" or after.default is None:
        return None
    events = ctx.events(name)
    before = ctx.state(name, ctx.source)
    introduced = None
    if before is None and ctx.backward:
        return None  # removed in the window: the newer release had no such setting to compare
    if before is None:
        # Introduced inside the window: the first state after the source is its first default.
        intro = next((e for e in events if e.changes.get("status") == "active"), None)
        if intro is None:
            return None
        introduced = intro.since
        before = ctx.state(name, introduced)
        if before is None:
            return None
    if before.default is None or before.default == after.default:
        return None
    later = [e for e in events if "default" in e.changes and not e.first
             and (introduced is None or e.since > introduced)]
    return Drift(before.default, after, introduced, later[-1] if later else None)


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    eff = ctx.effective()
    src = ctx.matrix.release(ctx.source).name
    tgt = ctx.matrix.release(ctx.target)
    for name in sorted(ctx.matrix.options_at(ctx.target)):
        d = drift(ctx, name)
        if d is None:
            continue
        ev, after = d.event, d.after
        since = ev.since if ev else ctx.target
        since_name = ctx.matrix.release(since).name
        refs = ev.refs if ev else ()
        why = f" {ev.reason}" if ev and ev.reason else ""
        evidence = ev.evidence if ev else "source-verified"
        line = eff.get(name)
        if line is None:
            if ctx.backward:
                msg = (f"{name} is not set: its default goes back from {d.before!r} ({src}) to {after.default!r}"
                       f" ({tgt.name}), undoing the change of {since_name}, so the node's behaviour changes.{why}")
            elif d.introduced is None:
                msg = (f"{name} is not set: its default changes from {d.before!r} to {after.default!r}"
                       f" (in {since_name}), so the node's behaviour changes.{why}")
            else:
                msg = (f"{name} is not set: not present before {ctx.matrix.release(d.introduced).name}, which"
                       f" behaved as {d.before!r} (its first default); default {after.default!r} from {since_name},"
                       f" so the node's behaviour changes.{why}")
            pin = None
            if ctx.settings.pin_defaults:
                refused = check_value(d.before, after, tgt.integers)
                if d.before == "":
                    # No file line can set a string to empty in any release: the line would be skipped.
                    msg += " (--pin-defaults cannot pin an empty value: Kvrocks skips empty lines.)"
                elif refused:
                    msg += f" (--pin-defaults cannot pin {d.before!r}: {tgt.name} refuses it ({refused}).)"
                elif ctx.backward:
                    pin = [f"{MARKER} pinned the {src} default of {name} (the {tgt.name} default is"
                           f" {after.default!r})", f"{name} {d.before}"]
                else:
                    what = (f"pinned the {src} default of {name}" if d.introduced is None
                            else f"pinned {name} to its first default, the {src} behaviour"
                                 f" (added in {ctx.matrix.release(d.introduced).name})")
                    pin = [f"{MARKER} {what} (the default becomes {after.default!r} in {since_name})",
                           f"{name} {d.before}"]
            yield transform.finding(
                name, "info", msg, since=since, action="pin_default" if pin else "none",
                new_lines=pin, append=True, references=refs, evidence=evidence,
                before=ctx.shown(name, d.before), after=ctx.shown(name, after.default),
            )
            continue
        before = ctx.state(name, ctx.source)
        if before is None:
            continue  # the source ignored the line: target_check says the value takes effect
        try:
            pinned = read_value(line.value, before, ctx.start_release.integers).canonical == \
                read_value(d.before, before, ctx.start_release.integers).canonical
        except ValueProblem:
            pinned = False
        if pinned:
            if ctx.backward:
                said = (f"the {src} default; the {tgt.name} default is {after.default!r}. Remove the line to get the"
                        f" {tgt.name} default, or keep it to keep the {src} behaviour.")
            else:
                said = (f"the old default; the new default is {after.default!r}. Remove the line to follow the new"
                        " default, or keep it to keep the old behaviour.")
            yield transform.finding(
                name, "info", f"{name} is set to {line.value!r}, {said}{why}",
                since=since, line=line, references=refs, evidence=evidence,
                before=ctx.shown(name, line.value), after=ctx.shown(name, line.value),
            )
