"""The real Kvrocks binary as judge: start it on a sandboxed copy of a config and report what it said.

An edge module: it runs a process, but returns plain data (``Verdict``) and prints nothing.

Sandbox. The server gets a private temporary directory (mode 0700) as its working directory and
``dir``, ``backup-dir``, ``pidfile``, ``unixsocket`` inside it, ``log-dir stdout``, ``bind 127.0.0.1``,
a free loopback port and ``daemonize no``, all as command-line flags, which Kvrocks applies after
the file (2.2.0+), so nothing in the copied config can point the server elsewhere. Lines that would
make it connect out or use an inherited socket (``slaveof``, ``replicaof``, ``socket-fd``) are
commented out in the copy, keeping every line number. ``cluster-enabled`` stays: cluster peers come
only from ``nodes.conf`` in ``dir``, which is new and empty. Secret-valued flags are moved to the
end of the copy (same precedence: last), so no secret appears in the process table.

Lifetime. The server runs in its own session and process group, with a minimal environment; it is
stopped by SIGTERM to its own PID, SIGKILL to its group after a grace period, and its directory is
removed, in a ``finally``: on success, on timeout and on Ctrl-C. Time is bounded: ``timeout`` to
become ready (or exit), then at most ``grace`` + ``KILL_WAIT`` to stop, plus ``VERSION_TIMEOUT`` for
``--version``.

Output. Every line the server prints is masked with ``Redactor`` (the config's secret values and
the secret flags'), and the config itself is never printed.
"""

from __future__ import annotations

import os
import pty
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

from .confmodel import Document, format_value, split_lines
from .errors import KvUpgradeError
from .matrix import Matrix, load_matrix
from .planner import collect_secrets
from .redact import MASK, MIN_FREE_TEXT, Redactor
from .versions import Release, VersionError, format_version, parse_version

VERSION_TIMEOUT = 5.0  # seconds for `kvrocks --version`
KILL_WAIT = 2.0  # seconds to reap the group after SIGKILL
READY_SETTLE = 2.0  # seconds after a first PING answer to wait for the ready line
# Seconds between readiness and SIGTERM. The 2.14 build sometimes loses a SIGTERM sent within a
# millisecond of "Ready to accept connections", or hangs while stopping: 4 of 30 starts of the
# 2.12.0 shipped conf with a row cache needed SIGKILL; with a pause of 0.2 s 0 of 25, of 0.5 s 0 of 20.
STOP_SETTLE = 0.3
MAX_LINES = 5000  # lines of server output kept (a runaway server cannot grow our memory)
MAX_LINE_CHARS = 4096
SOCKET = "k.sock"
MAX_SOCKET_PATH = 107  # bytes: sun_path holds 108 with the terminating NUL
FLAGS_SINCE: Release = (2, 2, 0)  # `--key value` overrides exist from 2.2.0 (#1037)

# Keys the sandbox always sets on the command line (they win over the file).
SANDBOX_KEYS = frozenset({"dir", "backup-dir", "pidfile", "log-dir", "unixsocket", "bind", "port", "daemonize"})
# Keys whose lines are commented out in the copy (and whose flags are dropped): they reach out
# (a master), or take a socket the server did not open.
NEUTRALISED_KEYS = frozenset({"slaveof", "replicaof", "socket-fd"})

_VERSION_LINE = re.compile(
    r"^kvrocks\s+(?:version\s+)?(?P<v>\S+)(?:\s+\(commit\s+(?P<commit>[0-9a-fA-F]+)\)|\s+@(?P<at>[0-9a-fA-F]+))?\s*$"
)
_CONFIG_WARNING = re.compile(r"^WARNING:\s.*?\bat line (?P<line>-?\d+)\b")
_FATAL_CONFIG = re.compile(r"^Failed to load config\b")
_FATAL_LINE = re.compile(r"\bat line #L(?P<line>\d+)\b")
_GLOG = re.compile(r"^(?P<level>[IWEF])\d{8}\s")  # glog (<= 2.12): W20261202 06:25:54.602094 ...
_SPDLOG = re.compile(r"^\[[^\]]*\]\[(?P<level>[TDIWEC])\]")  # spdlog (2.13+): [time][W][file:line] ...
_LEVELS = {"W": "warning", "E": "error", "F": "fatal", "C": "fatal"}
_READY = "Ready to accept connections"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # colour codes, should a build colour its log anyway
_ADDRESS_IN_USE = re.compile(r"address already in use", re.I)


class RealServerError(KvUpgradeError):
    """The binary cannot be used as a judge (missing, not executable, too old, unreadable version)."""


