"""A fleet apply SIGKILLed at random moments leaves every file old or new (never partial); a
rerun finishes the job and one rollback with the manifest restores every original."""

from __future__ import annotations

import pytest

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.test_fleet import FROM, REPO, TO, make_fleet
from upgrader import fileio, fleet
from upgrader.manifest import read_manifest
from upgrader.request import Request

pytestmark = pytest.mark.slow  # SIGKILLs a 200-file apply eight times (CI runs it)

N_FILES = 200
KILLS = 8


def _expected(tmp_path: Path, files: dict[str, bytes], root: Path) -> dict[str, bytes]:
    ref = tmp_path / "reference"
    shutil.copytree(root, ref)
    job = fleet.FleetJob(command="apply", request=Request.build(to=TO, from_=FROM), backup=False, with_diff=False)
    recs = list(fleet.run_files(job, [str(ref / os.path.relpath(p, root)) for p in files], jobs=1))
    assert all(r["status"] != "error" for r in recs)
    return {p: (ref / os.path.relpath(p, root)).read_bytes() for p in files}


def _group_gone(pgid: int, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.01)
    return False


def _temps(root: Path) -> list[str]:
    return [os.path.join(top, n) for top, _, names in os.walk(root) for n in names if fileio.TEMP_NAME.fullmatch(n)]


def test_sigkill_at_random_moments_then_rerun_then_rollback(tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    old = make_fleet(root, N_FILES, bad=False)
    new = _expected(tmp_path, old, root)
    assert sum(old[p] != new[p] for p in old) > N_FILES // 2
    env = dict(os.environ, PYTHONPATH=str(REPO), KVUPGRADE_LOCK_DIR=str(tmp_path / "locks"))
    cmd = [sys.executable, "-m", "upgrader", "apply", "--to", TO, "--from", FROM, "-j", "2", "--no-diff",
           "-f", "jsonl", "--backup-dir", str(tmp_path / "bk"), str(root)]
    seed = int(os.environ.get("KVUPGRADE_CRASH_SEED") or time.time())
    rng = random.Random(seed)
    states = []
    for i in range(KILLS):
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                             start_new_session=True)
        # A random moment measured in progress, not seconds (so it does not depend on the
        # machine's speed): after a random number of reported files, plus a random few ms;
        # workers are ahead of the report by up to the in-flight window.
        target = rng.randrange(0, N_FILES)
        assert p.stdout is not None
        for _ in range(target):
            if not p.stdout.readline():
                break
        time.sleep(rng.uniform(0, 0.03))
        if i % 2:
            os.killpg(p.pid, signal.SIGKILL)  # the whole run at once
        else:
            os.kill(p.pid, signal.SIGKILL)  # only the parent: its workers must die with it
        p.wait()
        p.stdout.close()
        assert _group_gone(p.pid), f"workers outlived the killed run (seed {seed})"
        done = 0
        for path, data in old.items():
            now = Path(path).read_bytes()
            assert now in (data, new[path]), f"{path} is partial after kill {i} (seed {seed})"
            done += now == new[path] != data
        states.append(done)
        if (tmp_path / "bk" / "manifest.jsonl").exists():  # absent when killed during start-up
            read_manifest(str(tmp_path / "bk"))  # stays readable (a torn last line at most is skipped)
    left = _temps(root)  # temp files the kills left mid-write (often none: the window is short)
    finish = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert finish.returncode in (0, 3), finish.stderr
    for path in old:
        assert Path(path).read_bytes() == new[path], path
    assert _temps(root) == [], f"the rerun left the killed runs' temp files (seed {seed})"
    man = read_manifest(str(tmp_path / "bk"))
    assert len(man.problems) <= KILLS
    rb = subprocess.run([sys.executable, "-m", "upgrader", "rollback", str(tmp_path / "bk")], capture_output=True,
                        text=True, env=env, timeout=120)
    assert rb.returncode == 0, rb.stdout + rb.stderr
    for path, data in old.items():
        assert Path(path).read_bytes() == data, path
    print(f"seed {seed}: files done after each kill: {states}; temp files left by the kills: {len(left)}")


# --- kill points inside a batch (issue 15, part 2) -----------------------------------------------
# A fleet apply writes each chunk as one batch (upgrader/batchapply.py): stage every backup and temp
# file, one durability pass, one manifest append, the renames, one directory sync. The test-only
# fault point KVUPGRADE_TEST_KILL=<point>:<n> SIGKILLs the run's whole process group the n-th time a
# process reaches <point>; the guarantees are those above.

BATCH_FILES = 120  # -j 2: chunks of 15 (the whole fleet fits the window: spread over 8 chunks)


