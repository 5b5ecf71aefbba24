"""H14, namespace name case at 2.1.0 (apache/kvrocks#642).

2.0.x lower-cased the ``<name>`` of ``namespace.<name> <token>``; 2.1.0+ keep its case.
Data keys are prefixed with the name, so a mixed-case name written for 2.0.x would point
at a different (empty) keyspace after the upgrade (inferred: not observed on a server).

Fix (safe): write the name in lower case, which is the name 2.0.x used, so the token keeps
mapping to the same data.
"""

from __future__ import annotations

from typing import Iterator

from upgrader.findings import Finding
from upgrader.registry import Context, Transform, replace_key

transform = Transform(
    __name__,
    kind="namespace name case",
    stage="hop",
    safety="safe",
    why="the lower-cased name is the one 2.0.x used, so the token keeps mapping to the same keyspace",
    title="Lower-case namespace names that 2.0.x lower-cased and 2.1.0 keeps",
    since=(2, 1, 0),
    priority=30,
)

PREFIX = "namespace."


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    for ln in ctx.doc.directives():
        if not ln.key.lower().startswith(PREFIX):
            continue
        name = ln.key[len(PREFIX):]
        if name == name.lower():
            continue
        new_key = ln.key[: len(PREFIX)] + name.lower()
        yield transform.finding(
            ln.norm_key, "warning",
            f"{ln.key}: 2.0.x lower-cased namespace names (this namespace was {name.lower()!r}); 2.1.0+ keep the"
            f" case, so {name!r} would be a different namespace with none of the data (inferred)."
            f" Renamed to {new_key}.",
            since=transform.since, line=ln, action="rename", new_lines=[replace_key(ln, new_key)],
            references=["apache/kvrocks#642"], evidence="inferred",
        )
