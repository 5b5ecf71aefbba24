#!/usr/bin/env python3
"""Start-up benchmark: a single-file `kvupgrade plan` against a bare typer app that prints one line.

Three commands, interleaved run by run (so the machine's load drift hits all alike), median of RUNS:
  pass    python -c pass                       the interpreter alone
  typer   a bare typer app printing one line   the floor of any typer command line
  plan    kvupgrade plan --from 2.12.1 --to 2.13.0 CONF   CONF a generated shipped-size kvrocks.conf
Reported: each median, of wall time and of CPU time (user + system; on a shared machine the wall
time also counts waiting for a core), and the ratios plan/typer (target <= 1.6), plan/pass, typer/pass.
--other-typer PY (repeatable) adds the bare app under another interpreter, e.g. a scratch venv with
another typer release, to measure what that release costs at start-up in the same run.
Usage: run.py [--runs 30] [--out results.json] [--other-typer PY ...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable
BARE = """import typer

app = typer.Typer(add_completion=False)


@app.command()
def main() -> None:
    print("hello")


app()
"""


def shipped_size_conf(version: str = "2.12.1") -> str:
    """A kvrocks.conf shaped like a shipped one (~40 KB): every option of VERSION set to its shipped
    value or default, each under a paragraph of comment, plus the row cache 2.13.0 deprecates."""
    sys.path.insert(0, str(REPO))
    from upgrader.matrix import load_matrix

    m = load_matrix()
    out = ["# Kvrocks configuration file (generated for the start-up benchmark)", ""]
    for name, st in sorted(m.options_at(m.resolve(version)).items()):
        value = st.shipped if st.shipped is not None else st.default
        value = value if value not in (None, "") else '""'  # an empty value, as the shipped files write it
        out += [f"# {name}: a {st.type} option{' (read-only at runtime)' if st.readonly else ''}.",
                "#",
                "# The shipped file explains each option in a paragraph like this one: what it controls,",
                f"# its unit, when a change takes effect and what the default of {st.default!r} means.",
                "#",
                f"{name} {value}", ""]
    out += ["rocksdb.row_cache_size 1024", ""]
    return "\n".join(out)


def once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system of the child). On a shared machine a run's wall
    time includes waiting for a core; its CPU time does not, so both are reported."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode not in (0, 3):
        raise SystemExit(f"{cmd} exited {p.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--out", default=None)
    ap.add_argument("--other-typer", action="append", default=[], metavar="PY",
                    help="also time the bare typer app under this interpreter")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kvupgrade-startup-"))
    conf = work / "kvrocks.conf"
    conf.write_text(shipped_size_conf())
    bare = work / "bare_typer.py"
    bare.write_text(BARE)
    env = dict(os.environ, NO_COLOR="1")
    # An installed tool runs from its bytecode cache (pip compiles on install): keep it, in a
    # private prefix so the first (warm-up) run writes it and the timed runs read it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    script = Path(PY).with_name("kvupgrade")
    kv = [str(script)] if script.exists() else [PY, "-m", "upgrader"]
    cmds = {"pass": [PY, "-c", "pass"], "typer": [PY, str(bare)],
            "plan": [*kv, "plan", "--from", "2.12.1", "--to", "2.13.0", str(conf)]}
    for i, other in enumerate(a.other_typer):
        cmds[f"typer@{other}"] = [other, str(bare)]
    load0 = os.getloadavg()
    for cmd in cmds.values():
        once(cmd, env)  # warm-up: bytecode cache, page cache, the matrix cache
    wall: dict[str, list[float]] = {k: [] for k in cmds}
    cpu: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(a.runs):
        for k, cmd in cmds.items():
            w, c = once(cmd, env)
            wall[k].append(w)
            cpu[k].append(c)

    def med(series: dict[str, list[float]]) -> dict[str, float]:
        return {k: round(statistics.median(v) * 1000, 1) for k, v in series.items()}

    def ratios(m: dict[str, float]) -> dict[str, float]:
        return {"plan_over_typer": round(m["plan"] / m["typer"], 2), "plan_over_pass": round(m["plan"] / m["pass"], 2),
                "typer_over_pass": round(m["typer"] / m["pass"], 2),
                **{f"{k}_minus_typer_ms": round(m[k] - m["typer"], 1) for k in m if k.startswith("typer@")}}

    mw, mc = med(wall), med(cpu)
    res: dict = {"python": sys.version.split()[0], "runs": a.runs, "loadavg_start": load0,
                 "loadavg_end": os.getloadavg(), "conf_bytes": conf.stat().st_size, "median_wall_ms": mw,
                 "median_cpu_ms": mc, "ratios_wall": ratios(mw), "ratios_cpu": ratios(mc)}
    try:
        import typer

        res["typer"] = typer.__version__
    except ImportError:
        pass
    text = json.dumps(res, indent=2)
    print(text)
    if a.out:
        Path(a.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
