#!/usr/bin/env python3
"""Generate a fleet of real-size kvrocks.conf files for the fleet benchmark.

Reads the shipped confs of ../shared/kvrocks/confs in place (2.4.0-2.12.0: the releases a
fleet upgrading to 2.14 runs today) and writes N files under OUT/<dc>/<host>/kvrocks.conf,
each with a deterministic mix of realistic edits:
  row cache set     rocksdb.row_cache_size <n> (the edit the sed baseline also makes)
  renamed/odd keys  an upper-cased key, a key written with the old 'slave-' spelling kept
  removed keys      a line dropped (compaction-checker-range, profiling lines)
  odd values        base-0 integers (workers 010), a quoted dir, an inline '# comment',
                    CRLF line endings on some files
Usage: gen_fleet.py OUT N [--seed S]
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared" / "kvrocks" / "confs"
BASES = ["2.4.0", "2.5.0", "2.6.0", "2.7.0", "2.8.0", "2.9.0", "2.10.0", "2.11.0", "2.12.0"]


def edit(text: str, i: int, rng: random.Random) -> str:
    lines = text.split("\n")
    out: list[str] = []
    row_cache = rng.random() < 0.8
    for ln in lines:
        key = ln.split(" ", 1)[0]
        if key == "rocksdb.row_cache_size" and row_cache:
            ln = f"rocksdb.row_cache_size {rng.choice([64, 128, 256, 1024])}"
            row_cache = False
        elif key in ("compaction-checker-range", "profiling-sample-ratio") and rng.random() < 0.3:
            continue  # removed key
        elif key == "workers" and rng.random() < 0.2:
            ln = "workers 010"  # base 0: octal 8 from 2.3.0 on
        elif key == "dir" and rng.random() < 0.3:
            ln = f'dir "/var/lib/kvrocks/node {i}"'
        elif key == "maxclients" and rng.random() < 0.3:
            ln = ln + "  # raised for the batch jobs"
        elif key == "port":
            ln = f"port {6000 + i % 1000}"
        elif key == "timeout" and rng.random() < 0.2:
            ln = "TIMEOUT 0"  # keys are case-insensitive
        out.append(ln)
    if row_cache:  # the base conf has no such line: add one
        out.append(f"rocksdb.row_cache_size {rng.choice([64, 128, 256])}")
    text = "\n".join(out)
    if rng.random() < 0.1:
        text = text.replace("\n", "\r\n")
    return text


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=5)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    bases = {v: (SHARED / f"{v}.conf").read_text() for v in BASES}
    out = Path(a.out)
    for i in range(a.n):
        p = out / f"dc{i % 4}" / f"host{i:05d}" / "kvrocks.conf"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(edit(bases[BASES[i % len(BASES)]], i, rng), newline="")
    print(f"{a.n} files under {out}")


if __name__ == "__main__":
    main()
