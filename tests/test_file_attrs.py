"""Nothing lost around the file (issue 16, class 4): extended attributes and POSIX ACLs survive
``apply`` (and ``rollback``); a backup or a manifest that fails part-way (disk full) is removed,
never left short or empty; temp files of a killed run are removed by the next apply or rollback
(only kvupgrade's own pattern, only with the target's lock free, only older than the run)."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

import upgrader.fileio as fileio
from tests.test_bad_inputs import GOOD, kv
from upgrader.api import apply_file
from upgrader.manifest import Journal

ACL = "system.posix_acl_access"


def _xattrs(p: Path) -> dict[str, bytes]:
    return {n: os.getxattr(p, n) for n in os.listxattr(p)}


def _need_user_xattrs(p: Path) -> None:
    if not hasattr(os, "setxattr"):
        pytest.skip("no extended attributes on this platform")
    try:
        os.setxattr(p, "user.kvupgrade-probe", b"1")
        os.removexattr(p, "user.kvupgrade-probe")
    except OSError as exc:
        pytest.skip(f"this file system refuses user xattrs: {exc.strerror}")


def _setfacl(p: Path, spec: str) -> None:
    if not shutil.which("setfacl"):
        pytest.skip("setfacl not installed (Debian package 'acl'; .ci/run installs it)")
    r = subprocess.run(["setfacl", "-m", spec, str(p)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"this file system refuses ACLs: {r.stderr.strip()}")


@pytest.fixture
def reachable_dir() -> Iterator[Path]:
    """A directory uid 65534 can traverse (pytest's tmp_path is private to the user running it)."""
    d = Path(tempfile.mkdtemp(prefix="kvupgrade-acl-"))
    d.chmod(0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_apply_keeps_user_xattrs_and_the_acl_on_the_file_and_the_backup(tmp_path: Path) -> None:
    p = tmp_path / "kvrocks.conf"
    p.write_text(GOOD)
    _need_user_xattrs(p)
    os.setxattr(p, "user.owner-team", b"storage")
    p.chmod(0o640)
    _setfacl(p, "u:65534:r")
    before = _xattrs(p)
    assert ACL in before and "user.owner-team" in before
    out = apply_file(str(p), from_="2.12.0", to="2.14.0")
    assert out.error is None and out.written
    assert p.read_text() != GOOD
    assert _xattrs(p) == before
    assert _xattrs(Path(out.backup)) == before  # the backup kept them already (shutil.copystat)
    assert p.stat().st_mode & 0o777 == 0o640


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                    reason="reading as another user needs root and setpriv")
def test_a_service_user_granted_read_by_acl_still_reads_its_config(reachable_dir: Path) -> None:
    p = reachable_dir / "kvrocks.conf"
    p.write_text(GOOD)
    p.chmod(0o600)  # only the owner (root) by mode; the service user by ACL
    _setfacl(p, "u:65534:r")
    as_service = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "cat", str(p)]
    assert subprocess.run(as_service, capture_output=True).returncode == 0
    r = kv("apply", "--from", "2.12.0", "--to", "2.14.0", str(p))
    assert r.returncode == 3, r.stderr
    read = subprocess.run(as_service, capture_output=True, text=True)
    assert read.returncode == 0, read.stderr
    assert read.stdout == p.read_text() != GOOD


def test_rollback_restores_the_xattrs_too(tmp_path: Path) -> None:
    p = tmp_path / "f" / "kvrocks.conf"
    p.parent.mkdir()
    p.write_text(GOOD)
    _need_user_xattrs(p)
    os.setxattr(p, "user.owner-team", b"storage")
    env = {"KVUPGRADE_LOCK_DIR": str(tmp_path / "locks")}
    from tests.test_fleet import kv as kv_fleet

    r = kv_fleet("apply", "--from", "2.12.0", "--to", "2.14.0", "--backup-dir", str(tmp_path / "bk"), str(p),
                 env=env)
    assert r.returncode == 3, r.stderr
    assert kv_fleet("rollback", str(tmp_path / "bk"), env=env).returncode == 0
    assert p.read_text() == GOOD and os.getxattr(p, "user.owner-team") == b"storage"
    p.unlink()  # a deleted file comes back with the backup's attributes
    assert kv_fleet("rollback", "--force", str(tmp_path / "bk"), env=env).returncode == 0
    assert p.read_text() == GOOD and os.getxattr(p, "user.owner-team") == b"storage"


# --- disk full ---------------------------------------------------------------------------------

