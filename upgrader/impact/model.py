"""Resource model of one Kvrocks node from its effective config (docs/IMPACT.md).

Memory budget (MB, upper bounds of what the config lets RocksDB hold):

* block cache: ``rocksdb.block_cache_size`` when > 0 (2.6.0+); when it is 0, or before
  2.6.0, ``rocksdb.metadata_block_cache_size + rocksdb.subkey_block_cache_size``
  (one shared cache from 2.6.0, where ``share_metadata_and_subkey_block_cache`` is
  ignored; before, shared or two caches as that flag says: same total either way);
* row cache: ``rocksdb.row_cache_size`` (0 from 2.13.0, where the key is deprecated);
* write buffers: ``write_buffer_size x max_write_buffer_number x column families``.

Everything else (compaction, disk, write stalls, throughput limits) is reported as
the figures the config sets, with the meaning of special values (0 = unlimited, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from .columns import UNSETTLED, column_families
from .effective import EffectiveConfig
from .quantity import AREAS, Change, Quantity, change

BYTES_PER_MB = 1 << 20  # Kvrocks multiplies "MB" options by MiB
ROW_CACHE = "rocksdb.row_cache_size"
BLOCK_CACHE = "rocksdb.block_cache_size"
META_CACHE = "rocksdb.metadata_block_cache_size"
SUBKEY_CACHE = "rocksdb.subkey_block_cache_size"
SHARE_CACHE = "rocksdb.share_metadata_and_subkey_block_cache"
UNLIMITED = ((0, "unlimited"),)
DERIVED = ((-1, "derived from background jobs"),)  # shipped conf: -1 = decided by max_background_jobs

# Memory that exists but that the config does not bound; listed in every model.
NOT_MODELLED = (
    "per-connection buffers (maxclients), Lua interpreter states, replication and migration buffers",
    "the small internal block caches RocksDB creates for the pubsub, propagate and search column families"
    " (Kvrocks gives them no block cache of their own)",
    "memtable bloom filters and RocksDB's own bookkeeping (table readers, iterators pinning blocks)",
)


@dataclass
class ResourceModel:
    release: str
    quantities: list[Quantity]
    column_families: list[str]
    notes: list[str] = field(default_factory=list)

    def get(self, area: str, id_: str) -> Optional[Quantity]:
        for q in self.quantities:
            if q.area == area and q.id == id_:
                return q
        return None

    def value(self, area: str, id_: str) -> Any:
        q = self.get(area, id_)
        return q.value if q else None

    def area(self, area: str) -> list[Quantity]:
        return [q for q in self.quantities if q.area == area]

    @property
    def memory_mb(self) -> int:
        return sum(int(q.value or 0) for q in self.area("memory"))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"release": self.release, "column_families": self.column_families,
                             "memory": {"total_mb": self.memory_mb,
                                        "items": [q.to_dict() for q in self.area("memory")]}}
        for a in AREAS[1:]:
            d[a.replace("-", "_")] = [q.to_dict() for q in self.area(a)]
        d["notes"] = list(self.notes)
        return d


def compare(before: ResourceModel, after: ResourceModel) -> list[Change]:
    out = []
    for a in after.quantities:
        b = before.get(a.area, a.id)
        if b is not None:
            c = change(b, a)
            if c:
                out.append(c)
    return out


# --- memory ---------------------------------------------------------------------------

def _block_cache(cfg: EffectiveConfig, notes: list[str]) -> Quantity:
    meta, sub = cfg.int(META_CACHE, 0) or 0, cfg.int(SUBKEY_CACHE, 0) or 0
    if cfg.has(BLOCK_CACHE):
        size = cfg.int(BLOCK_CACHE, 0) or 0
        if size > 0:
            set_pair = [k for k in (META_CACHE, SUBKEY_CACHE) if cfg.setting(k).origin == "file"]
            if set_pair:
                notes.append(f"{' and '.join(set_pair)} ignored: rocksdb.block_cache_size is {size} MB (> 0)")
            return Quantity("memory", "block_cache", "block cache", size, "MB", (BLOCK_CACHE,), f"{BLOCK_CACHE} {size}")
        return Quantity("memory", "block_cache", "block cache", meta + sub, "MB", (BLOCK_CACHE, META_CACHE, SUBKEY_CACHE),
                        f"{BLOCK_CACHE} 0: metadata {meta} + subkey {sub}, one shared cache")
    shared = cfg.yes(SHARE_CACHE)
    how = "one shared cache" if shared else "two caches" if shared is False else "two caches (no sharing option yet)"
    opts = (META_CACHE, SUBKEY_CACHE) + ((SHARE_CACHE,) if shared is not None else ())
    return Quantity("memory", "block_cache", "block cache", meta + sub, "MB", opts, f"metadata {meta} + subkey {sub}, {how}")


def _row_cache(cfg: EffectiveConfig) -> Quantity:
    s = cfg.setting(ROW_CACHE)
    if s.origin == "ignored":
        why = f"{ROW_CACHE} is deprecated in {cfg.name} and takes no effect"
        if s.line:
            why += f" (line {s.line} is ignored)"
        return Quantity("memory", "row_cache", "row cache", 0, "MB", (ROW_CACHE,), why)
    if s.origin == "absent":
        return Quantity("memory", "row_cache", "row cache", 0, "MB", (ROW_CACHE,), f"no row cache in {cfg.name}")
    size = cfg.int(ROW_CACHE, 0) or 0
    return Quantity("memory", "row_cache", "row cache", size, "MB", (ROW_CACHE,), f"{ROW_CACHE} {size}")


def _write_buffers(cfg: EffectiveConfig, cfs: int) -> Quantity:
    size = cfg.int("rocksdb.write_buffer_size", 0) or 0
    count = cfg.int("rocksdb.max_write_buffer_number", 0) or 0
    return Quantity("memory", "write_buffers", "write buffers (memtables)", size * count * cfs, "MB",
                    ("rocksdb.write_buffer_size", "rocksdb.max_write_buffer_number"),
                    f"{size} MB x {count} buffers x {cfs} column families")


def _memory_notes(cfg: EffectiveConfig, notes: list[str]) -> None:
    if cfg.yes("enable-blob-cache") and cfg.yes("rocksdb.enable_blob_files"):
        notes.append("enable-blob-cache: blob values are cached inside the block cache (no memory beyond it)")
    if cfg.yes("rocksdb.cache_index_and_filter_blocks") is False:
        notes.append("rocksdb.cache_index_and_filter_blocks no: index and filter blocks live outside the block"
                     " cache and grow with the data (not bounded by this model)")
    if cfg.text("rocksdb.block_cache_type") == "hcc":
        notes.append("rocksdb.block_cache_type hcc: HyperClockCache, same capacity")


# --- compaction, disk, stalls, throughput ------------------------------------------------------

def _int_q(cfg: EffectiveConfig, area: str, id_: str, label: str, key: str, unit: Optional[str] = None,
           special: tuple[tuple[int, str], ...] = (), scale: int = 1) -> Quantity:
    s = cfg.setting(key)
    if s.origin == "refused":
        # The figure is what the file leaves, not the default: with it the node does not start at all.
        return Quantity(area, id_, label, f"{s.raw} (refused by {cfg.name}: the server does not start)", unit,
                        (key,))
    v = cfg.int(key)
    if v is not None and scale != 1:
        v = v // scale
    return Quantity(area, id_, label, v, unit, (key,) if cfg.has(key) else (), special=special)


def _compaction(cfg: EffectiveConfig) -> list[Quantity]:
    v = cfg.release
    out = [Quantity("compaction", "compression", "compression", cfg.text("rocksdb.compression"), None,
                    ("rocksdb.compression",))]
    if cfg.has("rocksdb.compression_start_level"):
        start: Optional[int] = cfg.int("rocksdb.compression_start_level")
        how = ""
    elif v >= (2, 0, 5):
        start, how = 2, "fixed at 2 in code (#395, 2.0.5)"
    else:
        start, how = None, "not modelled before 2.0.5"
    out.append(Quantity("compaction", "compression_start_level", "first compressed level", start, None,
                        ("rocksdb.compression_start_level",), how))
    dyn = cfg.yes("rocksdb.level_compaction_dynamic_level_bytes")
    base = cfg.int("rocksdb.max_bytes_for_level_base")
    mult = cfg.int("rocksdb.max_bytes_for_level_multiplier")
    out.append(Quantity("compaction", "dynamic_level_bytes", "dynamic level sizing", dyn, None,
                        ("rocksdb.level_compaction_dynamic_level_bytes",)))
    if base is not None:
        base_mb = base // BYTES_PER_MB
        out.append(Quantity("compaction", "level_base", "L1 target size", base_mb, "MB",
                            ("rocksdb.max_bytes_for_level_base",), f"{base} bytes"))
        if mult is not None and not dyn:
            # L(n) target = base x multiplier^(n-1), L1..L6 (Kvrocks uses 7 levels)
            sizing = f"static: L1 {base_mb} MB, x{mult} per level"
        else:
            sizing = "dynamic: targets follow the last level's actual size"
        out.append(Quantity("compaction", "level_targets", "level targets", sizing, None,
                            ("rocksdb.level_compaction_dynamic_level_bytes", "rocksdb.max_bytes_for_level_base",
                             "rocksdb.max_bytes_for_level_multiplier")))
    out += [
        _int_q(cfg, "compaction", "target_file_size", "target SST file size", "rocksdb.target_file_size_base", "MB"),
        _int_q(cfg, "compaction", "background_jobs", "background jobs", "rocksdb.max_background_jobs", "threads"),
        _int_q(cfg, "compaction", "background_compactions", "background compactions",
               "rocksdb.max_background_compactions", "threads", DERIVED),
        _int_q(cfg, "compaction", "background_flushes", "background flushes", "rocksdb.max_background_flushes",
               "threads", DERIVED),
    ]
    sub = cfg.first_known("rocksdb.max_subcompactions", "rocksdb.max_sub_compactions")
    out.append(Quantity("compaction", "subcompactions", "subcompactions per job", cfg.int(sub) if sub else None,
                        "threads", ("rocksdb.max_subcompactions", "rocksdb.max_sub_compactions")))
    out.append(_int_q(cfg, "compaction", "io_limit", "flush + compaction write limit", "max-io-mb", "MB/s",
                      special=UNLIMITED))
    return [q for q in out if q.value is not None or q.options]


def _disk(cfg: EffectiveConfig) -> list[Quantity]:
    return [
        _int_q(cfg, "disk", "max_db_size", "max SST space", "max-db-size", "GB", special=UNLIMITED),
        _int_q(cfg, "disk", "sst_delete_rate", "SST delete rate", "rocksdb.sst_file_delete_rate_bytes_per_sec",
               "bytes/s", special=((0, "immediate"),)),
        _int_q(cfg, "disk", "max_total_wal", "live WAL before forced flush", "rocksdb.max_total_wal_size", "MB"),
        _int_q(cfg, "disk", "wal_archive", "archived WAL size limit", "rocksdb.wal_size_limit_mb", "MB"),
        _int_q(cfg, "disk", "wal_ttl", "archived WAL TTL", "rocksdb.wal_ttl_seconds", "s"),
    ]


def _stalls(cfg: EffectiveConfig) -> list[Quantity]:
    return [
        _int_q(cfg, "write-stalls", "l0_compaction", "L0 files to start compaction",
               "rocksdb.level0_file_num_compaction_trigger", "files"),
        _int_q(cfg, "write-stalls", "l0_slowdown", "L0 files to slow writes", "rocksdb.level0_slowdown_writes_trigger",
               "files", special=((0, "off"),) if cfg.release >= (2, 13, 0) else ()),
        _int_q(cfg, "write-stalls", "l0_stop", "L0 files to stop writes", "rocksdb.level0_stop_writes_trigger", "files"),
        _int_q(cfg, "write-stalls", "write_buffers", "write buffers per column family",
               "rocksdb.max_write_buffer_number", "buffers"),
        _int_q(cfg, "write-stalls", "delayed_write_rate", "write rate while slowed", "rocksdb.delayed_write_rate",
               "bytes/s", special=((0, "derived by RocksDB"),)),
    ]


def _throughput(cfg: EffectiveConfig) -> list[Quantity]:
    out = [
        _int_q(cfg, "throughput", "replication", "replication rate limit", "max-replication-mb", "MB/s", special=UNLIMITED),
        _int_q(cfg, "throughput", "workers", "worker threads", "workers", "threads"),
    ]
    # Before 2.8.0 (#2067) migration always sent redis commands (README section 7).
    mtype = cfg.text("migrate-type") or ("redis-command" if cfg.has("migrate-speed") else None)
    if mtype is not None:
        out.append(Quantity("throughput", "migrate_type", "slot migration mode", mtype, None, ("migrate-type",)))
        if mtype == "redis-command":
            # shipped conf: the pause between sends is 1000000 * migrate-pipeline-size / migrate-speed us
            out.append(_int_q(cfg, "throughput", "migrate_limit", "slot migration limit", "migrate-speed", "keys/s",
                              special=UNLIMITED))
        else:
            # 0 (no limit) is refused from 2.14.0; its largest value, ~2 PB/s, is no limit in practice.
            top = cfg.matrix.state("migrate-batch-rate-limit-mb", cfg.release)
            most = ((top.max, "unlimited"),) if top is not None and top.max is not None else ()
            out.append(_int_q(cfg, "throughput", "migrate_limit", "slot migration limit",
                              "migrate-batch-rate-limit-mb", "MB/s", special=UNLIMITED + most))
    if cfg.has("lua-strict-key-accessing"):
        # 2.14.0 (#3155): with lua-strict-key-accessing no, EVAL/EVALSHA/FCALL run exclusively.
        exclusive = not cfg.yes("lua-strict-key-accessing", False)
        out.append(Quantity("throughput", "scripts_exclusive", "scripts run one at a time", exclusive, None,
                            ("lua-strict-key-accessing",)))
    elif cfg.release >= (2, 0, 0):
        out.append(Quantity("throughput", "scripts_exclusive", "scripts run one at a time", False, None,
                            ("lua-strict-key-accessing",), note="before 2.14.0 (#3155)"))
    return out


def build_model(cfg: EffectiveConfig) -> ResourceModel:
    cfs = column_families(cfg.release)
    notes: list[str] = []
    memory = [_block_cache(cfg, notes), _row_cache(cfg), _write_buffers(cfg, len(cfs))]
    _memory_notes(cfg, notes)
    if cfg.release in UNSETTLED:
        notes.append(UNSETTLED[cfg.release])
    quantities = memory + _compaction(cfg) + _disk(cfg) + _stalls(cfg) + _throughput(cfg)
    quantities = [q for q in quantities if q.value is not None]
    notes += cfg.notes
    return ResourceModel(cfg.name, quantities, [cf.name for cf in cfs], notes)
