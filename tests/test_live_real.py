"""Live plan/verify logic against real Kvrocks nodes started by the test (tests/livenode.py: a
sandbox bound to 127.0.0.1 only, on a free port, removed afterwards). Skipped outside CI without
../shared; mandatory under CI=true. Marked slow: each test starts one or two servers.

CONFIG SET drift, a file edited since the node started, a deprecated key (the row cache on 2.14)
reported as ignored, a wrong or missing password, an unreachable port, and verify after a real
upgrade (the shipped 2.12.0 conf planned for 2.14.0, 2.14 started on it).
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import pytest

import upgrader
from tests.livenode import running
from tests.realbins import shipped_confs
from upgrader.confmodel import Document
from upgrader.drift import drift, node_release, verify
from upgrader.exitcodes import Exit
from upgrader.live import NodeAuthError, NodeUnreachable, Target, parse_target, read_node
from upgrader.matrix import load_matrix

pytestmark = pytest.mark.slow

M = load_matrix()
V212, V213, V214 = (2, 12, 0), (2, 13, 0), (2, 14, 0)
PASSWORD = "live-test-Pa55word"


def _shipped(v: tuple[int, int, int]) -> str:
    confs = shipped_confs()
    if v not in confs:
        pytest.skip(f"no shipped conf for {v}")
    return confs[v].read_text()


def _bin(bins: dict, v: tuple[int, int, int]) -> Path:
    if v not in bins:
        pytest.fail(f"no real binary for {v}")
    return bins[v]


def test_config_set_drift_and_a_later_edit(kvrocks_bins) -> None:  # type: ignore[no-untyped-def]
    text = _shipped(V214) + f"\nrequirepass {PASSWORD}\n"
    with running(_bin(kvrocks_bins, V214), text) as node:
        target = parse_target(node.target)
        start = read_node(target, password=PASSWORD, matrix=M)
        nr = node_release(start.version, start.git_sha, M)
        assert (nr.release, nr.confidence) == (V214, "branch-cut")  # the build reports `unstable`
        assert start.config["bind"] == "127.0.0.1"  # the sandbox: loopback only
        mtime = node.conf.stat().st_mtime
        assert drift(node.conf.read_text(), start, M, V214, file_mtime=mtime) == []
        _config_set(node.port, "maxclients", "123")
        _config_set(node.port, "force-compact-file-age", "86400")  # not in the shipped conf
        _config_set(node.port, "masterauth", "m4ster-" + PASSWORD)
        state = read_node(target, password=PASSWORD, matrix=M)
        found = {(f.rule, f.option): f for f in drift(node.conf.read_text(), state, M, V214, file_mtime=mtime)}
        assert set(found) == {("live/differs", "maxclients"), ("live/runtime-only", "force-compact-file-age"),
                              ("live/runtime-only", "masterauth")}
        assert PASSWORD not in json.dumps([f.to_dict() for f in found.values()])
        assert "CONFIG SET" in found[("live/differs", "maxclients")].message
        # The file edited after the node started (mtime after its uptime began).
        later = time.time() + 5
        os.utime(node.conf, (later, later))
        edited = drift(node.conf.read_text(), state, M, V214, file_mtime=node.conf.stat().st_mtime)
        assert edited[0].rule == "live/file-edited"
        assert PASSWORD not in json.dumps([f.to_dict() for f in edited])


def test_deprecated_row_cache_is_reported_ignored(kvrocks_bins) -> None:  # type: ignore[no-untyped-def]
    text = _shipped(V214) + "\nrocksdb.row_cache_size 1024\n"
    with running(_bin(kvrocks_bins, V214), text) as node:
        state = read_node(parse_target(node.target), matrix=M)
    assert "rocksdb.row_cache_size" not in state.reported
    found = drift(text, state, M, V214)
    assert [(f.rule, f.option) for f in found if f.rule == "live/ignored"] == [("live/ignored", "rocksdb.row_cache_size")]
    assert verify(text, state, M, V214).exit_code == Exit.CHANGES


def test_wrong_and_missing_password(kvrocks_bins) -> None:  # type: ignore[no-untyped-def]
    with running(_bin(kvrocks_bins, V214), _shipped(V214) + f"\nrequirepass {PASSWORD}\n") as node:
        target = parse_target(node.target)
        with pytest.raises(NodeAuthError) as wrong:
            read_node(target, password="not-" + PASSWORD, matrix=M)
        with pytest.raises(NodeAuthError) as missing:
            read_node(target, matrix=M)
    assert "refused the password" in str(wrong.value) and node.target in str(wrong.value)
    assert "requires a password" in str(missing.value)
    assert PASSWORD not in str(wrong.value) + str(missing.value)


def test_unreachable_port_within_the_timeout() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))  # bound, never listening: nothing answers there
        port = s.getsockname()[1]
        t0 = time.monotonic()
        with pytest.raises(NodeUnreachable) as exc:
            read_node(Target("127.0.0.1", port), connect_timeout=2.0, timeout=2.0, matrix=M)
    assert time.monotonic() - t0 < 2.0
    assert f"127.0.0.1:{port}" in str(exc.value)


def test_verify_after_a_real_upgrade(kvrocks_bins) -> None:  # type: ignore[no-untyped-def]
    """Plan the shipped 2.12.0 conf for 2.14.0 (with a row cache, which the plan comments out),
    start the real 2.14 on the planned text, verify: it runs 2.14.0 and everything reads back."""
    before = _shipped(V212) + "\nrocksdb.row_cache_size 256\nmaxclients 0x2000\n"
    plan = upgrader.plan_text(before, from_="2.12.0", to="2.14.0", matrix=M)
    assert "\nrocksdb.row_cache_size 256" not in plan.new_text
    with running(_bin(kvrocks_bins, V214), plan.new_text) as node:
        state = read_node(parse_target(node.target), matrix=M)
        result = verify(node.conf.read_text(), state, M, V214)
        assert result.ok and result.exit_code == Exit.OK, result.to_dict()["findings"]
        settings = Document.parse(node.conf.read_text()).effective()
        assert result.checked == len(settings) - len(result.unverifiable) > 90  # every setting of the file
        # The same node is not what a plan for 2.13.0 asked for; the unplanned text does not read back.
        assert verify(node.conf.read_text(), state, M, V213).exit_code == Exit.BLOCKED
        assert verify(before, state, M, V214).exit_code == Exit.CHANGES


def _config_set(port: int, key: str, value: str) -> None:
    """The operator's CONFIG SET (the test's own raw client: kvupgrade never sends one)."""
    args = [b"AUTH", PASSWORD.encode(), b"CONFIG", b"SET", key.encode(), value.encode()]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        for cmd in (args[:2], args[2:]):
            s.sendall(b"*%d\r\n" % len(cmd) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in cmd))
            reply = s.recv(256)
            assert reply.startswith(b"+OK"), reply
