"""Runs the coverage-guided fuzz target (fuzz/fuzz_parser.py) for a bounded time.

atheris is optional outside CI (the test skips without it); .ci/run installs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a 20-second coverage-guided fuzzing run (CI runs it)

SECONDS = int(os.environ.get("KVUPGRADE_FUZZ_SECONDS", "20"))


def test_fuzz_parser_and_planner(tmp_path: Path, repo_root: Path) -> None:
    try:
        import atheris  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("atheris is required under CI")
        pytest.skip("atheris not installed (pip install atheris)")
    corpus = tmp_path / "corpus"
    shutil.copytree(repo_root / "fuzz" / "corpus", corpus)
    r = subprocess.run(
        [sys.executable, str(repo_root / "fuzz" / "fuzz_parser.py"), f"-max_total_time={SECONDS}",
         "-print_final_stats=1", f"-artifact_prefix={tmp_path}/", str(corpus)],
        capture_output=True, text=True, cwd=tmp_path, timeout=SECONDS + 120,
        env={**os.environ, "PYTHONPATH": str(repo_root)},
    )
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-3000:]
    runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", out)
    assert runs and int(runs.group(1)) > 100, out[-2000:]
    print(f"fuzz: {runs.group(1)} executions in {SECONDS}s")
