"""Real Kvrocks binaries (../shared/kvrocks/bin, built without OpenSSL) as the judge of rollback plans
and of build-feature detection. Each server runs on loopback in a temp dir and is stopped by its PID."""

from __future__ import annotations

import lzma
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from upgrader.build_features import features_from_startup, probe_config
from upgrader.matrix import load_matrix
from upgrader.planner import plan_text
from upgrader.realserver import answers_ping, free_port
from upgrader.settings import Settings

pytestmark = pytest.mark.slow  # starts real Kvrocks servers (CI runs it)

STARTUP_LIMIT_S = 20.0


def _binary(shared_dir: Path, version: str, into: Path) -> Path:
    packed = shared_dir / "bin" / f"kvrocks-{version}.xz"
    if not packed.is_file():
        pytest.skip(f"no {packed.name} in shared/kvrocks/bin")
    exe = into / f"kvrocks-{version}"
    with lzma.open(packed) as src:
        exe.write_bytes(src.read())
    exe.chmod(0o755)
    return exe


def start_once(exe: Path, conf_text: str, work: Path) -> tuple[bool, str]:
    """Start the server on ``conf_text`` (flags keep it in ``work`` and on loopback), wait until it
    answers PING or exits (bounded), stop it; (answered PING, everything it printed)."""
    work.mkdir(parents=True, exist_ok=True)
    conf = work / "kvrocks.conf"
    conf.write_text(conf_text)
    port = free_port()
    out = work / "out.log"
    with out.open("wb") as log:
        proc = subprocess.Popen(
            [str(exe), "-c", str(conf), "--dir", str(work / "data"), "--port", str(port), "--bind", "127.0.0.1",
             "--pidfile", str(work / "k.pid"), "--log-dir", "stdout", "--daemonize", "no",
             "--unixsocket", str(work / "k.sock")],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        up = False
        try:
            deadline = time.monotonic() + STARTUP_LIMIT_S
            while time.monotonic() < deadline and proc.poll() is None:
                if answers_ping(port):
                    up = True
                    break
                time.sleep(0.1)
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait()
    return up, out.read_text(errors="replace")


def test_rollback_2140_to_2101_starts_the_real_2101_without_warnings(shared_dir: Path, tmp_path: Path) -> None:
    exe = _binary(shared_dir, "2.10.1", tmp_path)
    text = (shared_dir / "confs" / "2.14.0.conf").read_text() + "tls-auth-clients no\n"
    # The judge sees what the plan must fix: the 2.14.0 file as it is warns on 2.10.1.
    up, raw_out = start_once(exe, text, tmp_path / "raw")
    assert up and "is not a valid configuration key" in raw_out
    plan = plan_text(text, from_="2.14.0", to="2.10.1", path="kvrocks.conf",
                     settings=Settings(build_features={"ENABLE_OPENSSL": False}))
    assert plan.direction == "rollback" and not plan.blockers
    up, out = start_once(exe, plan.new_text, tmp_path / "planned")
    assert up, out[-2000:]
    assert "WARNING" not in out, [ln for ln in out.splitlines() if "WARNING" in ln]


def test_startup_output_tells_the_build_lacks_openssl(shared_dir: Path, tmp_path: Path) -> None:
    exe = _binary(shared_dir, "2.14.0", tmp_path)
    m = load_matrix()
    up, out = start_once(exe, probe_config(m, (2, 14, 0)), tmp_path / "probe")
    assert up
    assert features_from_startup(m, (2, 14, 0), out) == {"ENABLE_OPENSSL": False}
