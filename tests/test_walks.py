"""Walks never block (issue 16, class 3): a FIFO, socket or device met in a directory walk,
whatever its name, is skipped before it is opened; only regular files are ever read."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from tests.test_fleet import REPO, TO, jsonl
from upgrader import fleet
from upgrader.errors import InputError
from upgrader.fileio import read_source

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")

GOOD = "port 6666\nrocksdb.row_cache_size 64\n"


@pytest.fixture
def specials(tmp_path: Path) -> Iterator[Path]:
    """A directory with one good config and special files named like configs and carriers."""
    d = tmp_path / "etc"
    (d / "sub").mkdir(parents=True)
    (d / "good.conf").write_text(GOOD)
    os.mkfifo(d / "fifo.conf")
    os.mkfifo(d / "sub" / "kvrocks.yaml")  # a sniffed carrier candidate: used to be opened to sniff it
    os.mkfifo(d / "compose.yml")
    os.symlink(d / "fifo.conf", d / "link-to-fifo.conf")
    os.symlink(os.devnull, d / "null.conf")  # a character device, through a link
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(d / "sock.conf"))
    try:
        yield d
    finally:
        sock.close()


def test_walk_yields_only_regular_files(specials: Path) -> None:
    got = [os.path.relpath(p, specials) for p, _ in fleet.walk(str(specials), ("*.conf",), (".*",),
                                                                 sniff=("*.yaml", "*.yml"))]
    assert got == ["good.conf"]


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_a_walk_over_fifos_sockets_and_devices_finishes_and_reads_only_the_config(
        specials: Path, tmp_path: Path, command: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "KVUPGRADE_LOCK_DIR": str(tmp_path / "locks")}
    env.pop("FORCE_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "upgrader", command, "--from", "2.12.0", "--to", TO, "-f",
                             "jsonl", "-j", "2", str(specials)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the walk blocked on a special file")
    recs, summary = jsonl(out)
    assert [os.path.relpath(r["path"], specials) for r in recs] == ["good.conf"], err
    assert summary["failed"] == 0 and "error" not in err
    assert proc.returncode == 3


def test_read_source_never_reads_a_fifo_swapped_in_after_the_stat(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The stat said 'regular file'; by the open it is a FIFO with no writer: refused, not blocked."""
    fifo = tmp_path / "k.conf"
    os.mkfifo(fifo)
    import upgrader.fileio as fileio

    monkeypatch.setattr(fileio, "_stat_file", lambda path: os.stat(os.devnull))  # the race, made certain
    signal.signal(signal.SIGALRM, lambda *a: pytest.fail("read_source blocked on a FIFO"))
    signal.alarm(20)
    try:
        with pytest.raises(InputError, match="not a regular file"):
            read_source(str(fifo))
    finally:
        signal.alarm(0)


def test_a_named_special_file_is_an_error_naming_it(specials: Path) -> None:
    with pytest.raises(InputError, match="not a regular file"):
        read_source(str(specials / "fifo.conf"))
