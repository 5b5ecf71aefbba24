"""Rename an option whose key changed (matrix events with ``renamed_to``), keeping value and place.

Safe when the source release still read the old key (the window crosses the rename)
and the target accepts the value under the new key: the server then reads the same
setting as before. Otherwise the finding is kept for review.
"""

from __future__ import annotations

from typing import Iterator

from upgrader.findings import Finding
from upgrader.registry import Context, Transform, commented, replace_key
from upgrader.values import check_value

transform = Transform(
    __name__,
    kind="renamed option",
    stage="hop",
    safety="safe",
    why="same setting under its new name, same value syntax; the server reads what it read before",
    title="Rename an option, keeping its value and place",
    priority=10,
)


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    present = ctx.doc.keys()
    for key in ctx.event_keys():
        for ev in ctx.events(key):
            new = ev.renamed_to
            if not new:
                continue
            new_state = ctx.state(new, ev.since)
            for ln in ctx.doc.occurrences(key):
                shown = ctx.shown(key, ln.value)
                base = (f"{key} was renamed to {new} in {ev.since_name} without an alias: under the old name "
                        f"the value {shown} is ignored and {new} falls back to its default")
                if new_state and new_state.default is not None:
                    base += f" ({new_state.default})"
                base += "."
                if new in present:
                    yield transform.finding(
                        key, "warning", base + f" The file already sets {new}; the old line is commented out.",
                        since=ev.since, line=ln, action="comment_out",
                        new_lines=[commented(ln, f"renamed to {new} in {ev.since_name}, which this file sets")],
                        references=ev.refs, evidence=ev.evidence, before=shown,
                    )
                    continue
                problem = check_value(ln.value, new_state, ctx.hi_release.integers) if new_state else None
                if problem:
                    yield transform.finding(
                        key, "error", base + f" Renaming keeps a value {new} refuses ({problem}); choose a value.",
                        since=ev.since, line=ln, action="rename", new_lines=[replace_key(ln, new)],
                        references=ev.refs, evidence=ev.evidence, before=shown, safety="unsafe",
                        why=f"the value is out of range for {new}; the server would not start",
                    )
                    continue
                yield transform.finding(
                    key, "warning", base + f" Rename it to {new} to keep the setting.",
                    since=ev.since, line=ln, action="rename", new_lines=[replace_key(ln, new)],
                    references=ev.refs, evidence=ev.evidence, before=shown, after=shown,
                )
