"""Ratios measured with db_bench, transcribed from benchmarks/rocksdb/results.json.

Each entry is cited as ``benchmarks/rocksdb/README.md#<id>``. ``PATHS`` says where each
number sits in results.json; tests/test_impact_measured.py re-reads the file and checks
the transcription, so a re-run of the benchmarks cannot silently diverge from the text
kvupgrade prints. An id without numbers here is cited but its claim stays qualitative.
"""

from __future__ import annotations

from typing import Any, Optional

README = "benchmarks/rocksdb/README.md"
IDS = ("rowcache-hot", "rowcache-uniform", "rowcache-memory", "dynlevel", "compress-start")

# id -> metric -> path of keys inside results.json["results"]
PATHS: dict[str, dict[str, tuple[str, ...]]] = {
    "rowcache-hot": {
        "ops_per_sec": ("rowcache-hot", "summary", "buffered", "ratio_block_only_vs_block_plus_row", "ops_per_sec"),
        "p99": ("rowcache-hot", "summary", "buffered", "ratio_block_only_vs_block_plus_row", "p99"),
    },
    "rowcache-uniform": {
        "ops_per_sec": ("rowcache-uniform", "summary", "buffered", "ratio_block_only_vs_block_plus_row", "ops_per_sec"),
        "p99": ("rowcache-uniform", "summary", "buffered", "ratio_block_only_vs_block_plus_row", "p99"),
    },
    "rowcache-memory": {
        "rss": ("rowcache-memory", "summary", "rss_ratio_block_moved_vs_rowR"),
    },
    "dynlevel": {
        "write_amp": ("dynlevel", "summary", "ratio_yes_vs_no", "overwrite_write_amp_vs_user"),
        "sst_bytes": ("dynlevel", "summary", "ratio_yes_vs_no", "final_sst_bytes"),
        "overwrite_ops_per_sec": ("dynlevel", "summary", "ratio_yes_vs_no", "overwrite_ops_per_sec"),
    },
    "compress-start": {
        "sst_bytes": ("compress-start", "summary", "dyn_yes", "ratio_from2_vs_all", "sst_bytes"),
        "ops_per_sec": ("compress-start", "summary", "dyn_yes", "ratio_from2_vs_all", "ops_per_sec"),
    },
}

# Transcribed from results.json (full run of benchmarks/rocksdb/run_all.sh, 40 db_bench processes,
# 2026-11-26, Debian rocksdb-tools 7.8.3). Ratios are candidate / baseline as calibrate.py defines
# them: block cache only vs block + row cache (same total, buffered I/O), dynamic level bytes yes
# vs no, compression from L2 vs all levels (dynamic levels on, as Kvrocks ships and 2.14.0 defaults).
MEASURED: dict[str, dict[str, float]] = {
    "rowcache-hot": {"ops_per_sec": 0.6, "p99": 1.02},
    "rowcache-uniform": {"ops_per_sec": 0.81, "p99": 0.66},
    "rowcache-memory": {"rss": 1.01},
    "dynlevel": {"write_amp": 1.02, "sst_bytes": 1.0, "overwrite_ops_per_sec": 1.1},
    "compress-start": {"sst_bytes": 1.12, "ops_per_sec": 0.86},
}
# Small-scale runs repeat only once or twice and vary a lot between repetitions, so a ratio
# within this band of 1.0 is reported as "no clear change" (direction none).
NOISE = 0.10


def cite(id_: str) -> str:
    return f"{README}#{id_}"


def ratio(id_: str, metric: str) -> Optional[float]:
    return MEASURED.get(id_, {}).get(metric)


def clear(r: float) -> bool:
    """A ratio outside the noise band."""
    return abs(r - 1.0) > NOISE


def extract(results: dict[str, Any]) -> dict[str, dict[str, float]]:
    """The MEASURED table as it reads from a results.json document (for the consistency test)."""
    out: dict[str, dict[str, float]] = {}
    for id_, metrics in PATHS.items():
        for metric, path in metrics.items():
            node: Any = results.get("results", {})
            for k in path:
                node = node.get(k) if isinstance(node, dict) else None
            if isinstance(node, (int, float)):
                out.setdefault(id_, {})[metric] = round(float(node), 2)
    return out
