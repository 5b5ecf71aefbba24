#!/usr/bin/env python3
"""Calibrate kvupgrade's RocksDB performance claims with real db_bench runs.

Stdlib only.  Usage:

    python3 calibrate.py run    [--out results.json] [--claims rowcache,rss,dynlevel,compress]
                                [--quick] [--keep] [--workdir DIR]
    python3 calibrate.py report [--in results.json]      # markdown tables for README.md

Every db_bench invocation is wrapped in ``timeout 60`` and sized (``--duration``
or a small ``--num``) to finish well inside that bound.  All databases live in a
temporary directory under /tmp which is removed afterwards (unless --keep).

Result ids (cited by kvupgrade as ``benchmarks/rocksdb/README.md#<id>``):

    rowcache-hot       block cache B + row cache R  vs  block cache B+R, skewed reads
    rowcache-uniform   same, uniform reads
    rowcache-memory    max RSS with row cache 0 / R / memory moved into block cache
    dynlevel           level_compaction_dynamic_level_bytes=false vs true
    compress-start     compression at all levels vs starting at level 2
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DB_BENCH = os.environ.get("DB_BENCH", "db_bench")
TIMEOUT_S = 60          # hard bound per db_bench process (brief: < 1 minute)
MiB = 1024 * 1024

# ---------------------------------------------------------------------------
# Flag sets
# ---------------------------------------------------------------------------

# Table options that mirror what Kvrocks' Storage::InitTableOptions()/Open()
# sets (src/storage/storage.cc): 16 KiB blocks, 10-bit bloom, partitioned
# index+filters with 4 KiB partitions, index/filter blocks in the block cache
# with high priority (LRU high_pri_pool_ratio 0.75), L0 index/filter pinned,
# data-block hash index, format_version 5, optimize_filters_for_memory.
KVROCKS_TABLE = [
    "--block_size=16384",
    "--bloom_bits=10",
    "--partition_index_and_filters=true",
    "--metadata_block_size=4096",
    "--pin_top_level_index_and_filter=true",
    "--cache_index_and_filter_blocks=true",
    "--pin_l0_filter_and_index_blocks_in_cache=true",
    "--cache_high_pri_pool_ratio=0.75",
    "--optimize_filters_for_memory=true",
    "--use_data_block_hash_index=true",
    "--format_version=5",
]

KEYS = ["--key_size=16", "--value_size=150", "--compression_ratio=0.5"]

# LSM shape scaled down ~4-8x from Kvrocks defaults (64 MiB memtable, 128 MiB
# target file, 256 MiB L1) so a 1.5-2 M key DB spans several levels in seconds.
LSM_READDB = [
    "--write_buffer_size=%d" % (16 * MiB),
    "--target_file_size_base=%d" % (16 * MiB),
    "--max_bytes_for_level_base=%d" % (64 * MiB),
    "--max_bytes_for_level_multiplier=10",
]
LSM_WRITE = [
    "--write_buffer_size=%d" % (8 * MiB),
    "--target_file_size_base=%d" % (8 * MiB),
    "--max_bytes_for_level_base=%d" % (16 * MiB),
    "--max_bytes_for_level_multiplier=10",
    "--max_background_jobs=2",
]
# Kvrocks compresses levels >= 2 only (compression_per_level / compression_start_level=2).
COMPRESS_KVROCKS = ["--compression_type=snappy", "--min_level_to_compress=2"]


class Scale:
    def __init__(self, quick: bool):
        self.quick = quick
        self.read_num = 200_000 if quick else 2_000_000     # keys in the read DB
        self.read_phase_s = 2 if quick else 4                # per readrandom phase (warm-up + measured)
        self.read_reps = 1 if quick else 3                   # interleaved A/B pairs, buffered I/O
        self.read_reps_direct = 1 if quick else 2            # interleaved A/B pairs, O_DIRECT
        self.rss_duration_s = 3 if quick else 20
        self.write_num = 100_000 if quick else 600_000     # fillrandom / overwrite N
        self.write_reps = 1 if quick else 2
        self.compress_num = 100_000 if quick else 600_000
        self.compress_reps = 1 if quick else 2
        # cache budget for the rowcache claims: B = R = 32 MiB (total 64 MiB)
        self.block_mb = 4 if quick else 32
        self.row_mb = 4 if quick else 32
        self.rss_block_mb = 8 if quick else 64
        self.rss_row_mb = 8 if quick else 64


# ---------------------------------------------------------------------------
# Parsing db_bench output
# ---------------------------------------------------------------------------

BENCH_RE = re.compile(
    r"^(?P<name>[A-Za-z0-9_]+)\s*:\s*(?P<us>[\d.]+) micros/op (?P<ops>\d+) ops/sec"
    r"(?:\s+(?P<secs>[\d.]+) seconds\s+(?P<n>\d+) operations;)?"
)
PCT_RE = re.compile(r"P50: ([\d.]+) P75: ([\d.]+) P99: ([\d.]+) P99\.9: ([\d.]+) P99\.99: ([\d.]+)")
STAT_COUNT_RE = re.compile(r"^(rocksdb\.[\w.]+) COUNT : (\d+)\s*$")
RSS_RE = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")

KEEP_STATS = (
    "rocksdb.block.cache.data.hit", "rocksdb.block.cache.data.miss",
    "rocksdb.block.cache.index.hit", "rocksdb.block.cache.index.miss",
    "rocksdb.block.cache.filter.hit", "rocksdb.block.cache.filter.miss",
    "rocksdb.row.cache.hit", "rocksdb.row.cache.miss",
    "rocksdb.bytes.written", "rocksdb.bytes.read", "rocksdb.number.keys.written",
    "rocksdb.flush.write.bytes", "rocksdb.compact.write.bytes", "rocksdb.compact.read.bytes",
    "rocksdb.wal.bytes", "rocksdb.stall.micros",
)


def parse_output(text: str) -> dict:
    benches: list[dict] = []
    want_pct = False
    for line in text.splitlines():
        line = line.split("\r")[-1]          # drop progress-meter carriage returns
        m = BENCH_RE.match(line)
        if m and "micros/op" in line:
            b = {
                "name": m.group("name"),
                "micros_per_op": float(m.group("us")),
                "ops_per_sec": int(m.group("ops")),
            }
            if m.group("secs"):
                b["seconds"] = float(m.group("secs"))
                b["operations"] = int(m.group("n"))
            benches.append(b)
            want_pct = False
            continue
        if line.startswith("Microseconds per ") and benches:
            want_pct = True
            continue
        if want_pct:
            p = PCT_RE.search(line)
            if p:
                benches[-1].update({
                    "p50_us": float(p.group(1)), "p75_us": float(p.group(2)),
                    "p99_us": float(p.group(3)), "p999_us": float(p.group(4)),
                })
                want_pct = False

    stats = {}
    for line in text.splitlines():
        m = STAT_COUNT_RE.match(line)
        if m and m.group(1) in KEEP_STATS:
            stats[m.group(1)] = int(m.group(2))

    levels = None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "Level Files Size(MB)":
            rows = []
            for row in lines[i + 2:i + 2 + 20]:
                parts = row.split()
                if len(parts) != 3 or not parts[0].isdigit():
                    break
                rows.append({"level": int(parts[0]), "files": int(parts[1]), "size_mb": int(parts[2])})
            levels = rows                       # keep the last levelstats table

    sum_wamp = None
    for line in lines:
        parts = line.split()
        if len(parts) > 12 and parts[0] == "Sum" and "/" in parts[1]:
            try:
                sum_wamp = float(parts[11])     # W-Amp column of "Compaction Stats"
            except ValueError:
                pass

    out = {"benchmarks": benches, "stats": stats}
    if levels is not None:
        out["levels"] = levels
        out["nonempty_levels"] = [r["level"] for r in levels if r["files"] > 0]
    if sum_wamp is not None:
        out["rocksdb_sum_wamp"] = sum_wamp
    return out


def dir_bytes(path: Path) -> tuple[int, int]:
    sst = total = 0
    if path.exists():
        for f in path.iterdir():
            if f.is_file():
                s = f.stat().st_size
                total += s
                if f.suffix == ".sst":
                    sst += s
    return sst, total


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------

class Runner:
    def __init__(self, workdir: Path, logdir: Path):
        self.workdir = workdir
        self.logdir = logdir
        self.n = 0
        self.header = None
        self.gate = QuietGate()

    def run(self, tag: str, args: list[str], db: Path, rss: bool = False) -> dict:
        self.n += 1
        cmd = ["timeout", str(TIMEOUT_S)]
        if rss:
            cmd += ["/usr/bin/time", "-v"]
        cmd += [DB_BENCH, "--db=%s" % db] + args
        shown = " ".join(shlex.quote(c) for c in cmd)
        print("[%2d] %s\n     %s" % (self.n, tag, shown), flush=True)
        gate = self.gate.wait()
        probe = cpu_probe()
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        busy0 = proc_stat_busy()
        t0 = time.monotonic()
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
        elapsed = time.monotonic() - t0
        busy1 = proc_stat_busy()
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        ours = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
        ncpu = os.cpu_count() or 1
        # share of the machine's CPU capacity used by *other* processes while this run was going
        others = max(0.0, (busy1 - busy0) - ours) / (elapsed * ncpu) if elapsed > 0 else None
        base = self.logdir / ("%02d-%s" % (self.n, tag))
        base.with_suffix(".out").write_text(p.stdout)
        base.with_suffix(".err").write_text(p.stderr)
        rec = {"tag": tag, "cmd": shown, "rc": p.returncode, "elapsed_s": round(elapsed, 2),
               "cpu_user_s": round(ru1.ru_utime - ru0.ru_utime, 2), "cpu_sys_s": round(ru1.ru_stime - ru0.ru_stime, 2),
               "cpu_probe_s_before": probe, "other_processes_cpu_share": round(others, 3) if others is not None else None}
        rec.update(gate)
        if self.header is None and "RocksDB:" in (p.stdout + p.stderr):
            self.header = p.stdout + "\n" + p.stderr
        rec.update(parse_output(p.stdout))
        if rss:
            m = RSS_RE.search(p.stderr)
            if m:
                rec["max_rss_kb"] = int(m.group(1))
        sst, total = dir_bytes(db)
        rec["sst_bytes"] = sst
        rec["dir_bytes"] = total
        st = rec["stats"]
        w_user = st.get("rocksdb.bytes.written", 0)
        w_flush = st.get("rocksdb.flush.write.bytes", 0)
        w_comp = st.get("rocksdb.compact.write.bytes", 0)
        if w_user and (w_flush or w_comp):
            rec["write_amp_vs_user"] = round((w_flush + w_comp) / w_user, 3)
        if w_flush:
            rec["write_amp_vs_flush"] = round((w_flush + w_comp) / w_flush, 3)
        if p.returncode != 0:
            rec["error"] = (p.stderr.strip().splitlines() or ["?"])[-1][:300]
            print("     !! rc=%d %s" % (p.returncode, rec["error"]), flush=True)
        b = [x for x in rec["benchmarks"] if x["name"] not in ("waitforcompaction",)]
        if b:
            last = b[-1]
            print("     -> %s %s ops/s p50=%s p99=%s (%.1fs; waited %.0fs for quiet; others used %.0f%% CPU)" % (
                last["name"], last["ops_per_sec"], last.get("p50_us"), last.get("p99_us"), elapsed,
                gate["waited_s"], 100 * (others or 0)), flush=True)
        return rec


def proc_stat_busy() -> float:
    """Machine-wide busy CPU seconds (all processes) from /proc/stat."""
    try:
        f = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        v = [int(x) for x in f]
        busy = v[0] + v[1] + v[2] + v[5] + v[6]          # user nice system irq softirq
        return busy / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def cpu_pressure_avg10():
    try:
        for line in Path("/proc/pressure/cpu").read_text().splitlines():
            if line.startswith("some"):
                return float(line.split("avg10=")[1].split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return None


class QuietGate:
    """Before each db_bench run, wait (bounded) until other tenants of this machine are quiet.

    The calibration VM is shared with other sessions (pytest, other benchmarks); their CPU use
    distorts wall-clock numbers.  We wait until CPU pressure (PSI some avg10) is below
    ``threshold`` or ``max_wait_s`` passes, with a total budget for the whole suite."""

    def __init__(self, threshold=15.0, max_wait_s=20.0, budget_s=120.0):
        self.threshold, self.max_wait_s, self.budget_s = threshold, max_wait_s, budget_s
        self.spent = 0.0

    def wait(self) -> dict:
        t0 = time.monotonic()
        p = cpu_pressure_avg10()
        limit = min(self.max_wait_s, max(0.0, self.budget_s - self.spent))
        while p is not None and p > self.threshold and time.monotonic() - t0 < limit:
            time.sleep(2)
            p = cpu_pressure_avg10()
        waited = time.monotonic() - t0
        self.spent += waited
        return {"waited_s": round(waited, 1), "cpu_pressure_avg10_at_start": p,
                "loadavg_at_start": Path("/proc/loadavg").read_text().split()[0]}


def cpu_probe() -> float:
    """Seconds for a fixed pure-Python loop: a host-contention indicator recorded before every run
    (on the calibration VM it varied ~2.5x while idle, so wall-clock throughput is noisy)."""
    t = time.perf_counter()
    x = 0
    for i in range(1_000_000):
        x += i
    return round(time.perf_counter() - t, 3)


def cpu_us_per_op(rec: dict, bench: str):
    nops = sum(b.get("operations", 0) for b in rec["benchmarks"] if b["name"] == bench)
    return round((rec["cpu_user_s"] + rec["cpu_sys_s"]) * 1e6 / nops, 2) if nops else None


def median(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    m = statistics.median(xs)
    return round(m, 4) if isinstance(m, float) else m


def measured(rec: dict, name: str, index: int = -1) -> dict:
    bs = [b for b in rec["benchmarks"] if b["name"] == name]
    return bs[index] if bs else {}


def mean(xs):
    xs = [x for x in xs if x is not None]
    return statistics.mean(xs) if xs else None


def ratio(a, b):
    if a is None or b in (None, 0):
        return None
    return round(a / b, 3)


def hit_rate(st: dict, kind: str):
    h, m = st.get("rocksdb.%s.hit" % kind, 0), st.get("rocksdb.%s.miss" % kind, 0)
    return round(h / (h + m), 4) if h + m else None


# ---------------------------------------------------------------------------
# Claims
# ---------------------------------------------------------------------------

def load_read_db(r: Runner, sc: Scale, db: Path) -> dict:
    # fillseq: every key 0..num-1 present, and fast enough to stay far below the 60 s bound even
    # when the machine is shared (filluniquerandom of 2 M keys hit the timeout under contention).
    args = ["--benchmarks=fillseq,waitforcompaction,levelstats",
            "--num=%d" % sc.read_num, "--seed=42"] + KEYS + KVROCKS_TABLE + LSM_READDB + COMPRESS_KVROCKS
    return r.run("rowcache-load", args, db)


def claim_rowcache(r: Runner, sc: Scale, db: Path) -> dict:
    B, R = sc.block_mb, sc.row_mb
    configs = [
        ("block+row", "block cache %d MiB + row cache %d MiB" % (B, R),
         ["--cache_size=%d" % (B * MiB), "--row_cache_size=%d" % (R * MiB)]),
        ("block-only", "block cache %d MiB, no row cache" % (B + R),
         ["--cache_size=%d" % ((B + R) * MiB), "--row_cache_size=0"]),
    ]
    dists = [("hot", ["--read_random_exp_range=10"]), ("uniform", ["--read_random_exp_range=0"])]
    modes = [("buffered", [], sc.read_reps), ("direct", ["--use_direct_reads=true"], sc.read_reps_direct)]
    runs = []
    # A/B runs are interleaved back to back (ABBA order across reps) so host-speed drift hits both
    # configs of a pair about equally; the headline is the median of the per-pair ratios.
    for mode, mflags, reps in modes:
        for dist, dflags in dists:
            for rep in range(reps):
                order = configs if rep % 2 == 0 else list(reversed(configs))
                for cfg, desc, cflags in order:
                    args = (["--use_existing_db=true", "--benchmarks=readrandom,readrandom",
                             "--duration=%d" % sc.read_phase_s, "--threads=2",
                             "--num=%d" % sc.read_num, "--seed=%d" % (1000 + rep),
                             "--statistics", "--histogram"]
                            + KEYS + KVROCKS_TABLE + LSM_READDB + COMPRESS_KVROCKS
                            + dflags + cflags + mflags)
                    rec = r.run("rowcache-%s-%s-%s-r%d" % (dist, mode, cfg, rep), args, db)
                    m = measured(rec, "readrandom", -1)   # phase 2; phase 1 = cache warm-up
                    rec.update({"dist": dist, "io": mode, "config": cfg, "config_desc": desc, "rep": rep,
                                "ops_per_sec": m.get("ops_per_sec"), "micros_per_op": m.get("micros_per_op"),
                                "p50_us": m.get("p50_us"), "p99_us": m.get("p99_us"),
                                "row_cache_hit_rate": hit_rate(rec["stats"], "row.cache"),
                                "block_cache_data_hit_rate": hit_rate(rec["stats"], "block.cache.data")})
                    # process CPU per Get over both phases: insensitive to the VM being descheduled
                    nops = sum(b.get("operations", 0) for b in rec["benchmarks"] if b["name"] == "readrandom")
                    rec["cpu_us_per_op"] = round((rec["cpu_user_s"] + rec["cpu_sys_s"]) * 1e6 / nops, 2) if nops else None
                    runs.append(rec)

    out = {}
    for dist, _ in dists:
        sect = {"claim": ("Kvrocks 2.13.0 deprecated rocksdb.row_cache_size; kvupgrade advises moving that "
                          "memory into rocksdb.block_cache_size. Same total cache memory, %s point lookups."
                          % ("skewed (read_random_exp_range=10)" if dist == "hot" else "uniform")),
                "baseline": "block+row", "candidate": "block-only",
                "ratio_definition": "median over interleaved pairs of (block-only value / block+row value)",
                "runs": [x for x in runs if x["dist"] == dist], "summary": {}}
        for mode, _, reps in modes:
            agg = {}
            for cfg, desc, _ in configs:
                xs = [x for x in sect["runs"] if x["io"] == mode and x["config"] == cfg]
                agg[cfg] = {k: median([x[k] for x in xs]) for k in
                            ("ops_per_sec", "p50_us", "p99_us", "row_cache_hit_rate", "block_cache_data_hit_rate",
                             "cpu_us_per_op")}
                agg[cfg]["desc"] = desc
                agg[cfg]["n_runs"] = len(xs)
                agg[cfg]["ops_per_sec_each"] = [x["ops_per_sec"] for x in xs]
            pairs = []
            for rep in range(reps):
                a = [x for x in sect["runs"] if x["io"] == mode and x["rep"] == rep and x["config"] == "block+row"]
                b = [x for x in sect["runs"] if x["io"] == mode and x["rep"] == rep and x["config"] == "block-only"]
                if a and b:
                    pairs.append({k: ratio(b[0][k], a[0][k]) for k in ("ops_per_sec", "p50_us", "p99_us", "cpu_us_per_op")})
            agg["pair_ratios"] = pairs
            agg["ratio_block_only_vs_block_plus_row"] = {
                "ops_per_sec": median([x["ops_per_sec"] for x in pairs]),
                "p50": median([x["p50_us"] for x in pairs]),
                "p99": median([x["p99_us"] for x in pairs]),
                "cpu_us_per_op": median([x["cpu_us_per_op"] for x in pairs]),
                "ops_per_sec_range": [min(x["ops_per_sec"] for x in pairs), max(x["ops_per_sec"] for x in pairs)]
                if pairs else None,
            }
            sect["summary"][mode] = agg
        out["rowcache-" + dist] = sect
    return out


def claim_rss(r: Runner, sc: Scale, db: Path) -> dict:
    B, R = sc.rss_block_mb, sc.rss_row_mb
    configs = [
        ("row0", "block cache %d MiB, row cache 0" % B, B, 0),
        ("rowR", "block cache %d MiB + row cache %d MiB" % (B, R), B, R),
        ("block-moved", "block cache %d MiB, row cache 0 (row memory moved to block cache)" % (B + R), B + R, 0),
    ]
    runs = []
    # Uniform readrandom long enough that the row cache fills: ~250 B per row-cache entry
    # (16 B key + 150 B value + handle/metadata), so R MiB needs ~R*4200 distinct keys; the
    # run records the reads done and the implied distinct keys.  (db_bench's readtorowcache
    # would fill it deterministically but requires --use_existing_keys, which first loads every
    # key into memory and would itself inflate RSS.)
    for cfg, desc, b, rr in configs:
        args = (["--use_existing_db=true", "--benchmarks=readrandom", "--duration=%d" % sc.rss_duration_s,
                 "--threads=2", "--num=%d" % sc.read_num, "--seed=2000", "--statistics",
                 "--read_random_exp_range=0", "--cache_size=%d" % (b * MiB), "--row_cache_size=%d" % (rr * MiB)]
                + KEYS + KVROCKS_TABLE + LSM_READDB + COMPRESS_KVROCKS)
        rec = r.run("rowcache-memory-%s" % cfg, args, db, rss=True)
        m = measured(rec, "readrandom")
        reads = m.get("operations") or 0
        distinct = sc.read_num * (1 - math.exp(-reads / sc.read_num)) if reads else 0
        rec.update({"config": cfg, "config_desc": desc, "block_cache_mb": b, "row_cache_mb": rr,
                    "ops_per_sec": m.get("ops_per_sec"), "reads": reads,
                    "distinct_keys_read_est": int(distinct),
                    "row_cache_fill_est": round(min(1.0, distinct * 250 / (rr * MiB)), 2) if rr else None,
                    "row_cache_hit_rate": hit_rate(rec["stats"], "row.cache")})
        runs.append(rec)
    by = {x["config"]: x for x in runs}
    summ = {c: {"max_rss_mb": round(by[c].get("max_rss_kb", 0) / 1024, 1), "desc": by[c]["config_desc"]}
            for c in by}
    d_row = (by["rowR"].get("max_rss_kb", 0) - by["row0"].get("max_rss_kb", 0)) / 1024
    summ["rss_delta_row_cache_mb"] = round(d_row, 1)
    summ["rss_delta_per_configured_row_cache_mb"] = round(d_row / R, 3) if R else None
    summ["rss_ratio_block_moved_vs_rowR"] = ratio(by["block-moved"].get("max_rss_kb"), by["rowR"].get("max_rss_kb"))
    return {"rowcache-memory": {
        "claim": "Memory actually held by a row cache (max RSS, /usr/bin/time -v), and whether moving it "
                 "into the block cache keeps the footprint about the same. Uniform reads for %ds." % sc.rss_duration_s,
        "baseline": "row0", "runs": runs, "summary": summ}}


def claim_dynlevel(r: Runner, sc: Scale, root: Path) -> dict:
    runs = []
    for rep in range(sc.write_reps):
        for dyn in (("false", "true") if rep % 2 == 0 else ("true", "false")):   # alternate order
            db = root / ("dyn-%s-r%d" % (dyn, rep))
            common = (["--num=%d" % sc.write_num, "--threads=1", "--statistics", "--histogram",
                       "--level_compaction_dynamic_level_bytes=%s" % dyn]
                      + KEYS + KVROCKS_TABLE + LSM_WRITE + COMPRESS_KVROCKS + ["--cache_size=%d" % (64 * MiB)])
            fill = r.run("dynlevel-%s-fill-r%d" % (dyn, rep),
                         ["--benchmarks=fillrandom,waitforcompaction,stats,levelstats", "--seed=%d" % (300 + rep)]
                         + common, db)
            ow = r.run("dynlevel-%s-overwrite-r%d" % (dyn, rep),
                       ["--use_existing_db=true", "--benchmarks=overwrite,waitforcompaction,stats,levelstats",
                        "--seed=%d" % (400 + rep)] + common, db)
            for rec, phase in ((fill, "fillrandom"), (ow, "overwrite")):
                m = measured(rec, phase)
                rec.update({"dynamic_level_bytes": dyn == "true", "phase": phase, "rep": rep,
                            "ops_per_sec": m.get("ops_per_sec"), "micros_per_op": m.get("micros_per_op"),
                            "p50_us": m.get("p50_us"), "p99_us": m.get("p99_us"),
                            # whole-process CPU (foreground + flush/compaction threads, incl. the
                            # waitforcompaction tail) per write: robust to the VM being descheduled
                            "cpu_us_per_op": cpu_us_per_op(rec, phase)})
                runs.append(rec)
            shutil.rmtree(db, ignore_errors=True)
    summ = {}
    for dyn in (False, True):
        key = "dyn_%s" % ("yes" if dyn else "no")
        f = [x for x in runs if x["dynamic_level_bytes"] == dyn and x["phase"] == "fillrandom"]
        o = [x for x in runs if x["dynamic_level_bytes"] == dyn and x["phase"] == "overwrite"]
        summ[key] = {
            "fillrandom_ops_per_sec": median([x["ops_per_sec"] for x in f]),
            "overwrite_ops_per_sec": median([x["ops_per_sec"] for x in o]),
            "overwrite_p99_us": median([x["p99_us"] for x in o]),
            "fill_cpu_us_per_op": median([x["cpu_us_per_op"] for x in f]),
            "overwrite_cpu_us_per_op": median([x["cpu_us_per_op"] for x in o]),
            "fillrandom_ops_each": [x["ops_per_sec"] for x in f],
            "fill_write_amp_vs_user": mean([x.get("write_amp_vs_user") for x in f]),
            "overwrite_write_amp_vs_user": mean([x.get("write_amp_vs_user") for x in o]),
            "overwrite_write_amp_vs_flush": mean([x.get("write_amp_vs_flush") for x in o]),
            "final_sst_mb": mean([x["sst_bytes"] / MiB for x in o]),
            "final_nonempty_levels": o[-1].get("nonempty_levels") if o else None,
            "final_levels": o[-1].get("levels") if o else None,
            "overwrite_ops_each": [x["ops_per_sec"] for x in o],
        }
    pairs = []
    for rep in range(sc.write_reps):
        g = {(x["dynamic_level_bytes"], x["phase"]): x for x in runs if x["rep"] == rep}
        pr = {}
        for ph in ("fillrandom", "overwrite"):
            pr[ph + "_ops_per_sec"] = ratio(g[(True, ph)]["ops_per_sec"], g[(False, ph)]["ops_per_sec"])
        pr["overwrite_p99"] = ratio(g[(True, "overwrite")]["p99_us"], g[(False, "overwrite")]["p99_us"])
        pr["fill_cpu_us_per_op"] = ratio(g[(True, "fillrandom")]["cpu_us_per_op"], g[(False, "fillrandom")]["cpu_us_per_op"])
        pr["overwrite_cpu_us_per_op"] = ratio(g[(True, "overwrite")]["cpu_us_per_op"],
                                              g[(False, "overwrite")]["cpu_us_per_op"])
        pr["overwrite_write_amp_vs_user"] = ratio(g[(True, "overwrite")].get("write_amp_vs_user"),
                                                  g[(False, "overwrite")].get("write_amp_vs_user"))
        pr["final_sst_bytes"] = ratio(g[(True, "overwrite")]["sst_bytes"], g[(False, "overwrite")]["sst_bytes"])
        pairs.append(pr)
    summ["pair_ratios_yes_vs_no"] = pairs
    summ["ratio_yes_vs_no"] = {k: median([p_[k] for p_ in pairs]) for k in pairs[0]} if pairs else {}
    return {"dynlevel": {
        "claim": "Kvrocks 2.14.0 flipped rocksdb.level_compaction_dynamic_level_bytes to yes. "
                 "fillrandom then overwrite (N=%d each), write throughput, write amplification, "
                 "space and level shape." % sc.write_num,
        "baseline": "dynamic_level_bytes=false", "runs": runs, "summary": summ}}


def claim_compress(r: Runner, sc: Scale, root: Path) -> dict:
    runs = []
    for dyn in ("false", "true"):
        for rep in range(sc.compress_reps):
            for start in ((-1, 2) if rep % 2 == 0 else (2, -1)):      # alternate order
                db = root / ("cmp-%s-%d-r%d" % (dyn, start, rep))
                args = (["--benchmarks=fillrandom,waitforcompaction,stats,levelstats", "--num=%d" % sc.compress_num,
                         "--threads=1", "--seed=%d" % (500 + rep), "--statistics", "--histogram",
                         "--level_compaction_dynamic_level_bytes=%s" % dyn,
                         "--compression_type=snappy", "--min_level_to_compress=%d" % start,
                         "--cache_size=%d" % (64 * MiB)]
                        + KEYS + KVROCKS_TABLE + LSM_WRITE)
                rec = r.run("compress-start-dyn%s-start%d-r%d" % (dyn, start, rep), args, db)
                m = measured(rec, "fillrandom")
                rec.update({"dynamic_level_bytes": dyn == "true", "min_level_to_compress": start, "rep": rep,
                            "ops_per_sec": m.get("ops_per_sec"), "micros_per_op": m.get("micros_per_op"),
                            "p50_us": m.get("p50_us"), "p99_us": m.get("p99_us"),
                            "cpu_us_per_op": cpu_us_per_op(rec, "fillrandom"),
                            "flush_plus_compaction_bytes": rec["stats"].get("rocksdb.compact.write.bytes", 0)
                            + rec["stats"].get("rocksdb.flush.write.bytes", 0)})
                runs.append(rec)
                shutil.rmtree(db, ignore_errors=True)
    summ = {}
    for dyn in (False, True):
        def agg(start):
            xs = [x for x in runs if x["dynamic_level_bytes"] == dyn and x["min_level_to_compress"] == start]
            return {"ops_per_sec": median([x["ops_per_sec"] for x in xs]),
                    "ops_per_sec_each": [x["ops_per_sec"] for x in xs],
                    "p99_us": median([x["p99_us"] for x in xs]),
                    "sst_mb": round(median([x["sst_bytes"] for x in xs]) / MiB, 1),
                    "write_amp_vs_user": median([x.get("write_amp_vs_user") for x in xs]),
                    "flush_plus_compaction_mb": round(median([x["flush_plus_compaction_bytes"] for x in xs]) / MiB, 1),
                    "cpu_us_per_op": median([x["cpu_us_per_op"] for x in xs]),
                    "levels": xs[-1].get("levels") if xs else None}
        pairs = []
        for rep in range(sc.compress_reps):
            g = {x["min_level_to_compress"]: x for x in runs if x["dynamic_level_bytes"] == dyn and x["rep"] == rep}
            a, b = g[-1], g[2]
            pairs.append({"ops_per_sec": ratio(b["ops_per_sec"], a["ops_per_sec"]),
                          "p99": ratio(b["p99_us"], a["p99_us"]),
                          "sst_bytes": ratio(b["sst_bytes"], a["sst_bytes"]),
                          "flush_plus_compaction_bytes": ratio(b["flush_plus_compaction_bytes"],
                                                               a["flush_plus_compaction_bytes"]),
                          "cpu_us_per_op": ratio(b["cpu_us_per_op"], a["cpu_us_per_op"])})
        summ["dyn_%s" % ("yes" if dyn else "no")] = {
            "all_levels": agg(-1), "from_level_2": agg(2), "pair_ratios_from2_vs_all": pairs,
            "ratio_from2_vs_all": {k: median([p_[k] for p_ in pairs]) for k in pairs[0]} if pairs else {},
        }
    return {"compress-start": {
        "claim": "rocksdb.compression_start_level (Kvrocks 2.11.0+; db_bench --min_level_to_compress): snappy on "
                 "all levels (-1) vs from level 2. fillrandom N=%d, compression_ratio 0.5." % sc.compress_num,
        "baseline": "min_level_to_compress=-1 (all levels)", "runs": runs, "summary": summ}}


# ---------------------------------------------------------------------------
# Machine facts
# ---------------------------------------------------------------------------

def sh(cmd: str) -> str:
    try:
        return subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=20).stdout.strip()
    except Exception as e:  # pragma: no cover
        return "error: %s" % e


def machine_facts(workdir: Path) -> dict:
    mem_kb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ver = re.search(r"version (\S+)", sh("%s --version 2>&1" % DB_BENCH))
    return {
        "date_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "mem_total_gib": round(mem_kb / 1024 / 1024, 1) if mem_kb else None,
        "kernel": platform.release(),
        "os": sh(". /etc/os-release 2>/dev/null && echo \"$PRETTY_NAME\""),
        "python": platform.python_version(),
        "db_bench_version": ver.group(1) if ver else None,
        "rocksdb_tools_package": sh("dpkg-query -W -f='${Package} ${Version}' rocksdb-tools 2>/dev/null"),
        "db_bench_assertions_enabled": None,   # filled from the first run's header
        "tmp_filesystem": sh("df -hT %s | tail -1" % workdir),
        "workdir": str(workdir),
    }


# ---------------------------------------------------------------------------
# Report (markdown)
# ---------------------------------------------------------------------------

def fmt(x, nd=0):
    if x is None:
        return "-"
    if isinstance(x, float) and nd:
        return ("%." + str(nd) + "f") % x
    if isinstance(x, (int, float)):
        return "{:,}".format(int(round(x)))
    return str(x)


def report(res: dict) -> str:
    out = []
    R = res["results"]
    for rid in ("rowcache-hot", "rowcache-uniform"):
        if rid not in R:
            continue
        out.append("#### %s\n" % rid)
        out.append("| I/O | config | readrandom ops/s (median; each) | p50 µs | p99 µs | CPU µs/Get | row-cache hit | block-cache data hit |")
        out.append("|---|---|---|---|---|---|---|---|")
        for mode, agg in R[rid]["summary"].items():
            for cfg in ("block+row", "block-only"):
                a = agg[cfg]
                out.append("| %s | %s | %s (%s) | %s | %s | %s | %s | %s |" % (
                    mode, a["desc"], fmt(a["ops_per_sec"]), ", ".join(fmt(v) for v in a["ops_per_sec_each"]),
                    fmt(a["p50_us"], 1), fmt(a["p99_us"], 1), fmt(a["cpu_us_per_op"], 1), fmt(a["row_cache_hit_rate"], 3),
                    fmt(a["block_cache_data_hit_rate"], 3)))
            rr = agg["ratio_block_only_vs_block_plus_row"]
            out.append("| %s | **ratio block-only / block+row** (median of %d pairs; pair range %s) | **%sx** | %sx | %sx | %sx | | |" % (
                mode, len(agg["pair_ratios"]), rr["ops_per_sec_range"], rr["ops_per_sec"], rr["p50"], rr["p99"],
                rr["cpu_us_per_op"]))
        out.append("")
    if "rowcache-memory" in R:
        s = R["rowcache-memory"]["summary"]
        out.append("#### rowcache-memory\n")
        out.append("| config | max RSS MiB | readrandom ops/s | reads | est. row-cache fill | row-cache hit |")
        out.append("|---|---|---|---|---|---|")
        for x in R["rowcache-memory"]["runs"]:
            out.append("| %s | %s | %s | %s | %s | %s |" % (
                x["config_desc"], fmt(x.get("max_rss_kb", 0) / 1024, 1), fmt(x["ops_per_sec"]),
                fmt(x.get("reads")), fmt(x.get("row_cache_fill_est"), 2), fmt(x["row_cache_hit_rate"], 3)))
        out.append("\nRSS delta from row cache: %s MiB (%s MiB RSS per configured MiB); "
                   "RSS block-moved / block+row: %sx\n" % (
                       s["rss_delta_row_cache_mb"], s["rss_delta_per_configured_row_cache_mb"],
                       s["rss_ratio_block_moved_vs_rowR"]))
    if "dynlevel" in R:
        s = R["dynlevel"]["summary"]
        out.append("#### dynlevel\n")
        out.append("| dynamic_level_bytes | fillrandom ops/s (each) | overwrite ops/s (each) | overwrite p99 µs | "
                   "CPU µs/write fill / overwrite | write-amp fill | write-amp overwrite (vs user / vs flush) | final SST MiB | non-empty levels (MiB) |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for k in ("dyn_no", "dyn_yes"):
            a = s[k]
            lv = ", ".join("L%d:%d" % (l["level"], l["size_mb"]) for l in (a["final_levels"] or []) if l["files"])
            out.append("| %s | %s (%s) | %s (%s) | %s | %s / %s | %s | %s / %s | %s | %s |" % (
                "yes" if k == "dyn_yes" else "no", fmt(a["fillrandom_ops_per_sec"]),
                ", ".join(fmt(v) for v in a["fillrandom_ops_each"]), fmt(a["overwrite_ops_per_sec"]),
                ", ".join(fmt(v) for v in a["overwrite_ops_each"]), fmt(a["overwrite_p99_us"], 1),
                fmt(a["fill_cpu_us_per_op"], 1), fmt(a["overwrite_cpu_us_per_op"], 1),
                fmt(a["fill_write_amp_vs_user"], 2), fmt(a["overwrite_write_amp_vs_user"], 2),
                fmt(a["overwrite_write_amp_vs_flush"], 2), fmt(a["final_sst_mb"], 1), lv))
        rr = s["ratio_yes_vs_no"]
        out.append("| **ratio yes/no** (median of %d pairs) | %sx | %sx | %sx | %sx / %sx | | %sx | %sx | |\n" % (
            len(s["pair_ratios_yes_vs_no"]), rr["fillrandom_ops_per_sec"], rr["overwrite_ops_per_sec"],
            rr["overwrite_p99"], rr["fill_cpu_us_per_op"], rr["overwrite_cpu_us_per_op"],
            rr["overwrite_write_amp_vs_user"], rr["final_sst_bytes"]))
    if "compress-start" in R:
        s = R["compress-start"]["summary"]
        out.append("#### compress-start\n")
        out.append("| dynamic_level_bytes | compression | fillrandom ops/s median (each) | p99 µs | CPU µs/write | SST MiB | write-amp vs user | levels (MiB) |")
        out.append("|---|---|---|---|---|---|---|---|")
        for k in ("dyn_no", "dyn_yes"):
            for c, label in (("all_levels", "snappy, all levels"), ("from_level_2", "snappy from L2")):
                a = s[k][c]
                lv = ", ".join("L%d:%d" % (l["level"], l["size_mb"]) for l in (a["levels"] or []) if l["files"])
                out.append("| %s | %s | %s (%s) | %s | %s | %s | %s | %s |" % (
                    "yes" if k == "dyn_yes" else "no", label, fmt(a["ops_per_sec"]),
                    ", ".join(fmt(v) for v in a["ops_per_sec_each"]), fmt(a["p99_us"], 1), fmt(a["cpu_us_per_op"], 1),
                    fmt(a["sst_mb"], 1), fmt(a["write_amp_vs_user"], 2), lv))
            rr = s[k]["ratio_from2_vs_all"]
            out.append("| %s | **ratio from-L2 / all** | **%sx** | %sx | %sx | %sx | flush+compaction bytes %sx | |" % (
                "yes" if k == "dyn_yes" else "no", rr["ops_per_sec"], rr["p99"], rr["cpu_us_per_op"], rr["sst_bytes"],
                rr["flush_plus_compaction_bytes"]))
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------

def cmd_run(a) -> int:
    if not shutil.which(DB_BENCH):
        print("db_bench not found (apt-get install -y rocksdb-tools)", file=sys.stderr)
        return 2
    sc = Scale(a.quick)
    claims = [c.strip() for c in a.claims.split(",") if c.strip()]
    root = Path(a.workdir) if a.workdir else Path(tempfile.mkdtemp(prefix="kvupgrade-rocksdb-", dir="/tmp"))
    root.mkdir(parents=True, exist_ok=True)
    logdir = root / "logs"
    logdir.mkdir(exist_ok=True)
    print("workdir: %s" % root, flush=True)
    t0 = time.monotonic()
    res = {"generated_by": "benchmarks/rocksdb/calibrate.py", "quick": sc.quick,
           "machine": machine_facts(root), "scale": vars(sc),
           "flags": {"kvrocks_table": KVROCKS_TABLE, "keys_values": KEYS, "lsm_read_db": LSM_READDB,
                     "lsm_write": LSM_WRITE, "compression_kvrocks": COMPRESS_KVROCKS,
                     "timeout_s": TIMEOUT_S},
           "results": {}, "runs_setup": []}
    r = Runner(root, logdir)
    try:
        if "rowcache" in claims or "rss" in claims:
            rdb = root / "readdb"
            res["runs_setup"].append(load_read_db(r, sc, rdb))
            if "rowcache" in claims:
                res["results"].update(claim_rowcache(r, sc, rdb))
            if "rss" in claims:
                res["results"].update(claim_rss(r, sc, rdb))
            shutil.rmtree(rdb, ignore_errors=True)
        if "dynlevel" in claims:
            res["results"].update(claim_dynlevel(r, sc, root))
        if "compress" in claims:
            res["results"].update(claim_compress(r, sc, root))
    finally:
        wall = time.monotonic() - t0
        all_runs = res["runs_setup"] + [x for v in res["results"].values() for x in v["runs"]]
        if r.header is not None:
            res["machine"]["db_bench_assertions_enabled"] = "Assertions are enabled" in r.header
            m = re.search(r"Compression:\s*(\S+)", r.header)
            res["machine"]["db_bench_reported_compression"] = m.group(1) if m else None
        res["suite"] = {"wall_seconds": round(wall, 1), "db_bench_processes": r.n,
                        "max_single_run_s": max([x["elapsed_s"] for x in all_runs] or [0]),
                        "failed_runs": [x["tag"] for x in all_runs if x["rc"] != 0],
                        "quiet_wait_total_s": round(r.gate.spent, 1),
                        "other_processes_cpu_share_median_max": [median(o), max(o)] if (
                            o := [x["other_processes_cpu_share"] for x in all_runs
                                  if x.get("other_processes_cpu_share") is not None]) else None,
                        "cpu_probe_s_min_median_max": [min(pr), median(pr), max(pr)] if (
                            pr := [x["cpu_probe_s_before"] for x in all_runs]) else None,
                        "finished_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
        failed = bool(res["suite"]["failed_runs"])
        if a.merge and Path(a.out).exists():
            old = json.loads(Path(a.out).read_text())
            for k in ("db_bench_assertions_enabled", "db_bench_reported_compression"):
                if old["machine"].get(k) is None:
                    old["machine"][k] = res["machine"].get(k)
            old["results"].update(res["results"])
            if res["runs_setup"]:
                old["runs_setup"] = [x for x in old.get("runs_setup", []) if x["tag"] != "rowcache-load"] + res["runs_setup"]
            old.setdefault("partial_reruns", []).append({"claims": claims, "machine": res["machine"],
                                                         "suite": res["suite"]})
            res = old
        Path(a.out).write_text(json.dumps(res, indent=1) + "\n")
        print("wrote %s (%.0fs, %d db_bench runs)" % (a.out, wall, r.n), flush=True)
        if not a.keep and not a.workdir:
            shutil.rmtree(root, ignore_errors=True)
    return 1 if failed else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("run")
    p.add_argument("--out", default=str(HERE / "results.json"))
    p.add_argument("--claims", default="rowcache,rss,dynlevel,compress")
    p.add_argument("--quick", action="store_true", help="tiny sizes, for smoke-testing the scripts")
    p.add_argument("--keep", action="store_true", help="keep the /tmp work dir (DBs + raw logs)")
    p.add_argument("--merge", action="store_true",
                   help="replace only the re-run claims' ids inside an existing --out file")
    p.add_argument("--workdir", help="use this dir instead of a fresh /tmp/kvupgrade-rocksdb-* (kept)")
    q = sub.add_parser("report")
    q.add_argument("--in", dest="inp", default=str(HERE / "results.json"))
    a = ap.parse_args(argv)
    if a.cmd == "run":
        return cmd_run(a)
    print(report(json.loads(Path(a.inp).read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