@pytest.mark.parametrize("point,nth,jobs", [
    ("staged", 1, "2"),  # temps and backups written, nothing synced
    ("synced", 1, "2"),  # durable, no manifest record yet
    ("journaled", 1, "2"),  # manifest records durable, nothing renamed
    ("journaled", 3, "2"),  # the same, after earlier chunks were done
    ("renamed", 1, "2"),  # after the first rename of a chunk
    ("renamed", 7, "2"),  # between two renames in the middle of a chunk
    ("renamed", 40, "2"),  # later chunks, mid-chunk
    ("before-dirsync", 2, "2"),  # every rename of a chunk done, directories not yet synced
    ("renamed", 20, "1"),  # in-process batches (-j 1)
])
def test_sigkill_inside_a_batch_then_rerun_then_rollback(tmp_path: Path, point: str, nth: int, jobs: str) -> None:
    from upgrader.batchapply import KILL_POINTS
    from upgrader.manifest import sha256

    assert point in KILL_POINTS
    root = tmp_path / "fleet"
    old = make_fleet(root, BATCH_FILES, bad=False)
    new = _expected(tmp_path, old, root)
    env = dict(os.environ, PYTHONPATH=str(REPO), KVUPGRADE_LOCK_DIR=str(tmp_path / "locks"))
    bk = tmp_path / "bk"
    cmd = [sys.executable, "-m", "upgrader", "apply", "--to", TO, "--from", FROM, "-j", jobs, "--no-diff",
           "-f", "jsonl", "--backup-dir", str(bk), str(root)]
    killed = subprocess.run(cmd, capture_output=True, env=dict(env, KVUPGRADE_TEST_KILL=f"{point}:{nth}"),
                            start_new_session=True, timeout=120)  # its own group: the fault kills only it
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    man = read_manifest(str(bk))  # readable after the kill
    recorded = {e["realpath"]: e for e in man.entries}
    done = 0
    for path, data in old.items():
        now = Path(path).read_bytes()
        assert now in (data, new[path]), f"{path} is partial after a kill at {point}:{nth}"
        if now != data:  # changed: the manifest describes it, with a durable backup of the original
            done += 1
            e = recorded[os.path.realpath(path)]
            assert e["sha256_after"] == sha256(now) and Path(e["backup"]).read_bytes() == data
    if point in ("staged", "synced", "journaled") and nth == 1:
        assert done == 0  # no chunk had reached its renames
    if point == "renamed":
        assert done >= nth  # every rename before the kill stands
    finish = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert finish.returncode in (0, 3), finish.stderr
    for path in old:
        assert Path(path).read_bytes() == new[path], path
    assert _temps(root) == [], "the rerun left the killed run's temp files"
    rb = subprocess.run([sys.executable, "-m", "upgrader", "rollback", str(bk)], capture_output=True, text=True,
                        env=env, timeout=120)
    assert rb.returncode == 0, rb.stdout + rb.stderr
    for path, data in old.items():
        assert Path(path).read_bytes() == data, path


def test_random_kill_points_inside_batches_one_after_another(tmp_path: Path) -> None:
    """Kills at seeded random fault points, each run going on from the last one's state; then a
    rerun finishes and one rollback (over every killed run's records) restores every original."""
    from upgrader.batchapply import KILL_POINTS

    root = tmp_path / "fleet"
    old = make_fleet(root, N_FILES, bad=False)
    new = _expected(tmp_path, old, root)
    env = dict(os.environ, PYTHONPATH=str(REPO), KVUPGRADE_LOCK_DIR=str(tmp_path / "locks"))
    cmd = [sys.executable, "-m", "upgrader", "apply", "--to", TO, "--from", FROM, "-j", "2", "--no-diff",
           "-f", "jsonl", "--backup-dir", str(tmp_path / "bk"), str(root)]
    seed = int(os.environ.get("KVUPGRADE_CRASH_SEED") or time.time())
    rng = random.Random(seed)
    for i in range(4):
        point = rng.choice(KILL_POINTS)
        spec = f"{point}:{rng.randrange(1, 30 if point == 'renamed' else 4)}"
        r = subprocess.run(cmd, capture_output=True, env=dict(env, KVUPGRADE_TEST_KILL=spec),
                           start_new_session=True, timeout=120)
        assert r.returncode in (-signal.SIGKILL, 0, 3), f"{spec} (seed {seed})"  # 0/3: the point was never reached
        for path, data in old.items():
            assert Path(path).read_bytes() in (data, new[path]), f"{path} partial after {spec} (seed {seed})"
        read_manifest(str(tmp_path / "bk"))
    finish = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert finish.returncode in (0, 3), finish.stderr
    assert all(Path(p).read_bytes() == new[p] for p in old) and _temps(root) == []
    rb = subprocess.run([sys.executable, "-m", "upgrader", "rollback", str(tmp_path / "bk")], capture_output=True,
                        text=True, env=env, timeout=120)
    assert rb.returncode == 0, rb.stdout + rb.stderr
    for path, data in old.items():
        assert Path(path).read_bytes() == data, f"{path} (seed {seed})"
