"""Two applies on the same files at once: the per-file lock serialises them, so nothing is lost,
each file is transformed exactly once and no marker comment is doubled."""

from __future__ import annotations

import pytest

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.test_fleet import FROM, MARKER, REPO, TO, make_fleet
from upgrader.manifest import read_manifest

pytestmark = pytest.mark.slow  # two full applies racing on one fleet, in subprocesses (CI runs it)


def test_two_concurrent_applies_on_the_same_fleet(tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    old = make_fleet(root, 80, bad=False)
    env = dict(os.environ, PYTHONPATH=str(REPO), KVUPGRADE_LOCK_DIR=str(tmp_path / "locks"))
    env.pop("FORCE_COLOR", None)
    # Same backup dir: both runs append to one manifest (flock-serialised lines).
    cmd = [sys.executable, "-m", "upgrader", "apply", "--to", TO, "--from", FROM, "-j", "2", "--no-diff",
           "-f", "jsonl", "--backup-dir", str(tmp_path / "bk"), str(root)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode in (0, 3), err
    written: dict[str, int] = {}
    for out, _ in outs:
        for line in out.splitlines():
            rec = json.loads(line)
            if rec["type"] == "file" and rec["written"]:
                written[rec["path"]] = written.get(rec["path"], 0) + 1
    to_change = [p for p, data in old.items() if b"row_cache_size" in data]
    assert sorted(written) == sorted(to_change)
    assert set(written.values()) == {1}  # each file transformed exactly once, by one of the runs
    for p, data in old.items():
        text = Path(p).read_text()
        assert text.count(MARKER) == (1 if p in to_change else 0), p
        assert text.count("rocksdb.row_cache_size") == data.decode().count("rocksdb.row_cache_size")
    man = read_manifest(str(tmp_path / "bk"))
    assert not man.problems and len(man.runs) == 2 and len(man.entries) == len(to_change)
    rb = subprocess.run([sys.executable, "-m", "upgrader", "rollback", str(tmp_path / "bk")], capture_output=True,
                        text=True, env=env, timeout=120)
    assert rb.returncode == 0, rb.stderr
    for p, data in old.items():
        assert Path(p).read_bytes() == data


def test_apply_concurrent_with_rollback_is_serialised_per_file(tmp_path: Path) -> None:
    """A rollback racing a second apply never leaves a file partial or mixed."""
    root = tmp_path / "fleet"
    old = make_fleet(root, 40, bad=False)
    env = dict(os.environ, PYTHONPATH=str(REPO), KVUPGRADE_LOCK_DIR=str(tmp_path / "locks"))
    base = [sys.executable, "-m", "upgrader"]
    apply = base + ["apply", "--to", TO, "--from", FROM, "--no-diff", "--backup-dir", str(tmp_path / "bk"), str(root)]
    subprocess.run(apply, capture_output=True, env=env, timeout=120)
    new = {p: Path(p).read_bytes() for p in old}
    procs = [subprocess.Popen(base + ["rollback", str(tmp_path / "bk")], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=env),
             subprocess.Popen(apply, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)]
    for p in procs:
        p.wait(timeout=120)
    for p, data in old.items():
        assert Path(p).read_bytes() in (data, new[p])