class VersionMismatch(RealServerError):
    """The binary is not the release the config is judged for."""


@dataclass(frozen=True)
class BinaryVersion:
    text: str  # the --version line as printed
    release: Optional[Release]  # the release it is, or was cut for (a development build, via the pins)
    commit: Optional[str]
    development: bool  # `unstable (commit …)`: a build from the development branch

    @property
    def name(self) -> str:
        return format_version(self.release) if self.release else "unknown"


@dataclass(frozen=True)
class ServerLine:
    number: int  # 1-based line of the server's output
    level: str  # warning | error | fatal
    text: str  # masked
    config_line: Optional[int] = None  # the config line it names; None for a flag or none named
    flag: Optional[str] = None  # the secret flag it names (moved into the copy, see sandbox_conf)


@dataclass(frozen=True)
class Verdict:
    binary: str
    version: BinaryVersion
    started: bool  # ready (its log line, or PING answered) and still serving STOP_SETTLE later
    exit_status: Optional[int]  # after our SIGTERM when started; negative = killed by that signal
    timed_out: bool
    warnings: tuple[ServerLine, ...]
    errors: tuple[ServerLine, ...]  # error and fatal lines
    fatal: Optional[str]  # the server's own message for refusing to start, masked
    neutralised: tuple[tuple[int, str], ...]  # (config line, key) commented out in the copy; line 0 = a flag
    seconds: float
    output: tuple[str, ...] = field(default=(), repr=False)  # every line it printed (bounded), masked

    @property
    def clean(self) -> bool:
        """Started, and printed no warning or error line."""
        return self.started and not self.warnings and not self.errors


# --- versions (pure) -------------------------------------------------------------------

def parse_version_output(text: str, matrix: Matrix) -> BinaryVersion:
    """Read ``kvrocks --version``: ``kvrocks version 2.10.1 (commit dc4d5303)`` or a development
    build's ``kvrocks unstable (commit 54929cd0)``, whose release is the one whose matrix pin is
    that commit (None when no pin matches)."""
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    m = _VERSION_LINE.match(first)
    if not m:
        raise RealServerError(f"cannot read a Kvrocks version from {first[:200]!r}")
    core = m.group("v")
    commit = (m.group("commit") or m.group("at") or "").lower() or None
    if core.lower() in ("unstable", "nightly"):
        info = matrix.release_for_commit(commit) if commit else None
        return BinaryVersion(first, info.version if info else None, commit, True)
    try:
        release = parse_version(core)
    except VersionError as exc:
        raise RealServerError(f"cannot read a Kvrocks version from {first[:200]!r}: {exc}") from None
    return BinaryVersion(first, release, commit, False)


def check_version(found: BinaryVersion, target: Release, *, allow_mismatch: bool = False,
                  binary: str = "") -> None:
    """Raise ``VersionMismatch`` unless the binary is ``target`` (or a mismatch is allowed)."""
    if allow_mismatch or found.release == target:
        return
    why = (f"a development build of commit {found.commit}, which no release pin in the matrix names"
           if found.release is None else f"Kvrocks {found.name}")
    raise VersionMismatch(f"the binary is {why} ({found.text!r}), not {format_version(target)}", path=binary or None)


def binary_version(binary: Union[str, Path], matrix: Optional[Matrix] = None) -> BinaryVersion:
    """Run ``binary --version`` (bounded, no config, in a scratch directory)."""
    m = matrix or load_matrix()
    path = executable(binary)
    with tempfile.TemporaryDirectory(prefix="kvupgrade-version-") as scratch:
        try:
            done = subprocess.run([path, "--version"], cwd=scratch, env=_child_env(), stdin=subprocess.DEVNULL,
                                  capture_output=True, timeout=VERSION_TIMEOUT, start_new_session=True)
        except subprocess.TimeoutExpired:
            raise RealServerError(f"`--version` did not answer within {VERSION_TIMEOUT:g} s", path=path) from None
        except OSError as exc:
            raise RealServerError(f"cannot run the binary: {exc.strerror or exc}", path=path) from None
    out = done.stdout.decode("utf-8", "replace") or done.stderr.decode("utf-8", "replace")
    try:
        return parse_version_output(out, m)
    except RealServerError as exc:
        raise RealServerError(exc.message, path=path) from None


# --- the sandboxed copy (pure) ----------------------------------------------------------

@dataclass(frozen=True)
class Sandboxed:
    conf_text: str
    flags: tuple[tuple[str, str], ...]  # the caller's flags left on the command line
    neutralised: tuple[tuple[int, str], ...]
    moved_from: int  # lines after this one in the copy came from secret flags (`moved` empty: none)
    moved: tuple[str, ...]  # their keys, in order
    secrets: tuple[str, ...]