@pytest.fixture
def disk_full(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``full(pred)``: every os.open of a path for which pred(path) is true creates the real file
    (so a leftover shows) but hands back a descriptor on /dev/full, whose writes fail with ENOSPC
    for real, whichever write call the code uses."""
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    real_open = os.open

    def full(pred: Any) -> None:
        def fake(path: Any, flags: int, mode: int = 0o777, *a: Any, **k: Any) -> int:
            fd = real_open(path, flags, mode, *a, **k)
            if not pred(os.fspath(path)):
                return fd
            os.close(fd)
            return real_open("/dev/full", os.O_WRONLY)

        monkeypatch.setattr(os, "open", fake)

    return full


def test_a_backup_that_fails_part_way_is_removed(tmp_path: Path, disk_full: Any) -> None:
    p = tmp_path / "kvrocks.conf"
    p.write_text(GOOD)
    disk_full(lambda path: path.endswith(".kvupgrade.bak"))
    for backup_dir in (None, str(tmp_path / "bk")):
        out = apply_file(str(p), from_="2.12.0", to="2.14.0", backup_dir=backup_dir)
        assert out.error is not None and "cannot write backup" in out.error and "No space left" in out.error
        assert p.read_text() == GOOD
        assert not list(tmp_path.rglob("*.kvupgrade.bak")) and not list(tmp_path.rglob("*.kvupgrade"))


def test_a_temp_file_that_fails_part_way_is_removed(tmp_path: Path, disk_full: Any) -> None:
    p = tmp_path / "kvrocks.conf"
    p.write_text(GOOD)
    disk_full(lambda path: path.endswith(".kvupgrade") and "/." in path)
    out = apply_file(str(p), from_="2.12.0", to="2.14.0", backup=False)
    assert out.error is not None and "No space left" in out.error
    assert p.read_text() == GOOD and sorted(x.name for x in tmp_path.iterdir()) == ["kvrocks.conf"]


def test_no_empty_manifest_is_left_when_its_first_record_cannot_be_written(tmp_path: Path, disk_full: Any) -> None:
    bk = tmp_path / "bk"
    disk_full(lambda path: path.startswith(str(bk)))
    j = Journal(str(bk / "manifest.jsonl"), "run-1")
    with pytest.raises(fileio.WriteError, match="cannot write the manifest .*No space left"):
        j.start("apply", "0", "2.14.0")
    j.close()
    assert not bk.exists() or list(bk.iterdir()) == []


def test_a_record_that_fails_part_way_is_taken_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    man = tmp_path / "manifest.jsonl"
    j = Journal(str(man), "run-1")
    j.start("apply", "0", "2.14.0")
    before = man.read_bytes()
    real_write = os.write
    calls = []

    def short_then_full(fd: int, data: Any) -> int:  # the disk fills in the middle of the line
        calls.append(len(data))
        if len(calls) == 1:
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", short_then_full)
    with pytest.raises(fileio.WriteError, match="No space left"):
        j.append({"type": "run", "run_id": "run-2"})
    monkeypatch.undo()
    j.close()
    assert man.read_bytes() == before


# --- temp files of a killed run ----------------------------------------------------------------

def _stale(folder: Path, name: str, age: float = 3600.0) -> Path:
    t = folder / name
    t.write_text("half a config")
    then = time.time() - age
    os.utime(t, (then, then))
    return t


@pytest.mark.parametrize("command", ["apply", "rollback"])
def test_temp_files_of_a_killed_run_are_removed_by_the_next_apply_or_rollback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    from tests.test_fleet import kv_process as kv_fleet  # the sweep keys on the run's process start

    d = tmp_path / "etc"
    d.mkdir()
    p = d / "kvrocks.conf"
    p.write_text(GOOD)
    (d / "other.conf").write_text(GOOD)
    locks = tmp_path / "locks"
    env = {"KVUPGRADE_LOCK_DIR": str(locks)}
    if command == "rollback":
        assert kv_fleet("apply", "--from", "2.12.0", "--to", "2.14.0", "--backup-dir", str(tmp_path / "bk"), str(p),
                        env=env).returncode == 3
    dead = [_stale(d, ".kvrocks.conf.a1b2c3d4.kvupgrade"), _stale(d, ".other.conf.zz_9zz9z.kvupgrade")]
    kept = [
        _stale(d, ".kvrocks.conf.e5f6g7h8.kvupgrade", age=-3600),  # younger than the run: not a dead run's
        _stale(d, ".kvrocks.conf.short.kvupgrade"),  # not our pattern (random part of 8)
        _stale(d, "kvrocks.conf.a1b2c3d4.kvupgrade"),  # not hidden: not our pattern
        _stale(d, ".held.conf.a1b2c3d4.kvupgrade"),  # its target's lock is held below
    ]
    (d / ".link.conf.a1b2c3d4.kvupgrade").symlink_to(p)  # not a regular file
    kept.append(d / ".link.conf.a1b2c3d4.kvupgrade")
    monkeypatch.setenv("KVUPGRADE_LOCK_DIR", str(locks))
    with fileio.locked(str(d / "held.conf"), timeout=5):  # a live run on held.conf
        if command == "apply":
            r = kv_fleet("apply", "--from", "2.12.0", "--to", "2.14.0", "--no-backup", str(p), env=env)
            assert r.returncode == 3, r.stderr
        else:
            r = kv_fleet("rollback", str(tmp_path / "bk"), env=env)
            assert r.returncode == 0, r.stderr
    assert [t.name for t in dead if os.path.lexists(t)] == []
    assert [t.name for t in kept if not os.path.lexists(t)] == []


def test_plan_never_removes_anything(tmp_path: Path) -> None:
    p = tmp_path / "kvrocks.conf"
    p.write_text(GOOD)
    t = _stale(tmp_path, ".kvrocks.conf.a1b2c3d4.kvupgrade")
    assert kv("plan", "--from", "2.12.0", "--to", "2.14.0", str(p)).returncode == 3
    assert t.exists()
