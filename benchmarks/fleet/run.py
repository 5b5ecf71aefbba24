#!/usr/bin/env python3
"""Fleet benchmark: kvupgrade plan/apply on N generated configs against `sed -i` baselines.

For each N of --sizes, on the templated fleet (gen_fleet.py --mode templated), in this order,
every timed phase starting after a `sync` so that none pays for an earlier one's write-back:
  sed             `sed -i` doing only the row-cache edit, xargs -P JOBS; median of 3
  sed_sync        the same followed by `sync`, timed together (a durable shell edit); median of 3
  null_plain, null_durable, null_batched
                  Python doing an apply's file traffic with no planning (null_apply.py):
                  no syncs, per-file fsyncs (today's apply), one syncfs per chunk (batched)
  plan_nodiff     kvupgrade plan --no-diff (peak RSS of parent and process tree sampled)
  plan_nodiff_noshare   the same with KVUPGRADE_NO_SHARE=1 (plan sharing off; a no-op on code
                  without sharing): the sharing gain, measured in the same run
  plan_diff       kvupgrade plan, text format with diffs
  apply           kvupgrade apply --no-diff -f jsonl --backup-dir on a fresh copy
then, at the largest N, the all-distinct fleet (--mode distinct): sed, sed_sync, plan_nodiff,
apply; plan --no-diff on SMALL templated files (the RSS reference); a single-file plan against
`python -c pass` (interleaved, median of RUNS); with --profile, cProfile of plan --no-diff and
apply in one process (-j 1) on PROFILE_FILES files of the templated fleet.
Every result is a ratio against baselines of the same run (the machine's load changes between
runs: ratios travel, seconds do not). Copies are deleted after each phase (peak disk in JSON).
Prints a Markdown table; --out writes all raw numbers as JSON; --today FILE adds a column with
the ratios of an earlier run's JSON (e.g. today's code before a change).
Usage: run.py [--sizes 2000,10000] [--small 100] [--runs 10] [--jobs J] [--profile FILES]
              [--today earlier.json] [--out results.json]
       run.py --report results.json [--today earlier.json]      (the table of a finished run)
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PY = sys.executable
SED = r"s/^(rocksdb\.row_cache_size +[1-9][0-9]*)/# \1/"
OK_RC = (0, 3, 4)  # nothing to do, changes, blockers: anything else is a failed phase
TARGETS = {"plan_nodiff": ("sed", 3.0), "apply": ("sed_sync", 2.0)}  # issue 15, templated fleet
RSS_TARGET = 1.5


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


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


def timed(cmd: list[str], sample: bool = False, stdin: Optional[bytes] = None, check: bool = False,
          **kw: Any) -> dict[str, Any]:
    """Wall time; CPU time (user + system) of the command and every descendant it waited for (from
    wait4: steadier than wall time when other work shares the cores); with ``sample``, peak RSS of
    the parent and of the process tree, sampled every 50 ms."""
    if sample:
        os.sync()  # the big phases start with nothing of an earlier phase left to write back
    load = os.getloadavg()[0]
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
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
    if stdin is not None:
        assert p.stdin is not None
        p.stdin.write(stdin)
        p.stdin.close()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    p.returncode = rc = os.waitstatus_to_exitcode(status)
    stop.set()
    if sample:
        th.join()
    if check and rc != 0:
        raise subprocess.CalledProcessError(rc, cmd)
    if rc not in OK_RC:
        log(f"  exit {rc}: {' '.join(cmd[-6:])}")
    out = {"seconds": round(wall, 3), "cpu_s": round(usage.ru_utime + usage.ru_stime, 3), "rc": rc,
           "load1": round(load, 2)}
    return {**out, **peak} if sample else out


def files_of(root: Path) -> list[str]:
    return sorted(str(p) for p in root.rglob("*.conf"))


def tree_bytes(root: Path) -> int:
    total = 0
    for folder, _, names in os.walk(root):
        for n in names:
            try:
                total += os.lstat(os.path.join(folder, n)).st_size
            except OSError:
                pass
    return total


class Bench:
    def __init__(self, a: argparse.Namespace) -> None:
        self.a = a
        self.w = Path(a.workdir)
        self.env = dict(os.environ, PYTHONPATH=str(REPO), KVUPGRADE_LOCK_DIR=str(self.w / "locks"))
        self.env.pop("FORCE_COLOR", None)
        self.env.pop("KVUPGRADE_NO_SHARE", None)
        # Measure an installed tool: bytecode cached (pip compiles on install). Without this, a
        # PYTHONDONTWRITEBYTECODE=1 environment recompiles every module on each start (~60 ms here).
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.env["PYTHONPYCACHEPREFIX"] = str(self.w / "pycache")
        self.common = ["--to", a.to, "-j", str(a.jobs), "--no-progress"]
        self.disk_peak = 0

    def mark_disk(self) -> None:
        self.disk_peak = max(self.disk_peak, tree_bytes(self.w))

    def gen(self, out: Path, n: int, mode: str) -> int:
        r = subprocess.run([PY, str(HERE / "gen_fleet.py"), str(out), str(n), "--mode", mode, "--count"],
                           check=True, capture_output=True, text=True)
        return int(r.stdout.rsplit(";", 1)[1].split()[0])

    def copy(self, src: Path, name: str) -> Path:
        dst = self.w / name
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(src, dst)
        return dst

    def drop(self, *paths: Path) -> None:
        self.mark_disk()
        for p in paths:
            shutil.rmtree(p, ignore_errors=True)

    def sed(self, fleet: Path, then_sync: bool) -> dict[str, Any]:
        """Median of three `sed -i` runs on one copy (the first edits, the others rewrite every file
        all the same: sed -i always writes), each optionally followed by `sync`, timed together."""
        copy = self.copy(fleet, "sed")
        listing = "\0".join(files_of(copy)).encode()
        xargs = ["xargs", "-0", "-P", str(self.a.jobs), "-n", "100", "sed", "-i", "-E", SED]
        cmd = ["sh", "-c", '"$@" && sync', "sh", *xargs] if then_sync else xargs
        runs = []
        for _ in range(3):
            os.sync()
            runs.append(timed(cmd, stdin=listing, check=True))
        self.drop(copy)
        mid = sorted(runs, key=lambda r: r["seconds"])[1]
        return {**mid, "runs": [r["seconds"] for r in runs], "cpu_runs": [r["cpu_s"] for r in runs]}

    def null(self, fleet: Path, mode: str) -> dict[str, Any]:
        copy = self.copy(fleet, f"null-{mode}")
        listing = "\0".join(files_of(copy)).encode()
        os.sync()
        res = timed([PY, str(HERE / "null_apply.py"), "--mode", mode, "--jobs", str(self.a.jobs),
                     "--backup-dir", str(self.w / "null-bk")], stdin=listing, check=True)
        self.drop(copy, self.w / "null-bk")
        return res

    def plan(self, fleet: Path, *extra: str, env: Optional[dict[str, str]] = None) -> dict[str, Any]:
        return timed([PY, "-m", "upgrader", "plan", *self.common, *extra, str(fleet)], sample=True,
                     env=env or self.env)

    def apply(self, fleet: Path) -> dict[str, Any]:
        copy = self.copy(fleet, "apply")
        res = timed([PY, "-m", "upgrader", "apply", *self.common, "--no-diff", "-f", "jsonl",
                     "--backup-dir", str(self.w / "apply-bk"), str(copy)], sample=True, env=self.env)
        self.drop(copy, self.w / "apply-bk")
        return res

    def profile(self, fleet: Path, n: int) -> dict[str, Any]:
        """cProfile of plan --no-diff and of apply in one process (-j 1) on the first n files."""
        sub = self.w / "prof"
        for f in sorted(files_of(fleet), key=lambda f: Path(f).parent.name)[:n]:  # hosts 0..n-1: all 30 keys
            dst = sub / Path(f).relative_to(fleet)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dst)
        out: dict[str, Any] = {"files": n}
        common = ["--to", self.a.to, "-j", "1", "--no-progress", "--no-diff"]
        for name, args in (("plan_nodiff", ["plan", *common, str(sub)]),
                           ("apply", ["apply", *common, "-f", "jsonl", "--backup-dir", str(self.w / "prof-bk"), str(sub)])):
            prof = self.w / f"{name}.prof"
            timed([PY, "-m", "cProfile", "-o", str(prof), "-m", "upgrader", *args], env=self.env)
            out[name] = top_functions(prof)
        self.drop(sub, self.w / "prof-bk")
        return out


def top_functions(prof: Path, n: int = 15) -> dict[str, Any]:
    st = pstats.Stats(str(prof))
    total = st.total_tt  # type: ignore[attr-defined]
    rows = []
    for (file, line, func), (_, calls, tt, ct, _) in st.stats.items():  # type: ignore[attr-defined]
        rel = file.replace(str(REPO) + os.sep, "") if file.startswith(str(REPO)) else os.path.basename(file)
        rows.append({"function": f"{rel}:{line}({func})", "calls": calls, "tottime": round(tt, 3), "cumtime": round(ct, 3)})
    return {"total_s": round(total, 3),
            "by_tottime": sorted(rows, key=lambda r: -r["tottime"])[:n],
            # the project's functions by time including callees, without the chain of wrappers
            # (main, command, fleet runner) that each hold nearly all of it
            "by_cumtime": [r for r in sorted(rows, key=lambda r: -r["cumtime"])
                           if r["function"].startswith(("upgrader/", "transforms/")) and r["cumtime"] < 0.8 * total][:n]}


def ratios(phases: dict[str, Any]) -> dict[str, float]:
    """Wall-time ratios ``phase/baseline``, and CPU-time ones ``cpu:phase/baseline``."""
    out = {}
    for name, r in phases.items():
        for base in ("sed", "sed_sync", "null_durable", "null_batched"):
            if base in phases and name != base:
                out[f"{name}/{base}"] = round(r["seconds"] / phases[base]["seconds"], 2)
                out[f"cpu:{name}/{base}"] = round(r["cpu_s"] / max(0.001, phases[base]["cpu_s"]), 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="2000,10000", help="fleet sizes, comma-separated")
    ap.add_argument("--small", type=int, default=100, help="the RSS reference fleet")
    ap.add_argument("--runs", type=int, default=10, help="single-file plan vs python -c pass (0: skip)")
    ap.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--to", default="2.14.0")
    ap.add_argument("--workdir", default="/tmp/kvupgrade-fleet-bench")
    ap.add_argument("--no-distinct", action="store_true", help="skip the all-distinct fleet")
    ap.add_argument("--profile", type=int, default=0, metavar="FILES",
                    help="also profile plan/apply -j 1 on this many templated files")
    ap.add_argument("--today", default=None, help="an earlier run's JSON: its ratios in an extra column")
    ap.add_argument("--out", default=None)
    ap.add_argument("--report", default=None, metavar="JSON", help="only print the table of an earlier run's JSON")
    a = ap.parse_args()
    today = json.loads(Path(a.today).read_text()) if a.today else None
    if a.report:
        print(markdown(json.loads(Path(a.report).read_text()), today))
        return
    sizes = [int(s) for s in a.sizes.split(",")]
    big = max(sizes)
    b = Bench(a)
    shutil.rmtree(b.w, ignore_errors=True)
    b.w.mkdir(parents=True)
    res: dict[str, Any] = {
        "machine": {"nproc": os.cpu_count(), "affinity": len(os.sched_getaffinity(0)),
                    "ram_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
                    "python": sys.version.split()[0]},
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "loadavg_start": os.getloadavg(),
        "sizes": sizes, "small": a.small, "jobs": a.jobs, "to": a.to, "templated": {}, "distinct": {},
    }
    noshare = dict(b.env, KVUPGRADE_NO_SHARE="1")
    small = b.w / "small"
    res["small_keys"] = b.gen(small, a.small, "templated")
    res["plan_small_nodiff"] = b.plan(small, "--no-diff")
    for n in sizes:
        fleet = b.w / f"templated-{n}"
        log(f"templated fleet, {n} files")
        t: dict[str, Any] = {"planning_keys": b.gen(fleet, n, "templated"), "bytes": tree_bytes(fleet)}
        ph: dict[str, Any] = {}
        ph["sed"] = b.sed(fleet, then_sync=False)
        ph["sed_sync"] = b.sed(fleet, then_sync=True)
        for mode in ("plain", "durable", "batched"):
            ph[f"null_{mode}"] = b.null(fleet, mode)
        log("  kvupgrade")
        ph["plan_nodiff"] = b.plan(fleet, "--no-diff")
        ph["plan_nodiff_noshare"] = b.plan(fleet, "--no-diff", env=noshare)
        ph["plan_diff"] = b.plan(fleet)
        ph["apply"] = b.apply(fleet)
        if a.profile and n == big:
            log("  profile")
            t["profile"] = b.profile(fleet, min(a.profile, n))
        b.drop(fleet)
        t["phases"], t["ratios"] = ph, ratios(ph)
        t["files_per_s"] = {k: round(n / v["seconds"], 1) for k, v in ph.items()}
        res["templated"][str(n)] = t
    if not a.no_distinct:
        fleet = b.w / f"distinct-{big}"
        log(f"all-distinct fleet, {big} files")
        d: dict[str, Any] = {"planning_keys": b.gen(fleet, big, "distinct"), "bytes": tree_bytes(fleet)}
        ph = {"sed": b.sed(fleet, then_sync=False), "sed_sync": b.sed(fleet, then_sync=True),
              "plan_nodiff": b.plan(fleet, "--no-diff"), "apply": b.apply(fleet)}
        b.drop(fleet)
        d["phases"], d["ratios"] = ph, ratios(ph)
        d["files_per_s"] = {k: round(big / v["seconds"], 1) for k, v in ph.items()}
        res["distinct"][str(big)] = d
    ref = res["plan_small_nodiff"]
    rss: dict[str, Any] = {}
    for label, fleet_kind, phase in (("plan_nodiff", "templated", "plan_nodiff"), ("apply", "templated", "apply"),
                                     ("plan_nodiff_noshare", "templated", "plan_nodiff_noshare"),
                                     ("distinct_plan_nodiff", "distinct", "plan_nodiff")):
        r = res[fleet_kind].get(str(big), {}).get("phases", {}).get(phase)
        if r:
            rss[label] = {"parent": round(r["parent_kb"] / max(1, ref["parent_kb"]), 3),
                          "tree": round(r["tree_kb"] / max(1, ref["tree_kb"]), 3)}
    res["rss_over_small"] = rss
    if a.runs:
        log("single-file plan")
        one = files_of(small)[0]
        single_cmd = [PY, "-m", "upgrader", "plan", "--to", a.to, one]
        timed(single_cmd, env=b.env)  # warm-up: writes the bytecode cache
        pas, single = [], []
        for _ in range(a.runs):  # interleaved, so load drift hits both alike
            pas.append(timed([PY, "-c", "pass"], env=b.env)["seconds"])
            single.append(timed(single_cmd, env=b.env)["seconds"])
        res["single"] = {"python_pass_median": statistics.median(pas), "plan_median": statistics.median(single),
                         "ratio": round(statistics.median(single) / statistics.median(pas), 2)}
    b.drop(small)
    res["disk_peak_bytes"] = b.disk_peak
    res["loadavg_end"] = os.getloadavg()
    shutil.rmtree(b.w, ignore_errors=True)
    if a.out:
        Path(a.out).write_text(json.dumps(res, indent=2) + "\n")
    print(markdown(res, today))


# ---- the Markdown report -------------------------------------------------------------------------

ROWS = [
    ("sed", "`sed -i` (median of 3)"),
    ("sed_sync", "`sed -i` + `sync` (median of 3)"),
    ("null_plain", "Python I/O floor, no sync (null_apply plain)"),
    ("null_durable", "Python I/O floor, per-file fsyncs (null_apply durable)"),
    ("null_batched", "Python I/O floor, batched durability (null_apply batched)"),
    ("plan_nodiff", "`plan --no-diff`"),
    ("plan_nodiff_noshare", "`plan --no-diff`, `KVUPGRADE_NO_SHARE=1`"),
    ("plan_diff", "`plan` (text, with diffs)"),
    ("apply", "`apply --no-diff -f jsonl --backup-dir`"),
]


def _x(v: float) -> str:
    return f"{v:.2f}x"


def _table(runs: dict[str, Any], today: Optional[dict[str, Any]], kind: str) -> list[str]:
    sizes = list(runs)
    head = "| phase |" + "".join(f" N={int(n):,} s | CPU s | x sed | x sed+sync |" for n in sizes)
    if today:
        head += " today x sed | today x sed+sync |"
    lines = [head, "|---|" + "---|---|---|---|" * len(sizes) + ("---|---|" if today else "")]
    for key, label in ROWS:
        if key not in runs[sizes[0]]["phases"]:
            continue
        row = f"| {label} |"
        for n in sizes:
            ph = runs[n]["phases"]
            r = ph[key]
            bad = "" if r.get("rc", 0) in OK_RC else f" (exit {r['rc']})"
            row += f" {r['seconds']:.2f}{bad} | {r['cpu_s']:.2f} | {_x(r['seconds'] / ph['sed']['seconds'])} | {_x(r['seconds'] / ph['sed_sync']['seconds'])} |"
        if today:
            old = today.get(kind, {}).get(sizes[-1], {}).get("ratios", {})
            for base in ("sed", "sed_sync"):
                v = 1.0 if key == base and old else old.get(f"{key}/{base}")
                row += f" {_x(v) if v is not None else '–'} |"
        lines.append(row)
    lines.append("| files / planning keys |" + "".join(
        f" {int(n):,} / {runs[n]['planning_keys']:,} | | | |" for n in sizes) + (" | |" if today else ""))
    return lines


def markdown(res: dict[str, Any], today: Optional[dict[str, Any]] = None) -> str:
    m = res["machine"]
    out = [f"Run of {res['started']}: {m['nproc']} CPUs (affinity {m['affinity']}), {m['ram_gb']} GB RAM, "
           f"Python {m['python']}, {res['jobs']} jobs, load average {res['loadavg_start'][0]:.1f} at the start and "
           f"{res['loadavg_end'][0]:.1f} at the end; peak disk use {res['disk_peak_bytes'] / 2**20:,.0f} MB.", "",
           "Templated fleet:", ""]
    out += _table(res["templated"], today, "templated")
    if res["distinct"]:
        out += ["", "All-distinct fleet:", ""]
        out += _table(res["distinct"], today, "distinct")
    big = str(max(res["sizes"]))
    out += ["", "| target | result |", "|---|---|"]
    tpl = res["templated"][big]["phases"]
    for key, (base, limit) in TARGETS.items():
        v = tpl[key]["seconds"] / tpl[base]["seconds"]
        verdict = "met" if v <= limit else f"**missed** by {v / limit:.2f}x"
        label = "sed -i" if base == "sed" else "sed -i + sync"
        out.append(f"| templated {int(big):,}: {key.replace('_nodiff', ' --no-diff')} ≤ {limit:g}x {label} | "
                   f"{_x(v)}: {verdict} |")
    for label, r in res["rss_over_small"].items():
        worst = max(r["parent"], r["tree"])
        out.append(f"| peak RSS {label}, {int(big):,} / {res['small']} files ≤ {RSS_TARGET}x | parent {_x(r['parent'])}, "
                   f"tree {_x(r['tree'])}: {'met' if worst <= RSS_TARGET else '**missed**'} |")
    if res["distinct"]:
        dr = res["distinct"][big]["ratios"]
        was = (today or {}).get("distinct", {}).get(big, {}).get("ratios", {})

        def then(key: str) -> str:
            return f" (today {_x(was[key])})" if key in was else ""

        out.append(f"| all-distinct {int(big):,}: no slower than today | plan --no-diff {_x(dr['plan_nodiff/sed'])} sed"
                   f"{then('plan_nodiff/sed')}, CPU {_x(dr['cpu:plan_nodiff/sed'])}{then('cpu:plan_nodiff/sed')}; "
                   f"apply {_x(dr['apply/sed_sync'])} sed+sync{then('apply/sed_sync')}, "
                   f"CPU {_x(dr['cpu:apply/sed_sync'])}{then('cpu:apply/sed_sync')}"
                   f"{'' if was else ' (--today: compare with a run of today’s code)'} |")
    if "single" in res:
        s = res["single"]
        out.append(f"| single-file plan / `python -c pass` (issue 5: ≤ 10x) | {_x(s['ratio'])} "
                   f"({s['plan_median'] * 1000:.0f} ms vs {s['python_pass_median'] * 1000:.0f} ms) |")
    prof = res["templated"][big].get("profile")
    if prof:
        for name in ("plan_nodiff", "apply"):
            p = prof[name]
            out += ["", f"Profile of `{name}` -j 1 on {prof['files']} files ({p['total_s']:.2f} s in profiled functions), "
                    "by own time:", "", "| function | calls | own s | cumulative s |", "|---|---|---|---|"]
            out += [f"| `{r['function']}` | {r['calls']} | {r['tottime']} | {r['cumtime']} |" for r in p["by_tottime"]]
            below = [r for r in p["by_cumtime"] if r["cumtime"] < 0.8 * p["total_s"]]  # older JSON kept wrappers
            if below:
                out += ["", "and the project's functions by cumulative time (below the command's own wrappers):", "",
                        "| function | calls | own s | cumulative s |", "|---|---|---|---|"]
                out += [f"| `{r['function']}` | {r['calls']} | {r['tottime']} | {r['cumtime']} |" for r in below]
    return "\n".join(out)


if __name__ == "__main__":
    main()
