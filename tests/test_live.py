"""upgrader.live without a real server: targets, passwords, and a fake node on loopback that
records every command it receives (kvupgrade never writes to a node) and plays the failures.

The real-server tests are in tests/test_live_real.py.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import pytest

from upgrader.live import (
    LiveError, LiveUsageError, MissingExtra, NodeAuthError, NodeUnreachable, Target, TLSOptions, client_options,
    parse_target, read_node, read_password,
)
from upgrader.matrix import load_matrix

M = load_matrix()
SECRET = "hunter2-s3cret-pass"
MASTER = "m4ster-auth-secret"


# --- targets --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, want", [
    ("10.0.0.5:6666", Target("10.0.0.5", 6666)),
    ("node-a", Target("node-a", 6666)),
    ("[::1]:7000", Target("::1", 7000)),
    ("redis://kv.example:6380", Target("kv.example", 6380)),
    ("redis://kv.example:6380/0", Target("kv.example", 6380)),
    ("rediss://kv.example:6380", Target("kv.example", 6380, tls=True)),
    ("redis://admin@kv.example:6380", Target("kv.example", 6380, username="admin")),
])
def test_targets(text: str, want: Target) -> None:
    assert parse_target(text) == want


@pytest.mark.parametrize("text", [
    f"redis://:{SECRET}@kv.example:6380", f"redis://admin:{SECRET}@kv.example:6380",
    f"rediss://admin:{SECRET}@kv.example", f"redis://admin:{SECRET}@kv.example:99999",
])
def test_password_in_url_is_a_usage_error_that_does_not_repeat_it(text: str) -> None:
    with pytest.raises(LiveUsageError) as exc:
        parse_target(text)
    assert SECRET not in str(exc.value)
    assert "password" in str(exc.value)


@pytest.mark.parametrize("text", ["kv:0", "kv:70000", "http://kv:6666", "redis://kv:6666/3", "kv:66:66", "a b:1", ""])
def test_bad_targets(text: str) -> None:
    with pytest.raises(LiveUsageError):
        parse_target(text)


def test_password_file_first_line(tmp_path: Path) -> None:
    p = tmp_path / "pw"
    p.write_text(f"{SECRET}\nignored\n")
    assert read_password(str(p), env={}) == SECRET
    assert read_password(None, env={"KVUPGRADE_PASSWORD": SECRET}) == SECRET
    assert read_password(None, env={}) is None


@pytest.mark.parametrize("content", [None, "", "\n", "x" * 5000])
def test_password_file_errors_name_the_file(tmp_path: Path, content: Optional[str]) -> None:
    p = tmp_path / "pw"
    if content is not None:
        p.write_text(content)
    with pytest.raises(LiveError) as exc:
        read_password(str(p), env={})
    assert str(p) in str(exc.value)


def test_client_options_tls_as_redis_cli_names_them() -> None:
    plain = client_options(Target("kv", 6666), connect_timeout=1.5, timeout=2.5)
    assert "ssl" not in plain and plain["protocol"] == 2 and plain["db"] == 0
    assert (plain["socket_connect_timeout"], plain["socket_timeout"]) == (1.5, 2.5)
    url = client_options(parse_target("rediss://kv:6380"))
    assert url["ssl"] and url["ssl_cert_reqs"] == "required" and url["ssl_check_hostname"]
    opts = TLSOptions(enabled=True, cacert="/ca.pem", cacertdir="/cas", cert="/c.pem", key="/k.pem", insecure=True)
    tls = client_options(Target("kv", 6666), tls=opts)
    assert (tls["ssl_ca_certs"], tls["ssl_ca_path"], tls["ssl_certfile"], tls["ssl_keyfile"]) == (
        "/ca.pem", "/cas", "/c.pem", "/k.pem")
    assert tls["ssl_cert_reqs"] == "none" and not tls["ssl_check_hostname"]


# --- a fake node ----------------------------------------------------------------------------

INFO_214 = ("# Server\r\nkvrocks_version:unstable\r\nredis_version:4.0.0\r\nkvrocks_git_sha1:54929cd0\r\n"
            "server_time_usec:1796195224773633\r\nuptime_in_seconds:42\r\n")
CONFIG = {"maxclients": "10000", "requirepass": SECRET, "masterauth": MASTER, "port": "6666",
          "rocksdb.compression": "snappy"}


def _bulk(s: str) -> bytes:
    b = s.encode()
    return b"$%d\r\n%s\r\n" % (len(b), b)


def _read_command(f) -> Optional[list[str]]:  # type: ignore[no-untyped-def]
    head = f.readline()
    if not head:
        return None
    assert head[:1] == b"*", head
    args = []
    for _ in range(int(head[1:])):
        n = int(f.readline()[1:])
        args.append(f.read(n + 2)[:-2].decode())
    return args


class FakeNode:
    """Answers like Kvrocks 2.14 with ``requirepass`` set; records every command it receives."""

    def __init__(self, password: Optional[str] = SECRET, silent: bool = False) -> None:
        self.password = password
        self.silent = silent  # accept, never answer
        self.commands: list[list[str]] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn, conn.makefile("rb") as f:
                authed = self.password is None
                while True:
                    try:
                        cmd = _read_command(f)
                    except (OSError, ValueError):
                        break
                    if cmd is None:
                        break
                    self.commands.append(cmd)
                    if self.silent:
                        continue
                    conn.sendall(self._answer(cmd, authed))
                    if cmd[0].upper() == "AUTH" and cmd[-1] == self.password:
                        authed = True

    def _answer(self, cmd: list[str], authed: bool) -> bytes:
        name = " ".join(cmd[:2]).upper() if cmd[0].upper() == "CONFIG" else cmd[0].upper()
        if name == "AUTH":
            return b"+OK\r\n" if cmd[-1] == self.password else b"-ERR invalid password\r\n"
        if not authed:
            return b"-NOAUTH Authentication required.\r\n"
        if name == "INFO":
            return _bulk(INFO_214)
        if name == "CONFIG GET":
            flat = [x for kv in CONFIG.items() for x in kv]
            return b"*%d\r\n" % len(flat) + b"".join(_bulk(x) for x in flat)
        return b"-ERR unknown command\r\n"

    def close(self) -> None:
        self.sock.close()


@contextmanager
def fake(**kw) -> Iterator[FakeNode]:  # type: ignore[no-untyped-def]
    node = FakeNode(**kw)
    try:
        yield node
    finally:
        node.close()


def test_only_reads_are_sent() -> None:
    """The whole conversation: AUTH (a password was given), INFO server, CONFIG GET *. No HELLO,
    CLIENT SETINFO/SETNAME, SELECT, and never a write."""
    with fake() as node:
        state = read_node(Target("127.0.0.1", node.port), password=SECRET, matrix=M)
    assert [c[:2] for c in node.commands] == [["AUTH", SECRET], ["INFO", "server"], ["CONFIG", "GET"]]
    assert node.commands[2] == ["CONFIG", "GET", "*"]
    assert state.version == "unstable" and state.git_sha == "54929cd0" and state.uptime_seconds == 42
    assert state.config["maxclients"] == "10000"


def test_no_password_no_auth() -> None:
    with fake(password=None) as node:
        read_node(Target("127.0.0.1", node.port), matrix=M)
    assert [c[0] for c in node.commands] == ["INFO", "CONFIG"]


def test_secrets_from_config_get_are_kept_only_as_digests() -> None:
    with fake() as node:
        state = read_node(Target("127.0.0.1", node.port), password=SECRET, matrix=M)
    assert "requirepass" not in state.config and "masterauth" not in state.config
    assert state.secret_matches("requirepass", SECRET) and not state.secret_matches("requirepass", "other")
    assert state.secret_matches("masterauth", MASTER)
    for shown in (repr(state), str(state.config), str(state.secret_digests), str(vars(state))):
        assert SECRET not in shown and MASTER not in shown


def test_wrong_password_is_a_clear_error_without_it() -> None:
    with fake() as node, pytest.raises(NodeAuthError) as exc:
        read_node(Target("127.0.0.1", node.port), password="wrong-" + SECRET, matrix=M)
    msg = str(exc.value)
    assert "refused the password" in msg and f"127.0.0.1:{node.port}" in msg
    assert SECRET not in msg


def test_missing_password_is_a_clear_error() -> None:
    with fake() as node, pytest.raises(NodeAuthError) as exc:
        read_node(Target("127.0.0.1", node.port), matrix=M)
    assert "requires a password" in str(exc.value) and "--password-file" in str(exc.value)


def test_closed_port_is_unreachable_at_once() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connections are refused
        t0 = time.monotonic()
        with pytest.raises(NodeUnreachable) as exc:
            read_node(Target("127.0.0.1", port), matrix=M, connect_timeout=1.0, timeout=1.0)
    assert time.monotonic() - t0 < 1.0
    assert f"127.0.0.1:{port}" in str(exc.value)


def test_silent_node_times_out_within_the_bound() -> None:
    """A node that accepts but never answers: an error within the reply timeout (one try, no retry)."""
    with fake(silent=True) as node:
        t0 = time.monotonic()
        with pytest.raises(NodeUnreachable) as exc:
            read_node(Target("127.0.0.1", node.port), password=SECRET, matrix=M, connect_timeout=0.5, timeout=0.5)
        took = time.monotonic() - t0
    assert 0.4 < took < 1.5, took
    assert SECRET not in str(exc.value)


# --- the core never imports redis -------------------------------------------------------------

CORE = ["upgrader", "upgrader.cli", "upgrader.api", "upgrader.planner", "upgrader.commands", "upgrader.fleet",
        "upgrader.drift", "upgrader.nodestate", "upgrader.live", "upgrader.realserver"]


def test_core_does_not_import_redis() -> None:
    code = ("import sys, importlib\n"
            f"for m in {CORE!r}: importlib.import_module(m)\n"
            "bad = sorted(m for m in sys.modules if m == 'redis' or m.startswith('redis.'))\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_extra_names_it() -> None:
    code = ("import sys\nsys.modules['redis'] = None\n"
            "from upgrader.live import MissingExtra, Target, read_node\n"
            "try:\n    read_node(Target('127.0.0.1', 1))\nexcept MissingExtra as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert "pip install 'kvupgrade[live]'" in out
    assert MissingExtra.__mro__[1] is LiveError