def sandbox_conf(conf_text: str, flags: Sequence[tuple[str, str]], matrix: Matrix) -> Sandboxed:
    """The copy the server reads: neutralised lines commented out in place (line numbers kept),
    secret flags appended as the last lines (flags apply after the file, so last keeps their
    precedence); and the flags that stay on the command line."""
    doc = Document.parse(conf_text, "quoted")  # flags need 2.2.0+, whose grammar is the quoted one
    raw = [t + e for t, e in doc.raw_lines()]
    neutralised: list[tuple[int, str]] = []
    for ln in doc.active():
        if ln.kind == "directive" and ln.norm_key in NEUTRALISED_KEYS and not _harmless(ln.norm_key, ln.value):
            raw[ln.lineno - 1] = "# " + raw[ln.lineno - 1]
            neutralised.append((ln.lineno, ln.norm_key))
    secrets = set(collect_secrets(doc, matrix))
    kept: list[tuple[str, str]] = []
    moved: list[str] = []
    moved_keys: list[str] = []
    for key, value in flags:
        k = key.lower().lstrip("-")
        if k in NEUTRALISED_KEYS and not _harmless(k, value):
            neutralised.append((0, k))
        elif matrix.is_secret(k):
            secrets.add(value)
            moved.append(f"{key.lstrip('-')} {format_value(value)}\n")
            moved_keys.append(k)
        else:
            kept.append((key.lstrip("-"), value))
    text = "".join(raw)
    moved_from = 0
    if moved:
        if text and not text.endswith("\n"):
            text += "\n"
        moved_from = len(split_lines(text))
        text += "".join(moved)
    ordered = tuple(sorted((s for s in secrets if s), key=len, reverse=True))
    return Sandboxed(text, tuple(kept), tuple(neutralised), moved_from, tuple(moved_keys), ordered)


def _harmless(key: str, value: str) -> bool:
    # `socket-fd -1` (every shipped conf since 2.11.0) means "open the port yourself": keep the
    # line, so a binary that does not know the key still warns about it.
    return key == "socket-fd" and value.strip() == "-1"


def redactor_for(box: Sandboxed, matrix: Matrix) -> Redactor:
    # Kvrocks lower-cases a key before it names it in a warning: a secret pasted on a line of
    # its own comes back lower-cased, so both spellings are masked.
    return Redactor(matrix, {v for s in box.secrets for v in (s, s.lower())})


def mask_line(red: Redactor, text: str) -> str:
    """One line the server printed, masked."""
    masked = red.line(text)
    for s in red.secrets:  # short secrets are masked by `free` only as values: here, as words too
        if len(s) < MIN_FREE_TEXT and s in masked:
            masked = re.sub(rf"(?<![\w-]){re.escape(s)}(?![\w-])", MASK, masked)
    return masked


def sandbox_argv(binary: str, workdir: Path, port: int, flags: Iterable[tuple[str, str]]) -> list[str]:
    """Caller flags first, the sandbox's last: a later flag beats an earlier one and the file."""
    argv = [binary, "-c", str(workdir / "kvrocks.conf")]
    for key, value in flags:
        argv += [f"--{key}", value]
    argv += [
        "--dir", str(workdir / "data"),
        "--backup-dir", str(workdir / "backup"),
        "--pidfile", str(workdir / "kvrocks.pid"),
        "--unixsocket", str(workdir / SOCKET),
        "--log-dir", "stdout",
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--daemonize", "no",
    ]
    return argv


# --- reading what the server printed (pure) ---------------------------------------------

def classify(lines: Sequence[str], *, moved_from: int = 0, moved: Sequence[str] = ()
             ) -> tuple[list[ServerLine], list[ServerLine], Optional[str]]:
    """Warnings, errors (incl. fatal) and the fatal config message among already-masked lines.
    Config lines past ``moved_from`` are the secret flags ``moved`` into the copy."""

    def place(n: Optional[int]) -> tuple[Optional[int], Optional[str]]:
        """(config line, secret flag) a line number of the copy stands for."""
        if n is None or n < 1:
            return None, None  # -1: a flag on the command line
        if moved and n > moved_from:  # moved_from is 0 when the copy was empty
            i = n - moved_from - 1
            return None, (moved[i] if i < len(moved) else None)
        return n, None

    warnings: list[ServerLine] = []
    errors: list[ServerLine] = []
    fatal: Optional[str] = None
    for n, text in enumerate(lines, 1):
        m = _CONFIG_WARNING.match(text)
        if m:
            warnings.append(ServerLine(n, "warning", text, *place(int(m.group("line")))))
            continue
        m = _FATAL_CONFIG.match(text)
        if m:
            at = _FATAL_LINE.search(text)
            ln = int(at.group("line")) if at else None
            errors.append(ServerLine(n, "fatal", text, *place(ln)))
            fatal = fatal or text
            continue
        if text.startswith("WARNING"):
            warnings.append(ServerLine(n, "warning", text))
            continue
        m = _GLOG.match(text) or _SPDLOG.match(text)
        level = _LEVELS.get(m.group("level")) if m else None
        if level == "warning":
            warnings.append(ServerLine(n, level, text))
        elif level:
            errors.append(ServerLine(n, level, text))
    return warnings, errors, fatal


