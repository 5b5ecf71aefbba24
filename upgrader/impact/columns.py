"""Kvrocks' RocksDB column families per release.

Every column family gets its own memtables, and Kvrocks builds every column
family's options from the same ``rocksdb::Options`` (``rocksdb.write_buffer_size`` and
``rocksdb.max_write_buffer_number`` included), so the write-buffer bound of a node is
``write_buffer_size x max_write_buffer_number x len(column_families(release))``.

Sources (docs/IMPACT.md, "Column families"): ``src/storage/storage.cc`` ``Storage::Open``
(apache/kvrocks) lists ``default`` (subkeys), ``metadata``, ``zset_score`` (secondary
subkeys), ``pubsub``, ``propagate``, ``stream`` and ``search``, all created from
``options``. The first five already appear in the oldest stored ``storage.cc`` (namespace
``Engine``); that 1.3.0 has exactly those is inferred, not pinned. ``stream`` came with
the stream type (#745, merged 2022-08, after 2.1.0's last listed PR #642, so 2.2.0); ``search`` with #2115 (opened 2024-02-23). The 2.8.0
release vote closed 2024-03-08, so whether 2.8.0 already has ``search`` is not
settled: the model counts it from 2.9.0 and says so for 2.8.0.
"""

from __future__ import annotations

from typing import NamedTuple

from ..versions import Release


class ColumnFamily(NamedTuple):
    name: str
    since: Release
    evidence: str  # how the first release was placed (names and options are read in the source)
    note: str = ""


COLUMN_FAMILIES: tuple[ColumnFamily, ...] = (
    ColumnFamily("default", (1, 3, 0), "inferred", "subkeys of hash, set, list, zset, ..."),
    ColumnFamily("metadata", (1, 3, 0), "inferred", "one metadata record per key"),
    ColumnFamily("zset_score", (1, 3, 0), "inferred", "sorted-set score index"),
    ColumnFamily("pubsub", (1, 3, 0), "inferred", "PUBLISH propagation to replicas"),
    ColumnFamily("propagate", (1, 3, 0), "inferred", "Lua scripts and other replicated state"),
    ColumnFamily("stream", (2, 2, 0), "inferred", "stream entries (#745)"),
    ColumnFamily("search", (2, 9, 0), "inferred", "search indexes (#2115); 2.8.0 unsettled"),
)

# Releases whose column-family count is not settled, with why (shown as an assumption).
UNSETTLED: dict[Release, str] = {
    (2, 8, 0): "2.8.0 may already have the 'search' column family (#2115 was opened 2024-02-23, the 2.8.0"
               " vote closed 2024-03-08); the model counts 6, the write-buffer bound may be one family higher",
}


def column_families(v: Release) -> list[ColumnFamily]:
    """The column families a node of release ``v`` opens."""
    return [cf for cf in COLUMN_FAMILIES if cf.since <= v]
