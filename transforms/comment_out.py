"""Comment out an option the target no longer reads (matrix events: status removed or deprecated).

The line becomes one comment that keeps the old text and says why and since when.
Safe: the target ignores the key either way (a deprecated key is only warned about,
a removed one is unknown), so the comment changes nothing the server does; it stops
the setting from being silently lost.
"""

from __future__ import annotations

from typing import Iterator

from upgrader.findings import Finding
from upgrader.registry import Context, Transform, commented

transform = Transform(
    __name__,
    kind="removed-or-deprecated option",
    stage="hop",
    safety="safe",
    why="the target ignores this key either way; the comment keeps the old value visible",
    title="Comment out an option the target removed or deprecated",
    priority=20,
)


def note(ev_status: str, since: str, summary: str, refs: tuple[str, ...]) -> str:
    ref = f" ({', '.join(refs[:2])})" if refs else ""
    return f"{ev_status} in {since}: {summary or 'no longer read'}{ref}"


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    for key in ctx.event_keys():
        for ev in ctx.events(key):
            status = ev.changes.get("status")
            if status not in ("removed", "deprecated") or ev.renamed_to:
                continue
            loader = ctx.hi_release.deprecated_keys if status == "deprecated" else ctx.hi_release.unknown_keys
            effect = ("is ignored with a warning at startup" if loader == "warn" else "is silently ignored")
            word = "deprecated" if status == "deprecated" else "removed"
            for ln in ctx.doc.occurrences(key):
                shown = ctx.shown(key, ln.value)
                msg = f"{key} {shown} was {word} in {ev.since_name} and {effect}: the setting is lost."
                if ev.reason:
                    msg += f" {ev.reason}"
                yield transform.finding(
                    key, "warning", msg, since=ev.since, line=ln, action="comment_out",
                    new_lines=[commented(ln, note(word, ev.since_name, ev.summary, ev.refs))],
                    references=ev.refs, evidence=ev.evidence, before=shown, after=None,
                )
