"""H4, block cache options accepted but ignored from 2.6.0 (apache/kvrocks#1549).

2.6.0 adds ``rocksdb.block_cache_size``: > 0 means one shared block cache of that many
MB, and then ``rocksdb.metadata_block_cache_size`` / ``subkey_block_cache_size`` are
ignored; 0 (the code default) keeps the separate caches. ``rocksdb.share_metadata_and_subkey_block_cache``
is accepted and ignored from 2.6.0 on. Report only: the lines are harmless, but the memory
they seem to size is not what the server uses.
"""

from __future__ import annotations

from typing import Iterator, Optional

from upgrader.findings import Finding
from upgrader.registry import Context, Transform
from upgrader.values import ValueProblem, read_int

transform = Transform(
    __name__,
    kind="ignored block cache option",
    stage="hop",
    safety="display",
    why="report only: the server accepts the line; removing it changes nothing but may hide the operator's intent",
    title="Block cache options accepted but ignored from 2.6.0",
    since=(2, 6, 0),
    priority=45,
)

SHARED = "rocksdb.block_cache_size"
SHARE_FLAG = "rocksdb.share_metadata_and_subkey_block_cache"
SPLIT = ("rocksdb.metadata_block_cache_size", "rocksdb.subkey_block_cache_size")
REFS = ["apache/kvrocks#1549"]


def _shared_size(ctx: Context) -> Optional[int]:
    ln = ctx.effective().get(SHARED)
    st = ctx.state(SHARED, ctx.hi)
    text = ln.value if ln is not None else (st.default if st else None)
    try:
        return read_int(text, ctx.hi_release.integers) if text is not None else None
    except ValueProblem:
        return None


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    eff = ctx.effective()
    size = _shared_size(ctx)
    flag = eff.get(SHARE_FLAG)
    if flag is not None:
        meaning = (f"one shared cache of {SHARED} = {size} MB is used" if size else
                   "the metadata and subkey caches are always separate while rocksdb.block_cache_size is 0")
        yield transform.finding(
            SHARE_FLAG, "info",
            f"{SHARE_FLAG} {flag.value} is accepted but ignored from 2.6.0: {meaning}.",
            since=transform.since, line=flag, references=REFS,
        )
    if size:
        for key in SPLIT:
            ln = eff.get(key)
            if ln is not None:
                yield transform.finding(
                    key, "warning",
                    f"{key} {ln.value} is ignored: {SHARED} is {size} (> 0), so one shared block cache of {size} MB"
                    " replaces the separate metadata and subkey caches. Size the cache with"
                    f" {SHARED} instead.",
                    since=transform.since, line=ln, references=REFS,
                )