# --- running it (the edge) --------------------------------------------------------------

def judge(binary: Union[str, Path], conf_text: str, flags: Sequence[tuple[str, str]] = (), *,
          timeout: float = 20.0, grace: float = 5.0, expect: Union[str, Release, None] = None,
          allow_mismatch: bool = False, matrix: Optional[Matrix] = None,
          workdir_parent: Union[str, Path, None] = None, version: Optional[BinaryVersion] = None) -> Verdict:
    """Start ``binary`` on a sandboxed copy of ``conf_text`` (plus ``flags``, ``(key, value)`` pairs
    as the node would receive them) and report whether it started and what it printed.

    Raises ``VersionMismatch`` before starting anything when ``expect`` is given and the binary is
    another release (unless ``allow_mismatch``), ``RealServerError`` when the binary cannot be used.
    ``version``: the binary's ``binary_version``, already read (a fleet reads it once per run).
    """
    t0 = time.monotonic()
    m = matrix or load_matrix()
    path = executable(binary)
    found = version if version is not None else binary_version(path, m)
    if expect is not None:
        check_version(found, m.resolve(expect), allow_mismatch=allow_mismatch, binary=path)
    if found.release is not None and found.release < FLAGS_SINCE:
        raise RealServerError(f"Kvrocks {found.name} takes no `--key value` flags (2.2.0+), "
                              "so it cannot be sandboxed", path=path)
    box = sandbox_conf(conf_text, flags, m)
    red = redactor_for(box, m)
    for attempt in range(2):  # a free port can be taken between our probe and the server's bind
        run = _run_once(path, box, red, timeout=max(0.0, timeout - (time.monotonic() - t0)), grace=grace,
                        parent=workdir_parent)
        if run.started or attempt or not any(_ADDRESS_IN_USE.search(x) for x in run.lines):
            break
    warnings, errors, fatal = classify(run.lines, moved_from=box.moved_from, moved=box.moved)
    if not run.started and fatal is None and not run.timed_out:
        # Not a config error: the server's last complaint, else its last line, is its reason.
        fatal = (errors[-1].text if errors else run.lines[-1] if run.lines else
                 f"exited with status {run.status} and printed nothing")
    return Verdict(binary=path, version=found, started=run.started, exit_status=run.status,
                   timed_out=run.timed_out, warnings=tuple(warnings), errors=tuple(errors), fatal=fatal,
                   neutralised=box.neutralised, seconds=round(time.monotonic() - t0, 3), output=tuple(run.lines))


@dataclass
class _Run:
    started: bool = False
    timed_out: bool = False
    status: Optional[int] = None
    lines: list[str] = field(default_factory=list)


