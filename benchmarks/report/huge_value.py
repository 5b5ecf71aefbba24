"""Time each report format on a plan whose config holds one huge token (default 15 MB).

    python benchmarks/report/huge_value.py [--mb 15] [--shape key|value|words]

``key``: a 15 MB unknown key (one word); ``value``: a 15 MB value (one word, not a number) of
a deprecated key; ``words``: a 15 MB value made of short words separated by spaces. The plan is made once;
each format renders the same per-file record once (a cold run: the text format caches wrapped
messages, so a repeat would time the cache).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

from upgrader import report
from upgrader.api import plan_file
from upgrader.matrix import load_matrix
from upgrader.report.jsonout import outcome_to_dict, summary


def config(mb: float, shape: str) -> str:
    n = int(mb * 1024 * 1024)
    if shape == "key":
        return f"port 6666\n{'k' * n} 1\n"
    if shape == "value":
        return f"port 6666\nrocksdb.row_cache_size {'x' * n}\n"
    return f"port 6666\nrocksdb.row_cache_size 1024 {'abcd ' * (n // 5)}\n"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=15.0)
    ap.add_argument("--shape", choices=("key", "value", "words"), default="key")
    ap.add_argument("--formats", default="json,text,markdown,html,jsonl,sarif")
    a = ap.parse_args()
    m = load_matrix()
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "kvrocks.conf")
        with open(p, "w", encoding="utf-8") as fh:
            fh.write(config(a.mb, a.shape))
        t = time.perf_counter()
        f = outcome_to_dict(plan_file(p, to="2.13.0", from_="2.12.1", matrix=m), m)
        print(f"plan + record: {time.perf_counter() - t:.2f} s ({a.shape}, {a.mb} MB)")
    files = [f]
    meta = {"tool_version": "bench", "data_version": m.data_version}
    took: dict[str, float] = {}
    for fmt in a.formats.split(","):
        mod = report.get(fmt)
        t = time.perf_counter()
        out = mod.render(files, summary(files), "plan", meta)
        took[fmt] = time.perf_counter() - t
        # The JSON format (json.dumps, C speed) is the baseline: seconds vary with the load, ratios less.
        ratio = f"{took[fmt] / took['json']:7.2f}x json" if "json" in took else ""
        print(f"{fmt:<9} {took[fmt]:8.3f} s  {len(out):>12,} chars out  {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
