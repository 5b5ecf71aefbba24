"""H19, ``lua-strict-key-accessing`` (new in 2.14.0, default ``no``; apache/kvrocks#3139, #3155).

From 2.14.0, while ``lua-strict-key-accessing`` is ``no`` (the default), EVAL, EVALSHA and
FCALL run exclusively, one at a time: a throughput change that comes from a key the file
has never had. ``yes`` restores concurrency but makes scripts that touch undeclared keys
fail. Report only (info): which one fits depends on the scripts.
"""

from __future__ import annotations

from typing import Iterator

from upgrader.findings import Finding
from upgrader.registry import Context, Transform

transform = Transform(
    __name__,
    kind="new option with a behaviour change",
    stage="window",
    safety="display",
    why="'yes' is only safe if every script declares the keys it touches",
    title="Scripts run exclusively from 2.14.0 unless lua-strict-key-accessing yes",
    since=(2, 14, 0),
    priority=60,
)

KEY = "lua-strict-key-accessing"


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    ln = ctx.effective().get(KEY)
    if ln is not None and ln.value.lower() == "yes":
        return
    yield transform.finding(
        KEY, "info",
        f"{KEY} is {'no' if ln is not None else 'not set (default no)'}: from 2.14.0 EVAL, EVALSHA and FCALL run"
        f" exclusively, one at a time, which lowers throughput for script-heavy workloads. Set {KEY} yes if every"
        " script declares the keys it touches (scripts touching undeclared keys then fail).",
        since=transform.since, line=ln, references=["apache/kvrocks#3139", "apache/kvrocks#3155"],
    )
