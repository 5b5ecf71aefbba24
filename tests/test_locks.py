"""Locks no other user can subvert (issue 16, class 5): the lock directory must be a real
directory owned by the invoking user, writable by no one else, in a parent others cannot replace
it in; a planted lock file (a link, another user's file, a hard link) is refused with a clear
error; and filelock itself neither follows a link at the lock path nor truncates the holder's file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_bad_inputs import GOOD, assert_clean_error, digest
from tests.test_fleet import REPO
from upgrader.fileio import lock_name


def kv_env(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    e = {k: v for k, v in os.environ.items() if k not in ("KVUPGRADE_LOCK_DIR", "FORCE_COLOR")}
    e.update(PYTHONPATH=str(REPO), NO_COLOR="1", **env)
    return subprocess.run([sys.executable, "-m", "upgrader", *args], capture_output=True, text=True, env=e,
                          timeout=60)


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(config, TMPDIR, the default lock directory kvupgrade will use under that TMPDIR)."""
    conf = tmp_path / "etc" / "kvrocks.conf"
    conf.parent.mkdir()
    conf.write_text(GOOD)
    tmp = tmp_path / "tmp"
    tmp.mkdir(mode=0o700)
    return conf, tmp, tmp / f"kvupgrade-locks-{os.getuid()}"


def _apply(conf: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    return kv_env("apply", "--from", "2.12.0", "--to", "2.14.0", "--no-backup", str(conf), env={"TMPDIR": str(tmp)})


def test_a_good_private_lock_directory_is_created_0700_and_used(setup: tuple[Path, Path, Path]) -> None:
    conf, tmp, locks = setup
    r = _apply(conf, tmp)
    assert r.returncode == 3, r.stderr
    assert locks.is_dir() and (locks.stat().st_mode & 0o777) == 0o700
    assert (locks / lock_name(str(conf.resolve()))).is_file()


def test_a_lock_directory_planted_as_a_symlink_is_refused(setup: tuple[Path, Path, Path], tmp_path: Path) -> None:
    conf, tmp, locks = setup
    elsewhere = tmp_path / "attacker"
    elsewhere.mkdir()
    locks.symlink_to(elsewhere)
    before = digest(conf)
    assert_clean_error(_apply(conf, tmp), str(locks), "refusing the lock directory", "symbolic link")
    assert digest(conf) == before and list(elsewhere.iterdir()) == []


def test_a_lock_directory_others_can_write_is_refused(setup: tuple[Path, Path, Path]) -> None:
    conf, tmp, locks = setup
    locks.mkdir()
    locks.chmod(0o777)
    before = digest(conf)
    assert_clean_error(_apply(conf, tmp), str(locks), "writable by other users (mode 0777)")
    assert digest(conf) == before


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a directory to another user needs root")
def test_a_lock_directory_of_another_user_is_refused(setup: tuple[Path, Path, Path]) -> None:
    conf, tmp, locks = setup
    locks.mkdir(mode=0o700)
    os.chown(locks, 65534, 65534)
    assert_clean_error(_apply(conf, tmp), str(locks), "owned by uid 65534")


def test_a_parent_others_can_write_without_the_sticky_bit_is_refused(setup: tuple[Path, Path, Path]) -> None:
    conf, tmp, _ = setup
    tmp.chmod(0o777)
    assert_clean_error(_apply(conf, tmp), str(tmp), "without the sticky bit")
    tmp.chmod(0o1777)  # as /tmp: fine
    assert _apply(conf, tmp).returncode == 3


@pytest.mark.parametrize("plant", ["symlink", "hardlink", "directory"])
def test_a_planted_lock_file_is_refused_and_its_target_untouched(setup: tuple[Path, Path, Path], tmp_path: Path,
                                                                plant: str) -> None:
    conf, tmp, locks = setup
    locks.mkdir(mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    lock = locks / lock_name(str(conf.resolve()))
    if plant == "symlink":
        lock.symlink_to(victim)
    elif plant == "hardlink":
        os.link(victim, lock)
    else:
        lock.mkdir()
    before = digest(conf)
    r = _apply(conf, tmp)
    assert_clean_error(r, str(lock), "refusing the lock file")
    assert "internal error" not in r.stderr
    assert digest(conf) == before and victim.read_text() == "precious\n"


def test_filelock_neither_follows_a_link_nor_truncates_the_holders_file(tmp_path: Path) -> None:
    """The floor in pyproject (filelock>=3.30.0): O_NOFOLLOW since 3.20.1 (CVE-2025-68146), and no
    O_TRUNC by a contender since 3.30.0 (tox-dev/filelock#591)."""
    from filelock import FileLock, Timeout

    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    link = tmp_path / "link.lock"
    link.symlink_to(victim)
    with pytest.raises(OSError):
        FileLock(str(link), timeout=0).acquire()
    assert victim.read_text() == "precious\n"

    path = str(tmp_path / "held.lock")
    holder = FileLock(path, timeout=0)
    with holder:
        with open(path, "w") as fh:
            fh.write("holder's note\n")
        with pytest.raises(Timeout):
            FileLock(path, timeout=0, is_singleton=False).acquire()  # another lock object, as another process
        assert Path(path).read_text() == "holder's note\n"
