"""A real Kvrocks node kept running for the live-node tests (tests/test_live_real.py).

``upgrader.realserver.judge`` starts a server and stops it at once; the live tests need one that
serves while kvupgrade reads it. The same sandbox is used (``sandbox_conf``/``sandbox_argv``: a
private 0700 directory, ``bind 127.0.0.1``, a free loopback port, no replication), and the
sandbox's settings are also appended to the file the node reads, so the file says exactly what
the node runs (a ``verify`` of that file reads back equal). Stopped by SIGTERM, SIGKILL to its
group after a grace period, directory removed, in a ``finally``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from upgrader.matrix import load_matrix
from upgrader.realserver import SOCKET, answers_ping, free_port, sandbox_argv, sandbox_conf

READY_TIMEOUT = 20.0
GRACE = 5.0


@dataclass(frozen=True)
class Node:
    port: int
    conf: Path  # the file the node was started on (sandbox lines at its end)
    workdir: Path

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"


@contextmanager
def running(binary: Path, conf_text: str) -> Iterator[Node]:
    """Start ``binary`` on ``conf_text`` (sandboxed) and yield it once it answers PING."""
    box = sandbox_conf(conf_text, (), load_matrix())
    workdir = Path(tempfile.mkdtemp(prefix="kvupgrade-live-"))
    proc = None
    try:
        port = free_port()
        argv = sandbox_argv(str(binary), workdir, port, ())
        pairs = list(zip(argv[3::2], argv[4::2]))  # ("--dir", value) ... after "-c FILE"
        text = box.conf_text if box.conf_text.endswith("\n") else box.conf_text + "\n"
        text += "".join(f"{k.lstrip('-')} {v}\n" for k, v in pairs)
        conf = workdir / "kvrocks.conf"
        conf.write_text(text)
        conf.chmod(0o600)
        log = open(workdir / "server.log", "wb")
        proc = subprocess.Popen(argv, cwd=workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
                                start_new_session=True)
        log.close()
        deadline = time.monotonic() + READY_TIMEOUT
        while not ((workdir / SOCKET).exists() and answers_ping(port)):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = (workdir / "server.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the test node did not start (status {proc.poll()}):\n{tail}")
            time.sleep(0.05)
        time.sleep(0.5)  # past its last start-up steps (see realserver.STOP_SETTLE)
        yield Node(port, conf, workdir)
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(GRACE)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
                proc.wait(2.0)
        shutil.rmtree(workdir, ignore_errors=True)