def _run_once(binary: str, box: Sandboxed, red: Redactor, *, timeout: float, grace: float,
              parent: Union[str, Path, None]) -> _Run:
    workdir = Path(tempfile.mkdtemp(prefix="kvupgrade-judge-", dir=parent))  # mode 0700
    if len(os.fsencode(workdir / SOCKET)) > MAX_SOCKET_PATH:
        shutil.rmtree(workdir, ignore_errors=True)
        raise RealServerError(f"the directory is too deep for a unix socket path ({MAX_SOCKET_PATH} bytes)",
                              path=str(parent))
    proc: Optional[subprocess.Popen[bytes]] = None
    reader: Optional[threading.Thread] = None
    out = _Run()
    ready = threading.Event()
    try:
        conf = workdir / "kvrocks.conf"
        fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # it may hold secrets
        with os.fdopen(fd, "wb") as fh:
            fh.write(box.conf_text.encode("utf-8", "surrogateescape"))
        port = free_port()
        # A pseudo-terminal, not a pipe: the server's stdio is then line-buffered, so each line
        # arrives when printed (readiness is seen at once) and none is lost in a buffer when it
        # has to be killed. Raw mode: bytes pass as written. Not its controlling terminal: it is
        # passed as a descriptor to a new session, so Ctrl-C on ours never reaches it.
        master, slave = pty.openpty()
        try:
            tty.setraw(slave)
            proc = subprocess.Popen(sandbox_argv(binary, workdir, port, box.flags), cwd=workdir, env=_child_env(),
                                    stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, start_new_session=True)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        reader = threading.Thread(target=_read, args=(master, red, out.lines, ready), daemon=True)
        reader.start()
        deadline = time.monotonic() + timeout
        pinged: Optional[float] = None
        while True:
            if ready.is_set():
                out.started = proc.poll() is None
                break
            # A build that does not print the ready line: it serves once it answers PING. The
            # socket file is created after the TCP bind, in our private directory, so a PING
            # answered while it exists comes from our server, not from whoever took the port.
            # Then give it READY_SETTLE to finish starting: a SIGTERM during its last start-up
            # steps is ignored (seen with 2.14: SIGKILL after the grace period).
            if pinged is None and (workdir / SOCKET).exists() and answers_ping(port):
                pinged = time.monotonic()
            if pinged is not None and time.monotonic() - pinged >= READY_SETTLE:
                out.started = proc.poll() is None
                break
            if proc.poll() is not None:
                break
            if time.monotonic() >= deadline:
                out.timed_out = True
                break
            ready.wait(0.05)
        if out.started:
            time.sleep(STOP_SETTLE)
            out.started = proc.poll() is None  # "started" = still serving when we stop it
    finally:
        try:
            if proc is not None:
                out.status = _stop(proc, grace)
        finally:  # also on a second Ctrl-C while stopping
            if reader is not None:
                reader.join(KILL_WAIT)
            shutil.rmtree(workdir, ignore_errors=True)
    return out


def _read(master: int, red: Redactor, sink: list[str], ready: threading.Event) -> None:
    """Collect the server's lines from the pty until it and its group are gone; closes ``master``."""
    pending = b""
    try:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every holder of the other end has exited
                break
            if not chunk:
                break
            pending += chunk
            *done, pending = pending.split(b"\n")
            if len(pending) > MAX_LINE_CHARS * 4:  # an endless line: cut it, keep reading
                done, pending = done + [pending], b""
            for raw in done:
                _take(raw, red, sink, ready)
        if pending:
            _take(pending, red, sink, ready)
    finally:
        os.close(master)


def _take(raw: bytes, red: Redactor, sink: list[str], ready: threading.Event) -> None:
    text = _ANSI.sub("", raw.decode("utf-8", "surrogateescape")).rstrip("\r")[:MAX_LINE_CHARS]
    if _READY in text and (_GLOG.match(text) or _SPDLOG.match(text)):  # a log line, not an echoed value
        ready.set()
    if len(sink) < MAX_LINES:
        sink.append(mask_line(red, text))


def _stop(proc: subprocess.Popen[bytes], grace: float) -> Optional[int]:
    """SIGTERM to the server's own PID, SIGKILL to its group after ``grace``; its exit status."""
    if proc.poll() is not None:
        return proc.returncode  # exited (and reaped) by itself: its PID is no longer ours to signal
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(grace)
    except subprocess.TimeoutExpired:
        return _kill(proc)
    except KeyboardInterrupt:  # a second Ctrl-C while it stops: kill it now, then pass it on
        _kill(proc)
        raise


def _kill(proc: subprocess.Popen[bytes]) -> Optional[int]:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # its own group (start_new_session): pgid == its PID
    except (ProcessLookupError, PermissionError):
        pass
    try:
        return proc.wait(KILL_WAIT)
    except subprocess.TimeoutExpired:
        return None


def answers_ping(port: int) -> bool:
    """Any RESP reply to PING (+PONG, or -NOAUTH when requirepass is set) means it serves."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            return s.recv(64)[:1] in (b"+", b"-")
    except OSError:
        return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _child_env() -> dict[str, str]:
    # No NOTIFY_SOCKET (supervised systemd), no proxies or tokens from the caller's environment.
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}


def executable(binary: Union[str, Path]) -> str:
    path = str(Path(binary).absolute())
    if not os.path.isfile(path):
        raise RealServerError("no such file", path=path)
    if not os.access(path, os.X_OK):
        raise RealServerError("not executable", path=path)
    return path


__all__ = [
    "BinaryVersion", "RealServerError", "ServerLine", "Verdict", "VersionMismatch", "binary_version",
    "check_version", "classify", "judge", "mask_line", "parse_version_output", "redactor_for", "sandbox_argv",
    "sandbox_conf",
]
