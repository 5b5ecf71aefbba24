"""The wheel carries the matrix, its schema and the transforms, and works without the repo or ../shared."""

from __future__ import annotations

import pytest

import os
import subprocess
import sys
import zipfile
from pathlib import Path

pytestmark = pytest.mark.slow  # builds and installs the wheel (CI runs it)


def test_wheel_is_self_contained(tmp_path: Path, repo_root: Path) -> None:
    out = tmp_path / "dist"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                        "-w", str(out), str(repo_root)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    (wheel,) = out.glob("kvupgrade-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("upgrader/data/version_matrix.yaml", "upgrader/version_matrix.schema.json",
                   "upgrader/schemas/report.schema.json", "transforms/comment_out.py", "upgrader/cli.py"):
        assert needed in names, needed
    assert not any(n.startswith(("tests/", "tools/", "benchmarks/")) for n in names)
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    conf = tmp_path / "kvrocks.conf"
    conf.write_text("rocksdb.row_cache_size 1024\n")
    env = {**os.environ, "PYTHONPATH": str(site), "KVUPGRADE_NO_CACHE": "1"}
    r = subprocess.run([sys.executable, "-c", "import upgrader, sys; from upgrader.__main__ import main; "
                        "assert upgrader.__file__.startswith(sys.argv[1]), upgrader.__file__; "
                        "sys.argv = ['kvupgrade', 'plan', '--from', '2.12.1', '--to', '2.13.0', sys.argv[2]]; main()",
                        str(site), str(conf)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert r.returncode == 3, r.stderr[-2000:]
    assert "rocksdb.row_cache_size" in r.stdout and "deprecated in 2.13.0" in r.stdout
