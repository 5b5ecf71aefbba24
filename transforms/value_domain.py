"""Values the target refuses after a type, range or enum change (matrix events changing
``type``, ``min``, ``max`` or ``enum_values``), and options that became read-only.

A refused value stops the server at startup. There is no generic fix (which value is
right depends on intent), so these are reported for a decision; bespoke transforms
handle the cases with a known safe rewrite.
"""

from __future__ import annotations

from typing import Iterator

from upgrader.findings import Finding
from upgrader.registry import Context, Transform
from upgrader.values import check_value

transform = Transform(
    __name__,
    kind="value domain change",
    stage="hop",
    safety="display",
    why="which value is right depends on intent",
    title="Report values a type, range or enum change makes invalid",
    priority=40,
)

DOMAIN = ("type", "min", "max", "enum_values")


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    hi = ctx.hi_release
    for key in ctx.event_keys():
        for ev in ctx.events(key):
            if ev.first:
                continue
            state = ctx.state(key, ev.since)
            if state is None:
                continue
            if any(f in ev.changes for f in DOMAIN):
                changed = ", ".join(f"{f} -> {ev.changes[f]}" for f in DOMAIN if f in ev.changes)
                for ln in ctx.doc.occurrences(key):
                    problem = check_value(ln.value, state, hi.integers)
                    if problem:
                        shown = ctx.shown(key, ln.value)
                        yield transform.finding(
                            key, "error",
                            f"{key} {shown}: {ev.since_name} changed its value domain ({changed}) and refuses"
                            f" this value: the server will not start ({problem}). {ev.reason}".rstrip(),
                            since=ev.since, line=ln, action="manual", references=ev.refs,
                            evidence=ev.evidence, before=shown,
                        )
            if ev.changes.get("readonly") is True:
                ln = ctx.effective().get(key)
                yield transform.finding(
                    key, "info",
                    f"{key} became read-only in {ev.since_name}: CONFIG SET now answers 'Unsupported CONFIG"
                    f" parameter'; the file still sets it at startup. {ev.reason}".rstrip(),
                    since=ev.since, line=ln, references=ev.refs, evidence=ev.evidence,
                )
