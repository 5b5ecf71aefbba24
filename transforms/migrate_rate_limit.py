"""H8, ``migrate-batch-rate-limit-mb 0`` (2.14.0, apache/kvrocks#3228).

Up to 2.13.0, 0 meant "no rate limit" for slot migration batches (and crashed 2.12.1
with SIGFPE per #3228); from 2.14.0 the minimum is 1 and 0 stops the server.

Fix (safe, applied by default): the largest value the target accepts (2147483647 MB/s, about
2 PB/s, far above any network) keeps the meaning "no limit" exactly, so nothing is guessed. The
line says why in an inline comment. A real limit (the 16 MB/s default) is a different choice
and stays in the message as the alternative.
"""

from __future__ import annotations

from typing import Iterator

from upgrader.findings import Finding
from upgrader.registry import Context, Transform, replace_value
from upgrader.settings import MARKER
from upgrader.values import ValueProblem, read_int

transform = Transform(
    __name__,
    kind="migrate rate limit 0",
    stage="hop",
    safety="safe",
    why="0 meant 'no limit'; the largest accepted value is no limit in practice, so the meaning is kept",
    title="Replace migrate-batch-rate-limit-mb 0 (no limit), refused from 2.14.0",
    since=(2, 14, 0),
    priority=35,
)

KEY = "migrate-batch-rate-limit-mb"


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    after = ctx.state(KEY, ctx.hi)
    if after is None or after.max is None:
        return
    for ln in ctx.doc.occurrences(KEY):
        try:
            if read_int(ln.value, ctx.lo_release.integers) != 0:
                continue
        except ValueProblem:
            continue
        proposed = str(after.max)
        # 2.14.0 reads a blank then '#' as a comment (quoted grammar), so the reason stays on the line.
        note = (f"  {MARKER} was {ln.value} (no limit), refused from {ctx.hi_release.name}; the largest"
                " accepted value keeps no limit (apache/kvrocks#3228)")
        yield transform.finding(
            KEY, "error",
            f"{KEY} {ln.value}: 0 meant 'no limit' up to 2.13.0 (and crashed 2.12.1 with SIGFPE);"
            f" from 2.14.0 the minimum is {after.min} and 0 stops the server. Set to {proposed} MB/s,"
            f" the largest accepted value, which keeps 'no limit'; the default {after.default} MB/s is the"
            " alternative if migrations should not saturate the network.",
            since=transform.since, line=ln, action="set", new_lines=[replace_value(ln, proposed) + note],
            references=["apache/kvrocks#3228"], before=ln.value, after=proposed,
        )
