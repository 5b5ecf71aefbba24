#!/usr/bin/env python3
"""Hostile inputs benchmark (issue 16): peak RSS and wall time of `kvupgrade plan` on the worst input
of each kind that fits under the 16 MB size cap, against two baselines run in the same invocation:
`python -c pass` and planning a normal config (examples/fleet/cache-01/kvrocks.conf).

Each run is one subprocess, measured with os.wait4 (its own peak RSS, ru_maxrss, not the maximum over
every child so far as RUSAGE_CHILDREN gives) and a monotonic clock; a run past --timeout is killed and
recorded as such. The inputs are generated into a temporary directory (about 120 MB, removed after).
Target: every row under 512 MB and 10 s.

Usage: run.py [--timeout 120] [--only NAME[,NAME]] [--out results.json]
Prints a Markdown table (the one in benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PY = sys.executable
MB = 1024 * 1024
NORMAL = REPO / "examples" / "fleet" / "cache-01" / "kvrocks.conf"
HELM_HEAD = "kvrocks:\n  config:\n    port: 6666\n    rocksdb.row_cache_size: 1024\n"

# Rows whose time depends on another engineer's fix of issue 16 (rerun after merging).
DEPENDS = {"namespaces-10k-mixed-case": "linear masking (redact.py)",
           "single-key-15mb": "linear wrapping (report/text.py)"}


def _fill(path: Path, head: str, line: Callable[[int], str], size: int) -> None:
    """``head`` then ``line(i)`` for i = 0, 1, ... until the file holds ``size`` bytes."""
    with open(path, "w") as fh:
        fh.write(head)
        n = len(head)
        i = 0
        while n < size:
            s = line(i)
            fh.write(s)
            n += len(s)
            i += 1


def _alias_bomb(levels: int = 9, width: int = 9) -> str:
    rows = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    rows += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(rows) + "\n"


def _merge_bomb(levels: int = 40) -> str:
    rows = ["m0: &m0 {k0: v}"]
    rows += [f"m{i}: &m{i}\n  <<: [*m{i - 1}, *m{i - 1}]\n  k{i}: v" for i in range(1, levels)]
    return "\n".join(rows) + "\n"


def generate(d: Path) -> dict[str, tuple[str, list[str]]]:
    """name -> (what it is, kvupgrade arguments after `plan --to 2.14.0`)."""
    cases: dict[str, tuple[str, list[str]]] = {}

    def conf(name: str, what: str, head: str, line: Callable[[int], str], size: int, *extra: str) -> None:
        p = d / f"{name}.conf"
        _fill(p, head, line, size)
        cases[name] = (what, [*extra, str(p)])

    conf("short-lines-10mb", "10 MB of 2-byte lines (`x`: a key without a value)", "port 6666\n",
         lambda i: "x\n", 10 * MB)
    conf("blank-lines-16mb", "16 MB of empty lines", "port 6666\n", lambda i: "\n", 16 * MB - 16)
    conf("dup-keys-1m", "1,000,000 duplicated keys (`workers 4`, 10 MB)", "port 6666\n",
         lambda i: "workers 4\n", 10_000_010)
    conf("dup-keys-10k", "9,999 duplicated keys (`rocksdb.row_cache_size 1`), under the key-line limit",
         "port 6666\n", lambda i: "rocksdb.row_cache_size 1\n", 10 + 25 * 9_999)
    conf("distinct-keys-10k", "9,999 distinct unknown keys, under the key-line limit", "port 6666\n",
         lambda i: f"k{i:05d} 1\n", 10 + 9 * 9_999)
    conf("namespaces-60k", "60,000 `namespace.<name> <token>` lines", "port 6666\n",
         lambda i: f"namespace.ns{i:05d} token{i:05d}\n", 10 + 29 * 60_000)
    conf("namespaces-10k-mixed-case", "9,999 mixed-case namespace lines from 2.0.0 (a finding and a secret each)",
         "port 6666\n", lambda i: f"namespace.Ns{i:05d} token{i:05d}\n", 10 + 29 * 9_999, "--from", "2.0.0")
    conf("at-line-limits", "9,999 key lines without a value and 190,000 comment lines: just under both line limits",
         "port 6666\n" + "x\n" * 9_999, lambda i: "#\n", 10 + 2 * 199_999)
    p = d / "single-key-15mb.conf"
    p.write_text("port 6666\n" + "k" * (15 * MB) + " 1\n")
    cases["single-key-15mb"] = ("one line whose key is 15 MB", [str(p)])

    p = d / "values-11mb.yaml"
    _fill(p, HELM_HEAD + "extra:\n", lambda i: f"  key{i:07d}: value{i:07d}\n", 11 * MB)
    cases["yaml-11mb-many-lines"] = ("11 MB Helm values, 427,000 lines of small entries", [str(p)])
    p = d / "values-11mb-flow.yaml"
    _fill(p, HELM_HEAD + "extra:\n", lambda i: "  - [" + ", ".join(["v"] * 60) + "]\n", 11 * MB)
    cases["yaml-11mb-many-nodes"] = ("11 MB Helm values, 60,000 lines of 60-item flow lists (3.6 M nodes)", [str(p)])
    p = d / "values-11mb-scalars.yaml"
    _fill(p, HELM_HEAD + "notes: |\n", lambda i: "  " + "n" * 98 + "\n", 11 * MB)
    cases["yaml-11mb-block-scalar"] = ("11 MB Helm values, one 11 MB block scalar", [str(p)])
    p = d / "values-3mb-scalars.yaml"
    _fill(p, HELM_HEAD + "notes: |\n", lambda i: "  " + "n" * 98 + "\n", 3 * MB - 200)
    cases["yaml-3mb-block-scalar"] = ("3 MB Helm values (just under the YAML limit), one block scalar", [str(p)])
    p = d / "values-29k-nodes.yaml"
    _fill(p, HELM_HEAD + "extra:\n", lambda i: "  - [" + ", ".join(["v"] * 60) + "]\n", len(HELM_HEAD) + 7 + 491 * 185)
    cases["yaml-29k-nodes"] = ("Helm values of 29,960 nodes (just under the node limit), 60-item flow lists", [str(p)])
    for kind, bomb, ref in (("alias", _alias_bomb(), "*a8"), ("merge-key", _merge_bomb(), "*m39")):
        p = d / f"values-{kind}-bomb.yaml"
        p.write_text(HELM_HEAD + bomb + f"extra: {ref}\n")
        cases[f"{kind}-bomb-carrier"] = (f"{kind} bomb in Helm values", [str(p)])
        p = d / f"inventory-{kind}-bomb.yaml"
        p.write_text(bomb + f"'*.conf': {ref}\n")
        cases[f"{kind}-bomb-inventory"] = (f"{kind} bomb as `--inventory`", ["--inventory", str(p), str(NORMAL)])
    return cases


TIME = "/usr/bin/time"


def measure(argv: list[str], timeout: float) -> dict:
    """Wall time and peak RSS of one run. The RSS comes from GNU time (%M): a child forked from this
    Python process would report at least this process's own RSS (Linux carries the high-water mark
    across fork and exec), so the run is started by the small `time` binary instead."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t0 = time.monotonic()
        proc = subprocess.Popen([TIME, "-o", tf.name, "-f", "%M", *argv], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, err_b = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return {"seconds": round(time.monotonic() - t0, 2), "rss_mb": None, "exit": "timeout", "said": ""}
        wall = time.monotonic() - t0
        rss_kb = int(tf.read().strip().splitlines()[-1])
    err = err_b.decode(errors="replace")
    said = next((ln for ln in err.splitlines() if "error" in ln), "")
    return {"seconds": round(wall, 3), "rss_mb": round(rss_kb / 1024, 1), "exit": proc.returncode, "said": said[:200]}


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--timeout", type=float, default=120.0, help="kill a run after this many seconds")
    ap.add_argument("--only", default="", help="comma-separated case names")
    ap.add_argument("--out", help="write the results as JSON here")
    a = ap.parse_args(argv)
    kv = [PY, "-m", "upgrader", "plan", "--to", "2.14.0"]
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                     "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "rows": {}}
    with tempfile.TemporaryDirectory(prefix="kvupgrade-hostile-") as tmp:
        cases = generate(Path(tmp))
        only = [s for s in a.only.split(",") if s]
        base_py = measure([PY, "-c", "pass"], a.timeout)
        base = measure(kv + [str(NORMAL)], a.timeout)
        results["baseline"] = {"python -c pass": base_py, "plan cache-01/kvrocks.conf": base}
        for name, (what, args) in cases.items():
            if only and name not in only:
                continue
            size = sum(os.path.getsize(x) for x in args if x.startswith(tmp))
            r = measure(kv + args, a.timeout)
            r.update(what=what, bytes=size, depends_on=DEPENDS.get(name), time_x=round(r["seconds"] / base["seconds"], 1),
                     rss_x=round(r["rss_mb"] / base["rss_mb"], 2) if r["rss_mb"] is not None else None)
            results["rows"][name] = r
            print(f"{name}: {r['seconds']} s, {r['rss_mb']} MB, exit {r['exit']}", file=sys.stderr, flush=True)
    if a.out:
        Path(a.out).write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    return 0


def table(res: dict) -> str:
    b = res["baseline"]["plan cache-01/kvrocks.conf"]
    p = res["baseline"]["python -c pass"]
    out = [f"Baselines: `python -c pass` {p['seconds']:.3f} s, {p['rss_mb']} MB; plan of"
           f" `examples/fleet/cache-01/kvrocks.conf` {b['seconds']:.3f} s, {b['rss_mb']} MB ({res['started']}).", "",
           "| input | size | exit | peak RSS | x baseline | time | x baseline | under 512 MB / 10 s | what kvupgrade says |",
           "|---|---|---|---|---|---|---|---|---|"]
    for name, r in res["rows"].items():
        ok = r["exit"] != "timeout" and r["rss_mb"] < 512 and r["seconds"] < 10
        rss = f"{r['rss_mb']} MB | {r['rss_x']}x" if r["rss_mb"] is not None else "? | ?"
        mark = "yes" if ok else "**no**" + (f" (waits for {r['depends_on']})" if r.get("depends_on") else "")
        said = r["said"].replace("|", "\\|").split(".conf: ", 1)[-1].split(".yaml: ", 1)[-1] if r["said"] else "planned"
        if r["exit"] == "timeout":
            said = f"killed after {r['seconds']} s"
        out.append(f"| {name}: {r['what']} | {r['bytes'] / MB:.1f} MB | {r['exit']} | {rss}"
                   f" | {r['seconds']} s | {r['time_x']}x | {mark} | {said} |")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
