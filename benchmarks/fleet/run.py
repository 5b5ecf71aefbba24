#!/usr/bin/env python3
"""Fleet benchmark: kvupgrade plan/apply on N generated configs against a `sed -i` baseline.

Every number is reported as a ratio against a baseline measured in the same invocation
(the machine's load changes between runs; ratios travel, seconds do not):
  apply(N) / sed(N)             sed -i doing only the row-cache edit, same files, same
                                number of parallel processes (xargs -P jobs); median of 3
  plan(N) / sed(N)
  null-apply / sed(N)           Python doing an apply's file traffic with no planning
                                (null_apply.py), plain and with kvupgrade's fsyncs
  apply(N) / durable null-apply what planning and the tool add to that traffic
  peak RSS at N / at SMALL      parent process, and whole process tree (parent + workers)
  single-file plan / python -c pass   medians of RUNS runs each
Usage: run.py [--n 10000] [--small 100] [--runs 20] [--jobs J] [--workdir DIR] [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PY = sys.executable
SED = r"s/^(rocksdb\.row_cache_size +[1-9][0-9]*)/# \1/"


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    return out


def timed(cmd: list[str], sample: bool = False, **kw) -> dict:
    """Wall time, and peak RSS of the parent and of the process tree (sampled every 50 ms)."""
    if sample:
        os.sync()  # the big phases start with nothing of an earlier phase left to write back
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    peak = {"parent_kb": 0, "tree_kb": 0}
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            parent = rss_kb(p.pid)
            tree = parent + sum(rss_kb(c) for c in children(p.pid))
            peak["parent_kb"] = max(peak["parent_kb"], parent)
            peak["tree_kb"] = max(peak["tree_kb"], tree)
            stop.wait(0.05)

    th = threading.Thread(target=poll, daemon=True)
    if sample:
        th.start()
    rc = p.wait()
    wall = time.perf_counter() - t
    stop.set()
    if sample:
        th.join()
    return {"seconds": round(wall, 3), "rc": rc, **peak}


def files_of(root: Path) -> list[str]:
    return sorted(str(p) for p in root.rglob("*.conf"))


def kv(*args: str) -> list[str]:
    return [PY, "-m", "upgrader", *args]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--small", type=int, default=100)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--to", default="2.14.0")
    ap.add_argument("--workdir", default="/tmp/kvupgrade-fleet-bench")
    ap.add_argument("--out", default=None)
    ap.add_argument("--with-diff", action="store_true", help="also time plan with diffs (text output) on N files")
    a = ap.parse_args()
    env = dict(os.environ, PYTHONPATH=str(REPO), KVUPGRADE_LOCK_DIR=f"{a.workdir}/locks")
    env.pop("FORCE_COLOR", None)
    # Measure an installed tool: bytecode cached (pip compiles on install). Without this, a
    # PYTHONDONTWRITEBYTECODE=1 environment recompiles every module on each start (~60 ms here).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = f"{a.workdir}/pycache"
    w = Path(a.workdir)
    shutil.rmtree(w, ignore_errors=True)
    gen = [PY, str(HERE / "gen_fleet.py")]
    subprocess.run(gen + [str(w / "big"), str(a.n)], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(gen + [str(w / "small"), str(a.small)], check=True, stdout=subprocess.DEVNULL)
    for name in ("sed", "apply", "null-plain", "null-durable"):
        shutil.copytree(w / "big", w / name)
    res: dict = {"machine": {"nproc": os.cpu_count(), "affinity": len(os.sched_getaffinity(0)),
                             "ram_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
                             "loadavg_start": os.getloadavg(), "python": sys.version.split()[0]},
                 "n": a.n, "small": a.small, "jobs": a.jobs}
    size = sum(os.path.getsize(f) for f in files_of(w / "big"))
    res["fleet_bytes"] = size

    # sed baseline: only the row-cache edit, same files, same parallelism. Three runs, median
    # (the first edits, the others rewrite every file all the same: sed -i always writes).
    # Every timed phase starts after a sync, so the copies' write-back is nobody's cost.
    listing = "\0".join(files_of(w / "sed")).encode()
    runs = []
    for _ in range(3):
        os.sync()
        t = time.perf_counter()
        subprocess.run(["xargs", "-0", "-P", str(a.jobs), "-n", "100", "sed", "-i", "-E", SED], input=listing,
                       check=True)
        runs.append(round(time.perf_counter() - t, 3))
    res["sed"] = {"seconds": statistics.median(runs), "runs": runs}

    # Python baselines: the file traffic of an apply without planning (null_apply.py), plain and
    # with kvupgrade's fsyncs. They show what the language and durability cost before any planning.
    for mode in ("plain", "durable"):
        listing = "\0".join(files_of(w / f"null-{mode}")).encode()
        os.sync()
        t = time.perf_counter()
        subprocess.run([PY, str(HERE / "null_apply.py"), "--mode", mode, "--jobs", str(a.jobs),
                        "--backup-dir", str(w / f"null-{mode}-bk")], input=listing, check=True)
        res[f"null_{mode}"] = {"seconds": round(time.perf_counter() - t, 3)}

    common = ["--to", a.to, "-j", str(a.jobs), "--no-progress"]
    if a.with_diff:
        res["plan_big"] = timed(kv("plan", *common, str(w / "big")), sample=True, env=env)
    res["plan_big_nodiff"] = timed(kv("plan", *common, "--no-diff", str(w / "big")), sample=True, env=env)
    res["apply_big"] = timed(kv("apply", *common, "--no-diff", "-f", "jsonl", "--backup-dir", str(w / "bk"),
                                str(w / "apply")), sample=True, env=env)
    res["plan_small"] = timed(kv("plan", *common, str(w / "small")), sample=True, env=env)
    res["plan_small_nodiff"] = timed(kv("plan", *common, "--no-diff", str(w / "small")), sample=True, env=env)

    one = files_of(w / "small")[0]
    timed(kv("plan", "--to", a.to, one), env=env)  # warm-up: writes the bytecode cache
    pas, single = [], []
    for _ in range(a.runs):  # interleaved, so load drift hits both alike
        pas.append(timed([PY, "-c", "pass"], env=env)["seconds"])
        single.append(timed(kv("plan", "--to", a.to, one), env=env)["seconds"])
    res["python_pass_median"] = statistics.median(pas)
    res["single_plan_median"] = statistics.median(single)
    res["loadavg_end"] = os.getloadavg()
    sed = res["sed"]["seconds"]
    res["ratios"] = {
        "apply_over_sed": round(res["apply_big"]["seconds"] / sed, 2),
        "plan_nodiff_over_sed": round(res["plan_big_nodiff"]["seconds"] / sed, 2),
        "null_plain_over_sed": round(res["null_plain"]["seconds"] / sed, 2),
        "null_durable_over_sed": round(res["null_durable"]["seconds"] / sed, 2),
        "apply_over_null_durable": round(res["apply_big"]["seconds"] / res["null_durable"]["seconds"], 2),
        "rss_parent_big_over_small": round(res["plan_big_nodiff"]["parent_kb"] /
                                           max(1, res["plan_small_nodiff"]["parent_kb"]), 3),
        "rss_tree_big_over_small": round(res["plan_big_nodiff"]["tree_kb"] / max(1, res["plan_small_nodiff"]["tree_kb"]), 3),
        "rss_parent_apply_big_over_plan_small": round(res["apply_big"]["parent_kb"] /
                                                      max(1, res["plan_small_nodiff"]["parent_kb"]), 3),
        "single_plan_over_python_pass": round(res["single_plan_median"] / res["python_pass_median"], 2),
    }
    res["throughput_files_per_s"] = {k: round(a.n / res[k]["seconds"], 1)
                                     for k in ("sed", "null_plain", "null_durable", "plan_big", "plan_big_nodiff", "apply_big")
                                     if k in res}
    if "plan_big" in res:
        res["ratios"]["plan_over_sed"] = round(res["plan_big"]["seconds"] / sed, 2)
    text = json.dumps(res, indent=2)
    print(text)
    if a.out:
        Path(a.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
