"""The impact note on one finding: which resource moves, which way, by how much, and on
what basis. Every claim is either arithmetic on the config (``basis: "config"``), a
db_bench measurement (``basis: "benchmarks/rocksdb/README.md#<id>"``), or marked
``"qualitative"``. Numbers never come from anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ..findings import Finding
from ..quoting import cut
from . import measured
from .model import BLOCK_CACHE, ROW_CACHE, ResourceModel
from .quantity import Change

CONFIG = "config"
QUALITATIVE = "qualitative"


@dataclass
class Claim:
    text: str
    basis: str  # config | qualitative | benchmarks/rocksdb/README.md#<id>

    @property
    def quantitative(self) -> bool:
        return self.basis != QUALITATIVE

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "basis": self.basis, "quantitative": self.quantitative}


@dataclass
class Impact:
    resource: str  # memory | compaction | disk | write-stalls | throughput | read-path | migration | scripting | protocol | none
    direction: str  # up | down | none: how the resource's amount (MB, limit, amplification, concurrency) moves
    claims: list[Claim]
    magnitude: dict[str, Any] = field(default_factory=dict)  # e.g. {"mb": -1024}, {"ratio": 0.8, "metric": ...}
    changes: list[Change] = field(default_factory=list)

    @property
    def quantitative(self) -> bool:
        return bool(self.magnitude) and any(c.quantitative for c in self.claims)

    def to_dict(self) -> dict[str, Any]:
        cites = sorted({c.basis for c in self.claims if c.basis.startswith(measured.README)})
        text = " ".join(c.text for c in self.claims)
        if cites:  # said once per finding rather than after every measured ratio
            text += f" (db_bench ratios, small scale and noisy: within ±{measured.NOISE:.0%} means no clear change.)"
        return {
            "resource": self.resource, "direction": self.direction, "quantitative": self.quantitative,
            "magnitude": self.magnitude, "text": text,
            "claims": [c.to_dict() for c in self.claims],
            "cites": cites,
            "changes": [c.to_dict() for c in self.changes],
        }


@dataclass
class Ctx:
    before: ResourceModel
    after: ResourceModel
    changes: list[Change]

    def related(self, option: str) -> list[Change]:
        return [c for c in self.changes if option in c.options]


Handler = Callable[[Finding, Ctx], Impact]
HANDLERS: dict[str, Handler] = {}


def handles(*options: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        for o in options:
            HANDLERS[o] = fn
        return fn
    return deco


def _fmt(x: float) -> str:
    return f"{x:.2f}x"


def _measured(id_: str, metrics: list[tuple[str, str]], lead: str) -> Optional[Claim]:
    """A claim quoting measured ratios, or None when the benchmark has not produced them."""
    parts = [f"{label} {_fmt(v)}" for metric, label in metrics if (v := measured.ratio(id_, metric)) is not None]
    if not parts:
        return None
    return Claim(f"{lead}: {', '.join(parts)}.", measured.cite(id_))


def _pending(ids: list[str], what: str) -> Claim:
    refs = ", ".join(f"#{i}" for i in ids)
    return Claim(f"{what}: not measured yet ({measured.README} {refs}); qualitative.", QUALITATIVE)


# --- memory: row cache ----------------------------------------------------------------------

def row_cache_advice(ctx: Ctx) -> Optional[str]:
    """'row cache 1024 MB released; to keep the memory budget add it to rocksdb.block_cache_size (4096 → 5120)'."""
    freed = int(ctx.before.value("memory", "row_cache") or 0) - int(ctx.after.value("memory", "row_cache") or 0)
    if freed <= 0:
        return None
    block = ctx.after.get("memory", "block_cache")
    size = int(block.value or 0) if block else 0
    if block is None or BLOCK_CACHE not in block.options:  # before 2.6.0 there is no block_cache_size
        return f"row cache {freed} MB released; the memory budget falls by {freed} MB"
    if block.formula.startswith(f"{BLOCK_CACHE} 0"):
        return (f"row cache {freed} MB released; to keep the memory budget set {BLOCK_CACHE} {size + freed}"
                f" (it replaces the metadata + subkey caches, {size} MB)")
    return (f"row cache {freed} MB released; to keep the memory budget add it to {BLOCK_CACHE}"
            f" ({size} → {size + freed})")


@handles(ROW_CACHE)
def _row_cache(f: Finding, ctx: Ctx) -> Impact:
    b = int(ctx.before.value("memory", "row_cache") or 0)
    a = int(ctx.after.value("memory", "row_cache") or 0)
    read = (_measured("rowcache-hot", [("ops_per_sec", "read ops/s"), ("p99", "p99 latency")],
                      "Block cache only vs block + row cache of the same total, skewed point reads")
            or _pending(["rowcache-hot"], "Read path with the memory in the block cache instead"))
    uniform = _measured("rowcache-uniform", [("ops_per_sec", "read ops/s"), ("p99", "p99 latency")],
                        "Same, uniform point reads")
    rss = _measured("rowcache-memory", [("rss", "max RSS")], "Row cache memory moved into the block cache")
    extra = [c for c in (uniform, rss) if c is not None]
    if b > 0 and a == 0:
        advice = row_cache_advice(ctx) or ""
        claims = [Claim(f"{advice[0].upper()}{advice[1:]} (memory budget {ctx.before.memory_mb} →"
                        f" {ctx.after.memory_mb} MB).", CONFIG), read] + extra
        return Impact("memory", "down", claims, {"mb": a - b}, ctx.related(ROW_CACHE))
    if b > 0:
        return Impact("memory", "none", [Claim(f"The row cache keeps its {b} MB.", CONFIG), read] + extra,
                      {"mb": 0}, ctx.related(ROW_CACHE))
    return Impact("memory", "none", [Claim("The row cache was already off (0 MB): no memory or read-path change.",
                                           CONFIG)], {"mb": 0}, ctx.related(ROW_CACHE))


# --- compaction ---------------------------------------------------------------------------

@handles("rocksdb.level_compaction_dynamic_level_bytes")
def _dynlevel(f: Finding, ctx: Ctx) -> Impact:
    b = ctx.before.value("compaction", "dynamic_level_bytes")
    a = ctx.after.value("compaction", "dynamic_level_bytes")
    related = ctx.related("rocksdb.level_compaction_dynamic_level_bytes")
    if b == a or a is None:
        return Impact("compaction", "none", [Claim(f"Dynamic level sizing stays {'yes' if b else 'no'} here:"
                                                   " no compaction change.", CONFIG)], {}, related)
    targets = ctx.before.get("compaction", "level_targets") if a else ctx.after.get("compaction", "level_targets")
    shape = Claim(f"Level sizing turns {'dynamic' if a else 'static'}"
                  + (f" (was {targets.value})." if targets and a else "."), CONFIG)
    m = _measured("dynlevel", [("write_amp", "write amplification"), ("sst_bytes", "SST bytes"),
                               ("overwrite_ops_per_sec", "overwrite ops/s")], "yes vs no")
    wamp = measured.ratio("dynlevel", "write_amp")
    if m is None or wamp is None:
        # Kvrocks' shipped conf: better deletion efficiency and space amplification, some read cost.
        return Impact("compaction", "none", [shape, _pending(
            ["dynlevel"], "Write amplification and space (the shipped conf says it improves deletion efficiency"
                          " and space amplification at some read cost)")], {}, related)
    ratio = wamp if a else 1 / wamp
    direction = "none" if not measured.clear(ratio) else "down" if ratio < 1 else "up"
    return Impact("compaction", direction, [shape, m],
                  {"ratio": round(ratio, 2), "metric": "write amplification, after / before"}, related)


@handles("rocksdb.compression", "rocksdb.compression_start_level")
def _compression(f: Finding, ctx: Ctx) -> Impact:
    related = ctx.related("rocksdb.compression") + ctx.related("rocksdb.compression_start_level")
    if not related:
        return Impact("disk", "none", [Claim("Compression does not change here.", CONFIG)], {}, [])
    text = "; ".join(f"{c.label} {c.shown_before} → {c.shown_after}" for c in related)
    claims = [Claim(f"{text[0].upper()}{text[1:]}.", CONFIG)]
    start = [c for c in related if c.id == "compression_start_level"]
    if start:
        m = _measured("compress-start", [("sst_bytes", "SST bytes"), ("ops_per_sec", "write ops/s")],
                      "Compressing from level 2 instead of all levels")
        claims.append(m or _pending(["compress-start"], "Space and write speed of the start level"))
    else:
        claims.append(Claim("Uncompressed SSTs take more disk and less CPU; no measurement for the type change.",
                            QUALITATIVE))
    return Impact("disk", "none", claims, {}, related)


# --- throughput: migration, scripts, protocol ------------------------------------------------

@handles("migrate-type")
def _migrate_type(f: Finding, ctx: Ctx) -> Impact:
    related = ctx.related("migrate-type") + ctx.related("migrate-speed") + ctx.related("migrate-batch-rate-limit-mb")
    b, a = ctx.before.get("throughput", "migrate_limit"), ctx.after.get("throughput", "migrate_limit")
    bt, at = ctx.before.value("throughput", "migrate_type"), ctx.after.value("throughput", "migrate_type")
    if bt == at:
        return Impact("migration", "none", [Claim(f"Slot migration stays {at} (the file sets it).", CONFIG)],
                      {}, related)
    claims = [Claim(f"Slot migration switches from {bt} (limit {b.shown() if b else 'n/a'}) to {at}"
                    f" (limit {a.shown() if a else 'n/a'}).", CONFIG),
              Claim("The shipped conf describes raw-key-value as cheaper to produce and faster, with a finer rate"
                    " limit; not measured here.", QUALITATIVE)]
    return Impact("migration", "none", claims, {}, related)


@handles("lua-strict-key-accessing")
def _lua(f: Finding, ctx: Ctx) -> Impact:
    b = ctx.before.value("throughput", "scripts_exclusive")
    a = ctx.after.value("throughput", "scripts_exclusive")
    related = ctx.related("lua-strict-key-accessing")
    if a and not b:
        return Impact("scripting", "down", [Claim(
            "Scripts stop running concurrently (lua-strict-key-accessing no, #3155), so script throughput on a"
            " busy node can fall. Not measured.", QUALITATIVE)], {}, related)
    if b and not a:
        return Impact("scripting", "up", [Claim("Scripts may run concurrently again; not measured.", QUALITATIVE)],
                      {}, related)
    return Impact("scripting", "none", [Claim("Script concurrency does not change.", QUALITATIVE)], {}, related)


NOTES: dict[str, tuple[str, str]] = {
    # option -> (resource, qualitative sentence); each from the shipped conf's comment or README section 7-8
    "resp3-enabled": ("protocol", "Clients that ask for RESP3 (HELLO 3) get it; RESP2 clients see no change."
                                  " No resource effect modelled."),
    "rocksdb.read_options.async_io": ("read-path", "Iterators and MultiGet read ahead asynchronously (the conf:"
                                                   " hides I/O latency); not measured."),
    "rocksdb.block_size": ("read-path", "Larger data blocks: smaller indexes, more bytes read per point lookup;"
                                        " not measured."),
    "rocksdb.cache_index_and_filter_blocks": ("memory", "Index and filter blocks move into the block cache:"
                                                        " bounded by it, competing with data blocks; not measured."),
    "rocksdb.max_open_files": ("file-descriptors", "More SST files stay open (table readers use memory);"
                                                   " not measured."),
    "redis-cursor-compatible": ("protocol", "Cursor format changes; no resource effect."),
    "log-dir": ("disk", "Where logs go changes (stdout added); no modelled resource effect."),
    "log-retention-days": ("none", "Logging only; no resource effect modelled."),
    "replication-no-slowdown": ("write-stalls", "Replication traffic no longer waits on write stalls;"
                                                " not measured."),
}


def _direction(c: Change) -> str:
    if c.delta is not None:
        return "up" if c.delta > 0 else "down" if c.delta < 0 else "none"
    if c.shown_after == "unlimited" and c.shown_before != "unlimited":
        return "up"
    if c.shown_before == "unlimited" and c.shown_after != "unlimited":
        return "down"
    return "none"


def _generic(f: Finding, ctx: Ctx) -> Impact:
    related = ctx.related(f.option)
    note = NOTES.get(f.option)
    if related:
        c = related[0]
        claims = [Claim("; ".join(f"{x.label} {x.shown_before} → {x.shown_after}" for x in related).capitalize()
                        + ".", CONFIG)]
        if note:
            claims.append(Claim(note[1], QUALITATIVE))
        mag: dict[str, Any] = {}
        if c.delta is not None:
            mag = {c.unit.replace("/", "_per_").lower() if c.unit else "value": c.delta}
        elif "unlimited" in (c.shown_before, c.shown_after):
            mag = {"limit_before": c.shown_before, "limit_after": c.shown_after}
        return Impact(c.area, _direction(c), claims, mag, related)
    if note:
        return Impact(note[0], "none", [Claim(note[1], QUALITATIVE)])
    return Impact("none", "none", [Claim(f"No modelled resource effect: {cut(f.option)} feeds none of memory,"
                                         " compaction, disk, write stalls or throughput.", QUALITATIVE)])


def finding_impact(f: Finding, ctx: Ctx) -> Impact:
    return HANDLERS.get(f.option, _generic)(f, ctx)
