#!/usr/bin/env python3
"""Generate a fleet of real-size kvrocks.conf files for the fleet benchmark.

Reads the shipped confs of ../shared/kvrocks/confs in place and writes N files under
OUT/dc<k>/host<i>/kvrocks.conf. Three modes, all deterministic for a seed:

  templated  (default) five templates, one per release 2.4.0-2.12.0, each with its own tuning
             (one written with CRLF endings), three tuning groups per template (row cache, I/O
             and compaction settings) and two roles (primary; replica with a slaveof/replicaof
             line). Files of one template, group and role differ only in per-node lines: port,
             bind, dir, pidfile, log-dir, backup-dir, unixsocket, requirepass, masterauth, a
             namespace token, the replica's primary. 5 x 3 x 2 = 30 distinct planning keys
             whatever N (the best case for a tool that plans each distinct config once).
  distinct   every file differs in planning-relevant lines: the legacy edits below, plus a
             row-cache size and a maxclients value unique to the file (the worst case for sharing).
  legacy     the generator of the issue-5 runs (history rows of benchmarks/README.md): 9 bases
             2.4.0-2.12.0 and random realistic edits (row cache set in ~80 % of files, removed
             keys, `workers 010`, a quoted dir, an inline comment, `TIMEOUT 0`, CRLF in ~10 %).
             Not all-distinct: about 2,000 distinct planning keys in 10,000 files (`--count`).

`--count` also prints how many distinct files are left once the per-node lines' values are
masked (PER_NODE below): an estimate of how many plans a sharing planner must make.
Usage: gen_fleet.py OUT N [--mode templated|distinct|legacy] [--seed S] [--count]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
from pathlib import Path
from typing import Callable

SHARED = Path(__file__).resolve().parents[3] / "shared" / "kvrocks" / "confs"
BASES = ["2.4.0", "2.5.0", "2.6.0", "2.7.0", "2.8.0", "2.9.0", "2.10.0", "2.11.0", "2.12.0"]

# Keys whose value is per node: masked by --count (the sharing helper's notion of the same).
PER_NODE = ("port", "bind", "dir", "pidfile", "log-dir", "backup-dir", "unixsocket", "requirepass",
            "masterauth", "slaveof", "replicaof")
_MASK = re.compile(r"^(\s*(?:%s|namespace\.\S+)\s).*$" % "|".join(re.escape(k) for k in PER_NODE),
                   re.IGNORECASE | re.MULTILINE)

# ---- templated ---------------------------------------------------------------------------------

# Per template: release, line ending, and the tuning its operators set once for every node.
TEMPLATES: list[tuple[str, str, dict[str, str]]] = [
    ("2.4.0", "\n", {"workers": "16", "maxclients": "20000", "rocksdb.max_open_files": "16384",
                     "log-level": "warning", "daemonize": "yes"}),
    ("2.6.0", "\r\n", {"workers": "12", "rocksdb.write_buffer_size": "128", "max-io-mb": "300",
                       "rocksdb.block_cache_size": "8192"}),
    ("2.8.0", "\n", {"workers": "8", "maxclients": "50000", "rocksdb.compression": "lz4",
                     "rocksdb.block_cache_size": "16384"}),
    ("2.10.0", "\n", {"workers": "16", "rocksdb.max_background_jobs": "8", "log-level": "warning",
                      "rocksdb.write_buffer_size": "256"}),
    ("2.12.0", "\n", {"workers": "24", "maxclients": "30000", "rocksdb.compression": "zstd",
                      "rocksdb.max_open_files": "-1"}),
]
# Per tuning group: the values that differ between groups of nodes (cache, default, archive).
GROUPS: list[dict[str, str]] = [
    {"rocksdb.row_cache_size": "2048", "max-io-mb": "0"},
    {"rocksdb.row_cache_size": "256"},
    {"rocksdb.row_cache_size": "64", "rocksdb.level_compaction_dynamic_level_bytes": "yes",
     "rocksdb.enable_blob_files": "yes"},
]
NAMESPACES = ("sessions", "catalog", "events")


def _token(rng: random.Random) -> str:
    return "%032x" % rng.getrandbits(128)


def templated(bases: dict[str, str], i: int, rng: random.Random) -> str:
    release, eol, tuning = TEMPLATES[i % len(TEMPLATES)]
    group = (i // len(TEMPLATES)) % len(GROUPS)
    replica = (i // (len(TEMPLATES) * len(GROUPS))) % 2 == 1  # one replica per primary
    dc, host = i % 4, f"kv{i:05d}"
    ip = f"10.{dc}.{i // 250 % 250}.{i % 250 + 1}"
    values = {**tuning, **GROUPS[group]}
    node = {
        "port": str(6379 + i % 16),
        "bind": f"{ip} 127.0.0.1",
        "dir": f"/data/kvrocks/{host}",
        "log-dir": f"/var/log/kvrocks/{host}",
    }
    # Lines the shipped confs only show commented out: added right after that comment.
    after = {
        "# unixsocket ": [f"unixsocket /var/run/kvrocks/{host}.sock"],
        "# pidfile /var/run/kvrocks.pid": [f"pidfile /var/run/kvrocks/{host}.pid"],
        "# requirepass ": [f"requirepass {_token(rng)}"],
        "# masterauth ": [f"masterauth {_token(rng)}"],
        "# slaveof 127.0.0.1": ([f"{'replicaof' if release == '2.12.0' else 'slaveof'} 10.{dc}.200.{i % 97 + 1} 6379"]
                                if replica else []),
        "# namespace.test ": [f"namespace.{NAMESPACES[group]} {_token(rng)}"],
    }
    out: list[str] = []
    seen: set[str] = set()
    for ln in bases[release].split("\n"):
        key = ln.split(" ", 1)[0]
        if key == "pidfile":
            continue  # 2.4.0's `pidfile ""`: the node's own comes after the commented example
        if key in node:
            ln = f"{key} {node[key]}"
            if key == "dir":
                out.append(ln)
                ln = f"backup-dir /data/kvrocks/{host}/backup"
        elif key in values and key not in seen:
            ln = f"{key} {values[key]}"
            seen.add(key)
        out.append(ln)
        for prefix, extra in after.items():
            if ln.startswith(prefix):
                out.extend(extra)
    out.extend(f"{k} {v}" for k, v in values.items() if k not in seen)
    return eol.join(out)


# ---- legacy and distinct ------------------------------------------------------------------------

def legacy(bases: dict[str, str], i: int, rng: random.Random, unique: bool = False) -> str:
    lines = bases[BASES[i % len(BASES)]].split("\n")
    out: list[str] = []
    row_cache = unique or rng.random() < 0.8
    for ln in lines:
        key = ln.split(" ", 1)[0]
        if key == "rocksdb.row_cache_size" and row_cache:
            ln = f"rocksdb.row_cache_size {rng.choice([64, 128, 256, 1024])}"
            if unique:
                ln = f"rocksdb.row_cache_size {64 + i}"
            row_cache = False
        elif key in ("compaction-checker-range", "profiling-sample-ratio") and rng.random() < 0.3:
            continue  # removed key
        elif key == "workers" and rng.random() < 0.2:
            ln = "workers 010"  # base 0: octal 8 from 2.3.0 on
        elif key == "dir" and rng.random() < 0.3:
            ln = f'dir "/var/lib/kvrocks/node {i}"'
        elif key == "maxclients":
            if unique:
                ln = f"maxclients {10000 + i}"
            if rng.random() < 0.3:
                ln = ln + "  # raised for the batch jobs"
        elif key == "port":
            ln = f"port {6000 + i % 1000}"
        elif key == "timeout" and rng.random() < 0.2:
            ln = "TIMEOUT 0"  # keys are case-insensitive
        out.append(ln)
    if row_cache:  # the base conf has no such line: add one
        out.append(f"rocksdb.row_cache_size {64 + i if unique else rng.choice([64, 128, 256])}")
    text = "\n".join(out)
    if rng.random() < 0.1:
        text = text.replace("\n", "\r\n")
    return text


def planning_key(text: str) -> bytes:
    """The file with per-node values masked: equal keys mean one plan would do for both files."""
    return hashlib.blake2b(_MASK.sub(r"\1<node>", text).encode(), digest_size=16).digest()


def generate(out: Path, n: int, mode: str = "templated", seed: int = 5, count: bool = False) -> int:
    """Write the fleet; return the number of distinct planning keys (0 when not counted)."""
    rng = random.Random(seed)
    releases = sorted({t[0] for t in TEMPLATES} | set(BASES))
    bases = {v: (SHARED / f"{v}.conf").read_text() for v in releases}
    make: Callable[[dict[str, str], int, random.Random], str] = {
        "templated": templated,
        "legacy": legacy,
        "distinct": lambda b, i, r: legacy(b, i, r, unique=True),
    }[mode]
    keys: set[bytes] = set()
    for i in range(n):
        p = out / f"dc{i % 4}" / f"host{i:05d}" / "kvrocks.conf"
        p.parent.mkdir(parents=True, exist_ok=True)
        text = make(bases, i, rng)
        if count:
            keys.add(planning_key(text))
        p.write_text(text, newline="")
    return len(keys)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("n", type=int)
    ap.add_argument("--mode", choices=("templated", "distinct", "legacy"), default="templated")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--count", action="store_true", help="print the number of distinct planning keys")
    a = ap.parse_args()
    distinct = generate(Path(a.out), a.n, a.mode, a.seed, a.count)
    print(f"{a.n} files under {a.out} ({a.mode})" + (f"; {distinct} distinct planning keys" if a.count else ""))


if __name__ == "__main__":
    main()
