"""H8, ``migrate-batch-rate-limit-mb 0`` (2.14.0, apache/kvrocks#3228).

Up to 2.13.0, 0 meant "no rate limit" for slot migration batches (and crashed 2.12.1
with SIGFPE per #3228); from 2.14.0 the minimum is 1 and 0 stops the server.

Fix (unsafe, needs review): propose the largest value the target accepts, which is the
closest to "no limit". It is unsafe because nothing is the same as "no limit": an
operator may prefer a real limit (the default is 16 MB/s) now that one must be chosen.
"""

from __future__ import annotations

from typing import Iterator

from upgrader.findings import Finding
from upgrader.registry import Context, Transform, replace_value
from upgrader.values import ValueProblem, read_int

transform = Transform(
    __name__,
    kind="migrate rate limit 0",
    stage="hop",
    safety="unsafe",
    why="0 meant 'no limit'; the largest accepted value is the closest, but a real limit (default 16 MB/s) may suit the network better",
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
        yield transform.finding(
            KEY, "error",
            f"{KEY} {ln.value}: 0 meant 'no limit' up to 2.13.0 (and crashed 2.12.1 with SIGFPE);"
            f" from 2.14.0 the minimum is {after.min} and 0 stops the server. Proposed: {proposed} MB/s,"
            f" the largest accepted value and the closest to no limit; the default {after.default} MB/s is a"
            " sane alternative if migrations should not saturate the network.",
            since=transform.since, line=ln, action="set", new_lines=[replace_value(ln, proposed)],
            references=["apache/kvrocks#3228"], before=ln.value, after=proposed,
        )
