"""The real Kvrocks servers as judge (issue 11, item 3), with the binaries in ../shared/kvrocks/bin.

- All pairs: the shipped conf of every release R older than a binary's release T, upgraded in
  process by kvupgrade (``plan_text(...).new_text``, R -> T, default settings), starts the real T
  with no warning or error line. A pair that legitimately warns is listed in EXCEPTIONS with the
  warning it may print, the reason and an upstream reference.
- The other side: the shipped confs as they are draw warnings from the newest binary, each on a
  line kvupgrade's plan fixes (so the judge does see what the all-pairs group says is gone).
- The seed case: a 2.12.0 conf with a row cache warns on 2.13/2.14 before the rewrite, not after.
- Configs the real server refuses: its own message is in the verdict.
- The binary's version is checked; the sandbox holds (nothing written outside its directory,
  nothing reached over the network, loopback only, directory gone, also after a timeout or Ctrl-C).

Each start is bounded (START_TIMEOUT to be ready, GRACE to stop) and binds 127.0.0.1; the
all-pairs servers run two at a time. Without ../shared these tests skip; under CI=true they fail.
"""

from __future__ import annotations

import os
import re
import signal
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

import upgrader
from tests import realbins
from upgrader.matrix import load_matrix
from upgrader.realserver import Verdict, VersionMismatch, binary_version, judge
from upgrader.redact import MASK
from upgrader.versions import Release, format_version

pytestmark = pytest.mark.slow

START_TIMEOUT = 20.0  # seconds for one server to be ready (they take well under one)
GRACE = 5.0  # seconds from SIGTERM to SIGKILL
POOL = 2  # servers at once: the machine has two cores
M = load_matrix()


@dataclass(frozen=True)
class Allowed:
    warning: str  # a substring of the warning line the pair may print
    reason: str
    reference: str  # upstream issue, PR or document


# (from, to) -> warnings the upgraded shipped conf may print on the real target, and why.
# Empty: with the binaries in ../shared (2.10.1, 2.13.0 and 2.14.0 builds), every upgraded
# shipped conf from 1.3.0 on starts with no warning at all. The shipped confs set no tls-* key,
# so the build without OpenSSL (bin/README.md) has nothing to warn about; an entry would look like
# ("2.2.0", "2.14.0"): (Allowed("'tls-port'", "no tls-* key in a build without OpenSSL",
# "../shared/kvrocks/bin/README.md; apache/kvrocks#797"),).
EXCEPTIONS: dict[tuple[str, str], tuple[Allowed, ...]] = {}

PAIRS = [(r, t) for t in sorted(realbins.packed()) for r in sorted(realbins.shipped_confs()) if r < t]


def _pair_id(pair: Optional[tuple[Release, Release]]) -> str:
    return "no-binaries" if pair is None else f"{format_version(pair[0])}-to-{format_version(pair[1])}"


def _shipped(release: Release) -> str:
    return realbins.shipped_confs()[release].read_text(encoding="utf-8")


def _describe(v: Verdict) -> str:
    lines = [f"started={v.started} exit={v.exit_status} timed_out={v.timed_out} fatal={v.fatal!r}"]
    lines += [f"  {x.level} (config line {x.config_line}): {x.text}" for x in v.warnings + v.errors]
    return "\n".join(lines)


def _bin(bins: dict[Release, Path], version: str) -> Path:
    v = M.resolve(version)
    if v not in bins:
        realbins.unavailable(f"no real Kvrocks {version} binary in {realbins.PACKED}")
    return bins[v]


@pytest.fixture(scope="module")
def upgraded(kvrocks_bins: dict[Release, Path]) -> dict[tuple[Release, Release], Verdict]:
    """Every pair judged once, POOL servers at a time."""

    def run(pair: tuple[Release, Release]) -> Verdict:
        r, t = pair
        plan = upgrader.plan_text(_shipped(r), from_=r, to=t, matrix=M)
        return judge(kvrocks_bins[t], plan.new_text, expect=t, matrix=M, timeout=START_TIMEOUT, grace=GRACE)

    with ThreadPoolExecutor(POOL) as pool:
        return dict(zip(PAIRS, pool.map(run, PAIRS)))


@pytest.mark.parametrize("pair", PAIRS or [None], ids=_pair_id)
def test_upgraded_shipped_conf_starts_the_real_target_with_no_warning(
        pair: Optional[tuple[Release, Release]], upgraded: dict[tuple[Release, Release], Verdict]) -> None:
    assert pair is not None  # without binaries the fixture has skipped (or failed, under CI)
    v = upgraded[pair]
    allowed = EXCEPTIONS.get((format_version(pair[0]), format_version(pair[1])), ())
    unexpected = [w for w in v.warnings if not any(a.warning in w.text for a in allowed)]
    assert v.started and not v.timed_out, _describe(v)
    assert not unexpected and not v.errors, _describe(v)


def test_every_exception_is_explained_and_still_needed(upgraded: dict[tuple[Release, Release], Verdict]) -> None:
    pairs = {(format_version(r), format_version(t)): (r, t) for r, t in PAIRS}
    for key, allowed in EXCEPTIONS.items():
        assert key in pairs, f"{key}: not a pair with a shipped conf and a binary"
        for a in allowed:
            assert a.warning and a.reason.strip(), f"{key}: an exception needs the warning and a reason"
            assert re.search(r"apache/kvrocks#\d+|https://|README", a.reference), f"{key}: no upstream reference"
            seen = [w.text for w in upgraded[pairs[key]].warnings]
            assert any(a.warning in w for w in seen), f"{key}: {a.warning!r} is no longer printed; drop it"


NEWEST = max(realbins.packed(), default=None)
RAW = [pair for pair in PAIRS if pair[1] == NEWEST]


@pytest.fixture(scope="module")
def raw(kvrocks_bins: dict[Release, Path]) -> dict[tuple[Release, Release], Verdict]:
    """The shipped confs as they are (not upgraded) on the newest binary, POOL at a time."""

    def run(pair: tuple[Release, Release]) -> Verdict:
        return judge(kvrocks_bins[pair[1]], _shipped(pair[0]), expect=pair[1], matrix=M, timeout=START_TIMEOUT,
                     grace=GRACE)

    with ThreadPoolExecutor(POOL) as pool:
        return dict(zip(RAW, pool.map(run, RAW)))


@pytest.mark.parametrize("pair", RAW or [None], ids=_pair_id)
def test_every_warning_of_the_real_server_is_a_line_kvupgrade_fixes(
        pair: Optional[tuple[Release, Release]], raw: dict[tuple[Release, Release], Verdict]) -> None:
    """The other side of the all-pairs group (which would also pass with a judge that never saw
    a warning): the shipped conf as it is draws warnings from the newest server (every one up to
    2.12.0 does), and each one names a key and line that kvupgrade's plan fixes."""
    assert pair is not None
    v = raw[pair]
    assert v.started and not v.errors, _describe(v)
    plan = upgrader.plan_text(_shipped(pair[0]), from_=pair[0], to=pair[1], matrix=M)
    fixed = {(f.option, f.line) for f in plan.findings if f.line and f.applied}
    warned = set()
    for w in v.warnings:
        m = re.match(r"WARNING: '([^']+)' at line \d+ is (?:not a valid configuration key|deprecated)", w.text)
        assert m and w.config_line, w.text
        warned.add((m.group(1), w.config_line))
    assert warned <= fixed, _describe(v)
    if pair[0] < (2, 13, 0):  # removed keys or a row cache line: every such conf has one
        assert warned, _describe(v)


# --- the seed case: a row cache on 2.12 -> 2.13 / 2.14 ---------------------------------------

ROW_CACHE_LINE = 687  # of the 2.12.0 shipped conf


@pytest.mark.parametrize("target", ["2.13.0", "2.14.0"])
def test_row_cache_warns_on_the_real_server_before_the_rewrite_and_not_after(
        target: str, kvrocks_bins: dict[Release, Path]) -> None:
    binary = _bin(kvrocks_bins, target)
    lines = _shipped((2, 12, 0)).splitlines(keepends=True)
    assert lines[ROW_CACHE_LINE - 1] == "rocksdb.row_cache_size 0\n"
    lines[ROW_CACHE_LINE - 1] = "rocksdb.row_cache_size 1024\n"
    before = "".join(lines)

    v = judge(binary, before, expect=target, matrix=M, timeout=START_TIMEOUT, grace=GRACE)
    assert v.started, _describe(v)
    assert [(w.config_line, w.text) for w in v.warnings] == [(ROW_CACHE_LINE, (
        f"WARNING: 'rocksdb.row_cache_size' at line {ROW_CACHE_LINE} is deprecated and does not take effect."))]

    plan = upgrader.plan_text(before, from_="2.12.0", to=target, matrix=M)
    fixed = [f for f in plan.findings if f.option == "rocksdb.row_cache_size" and f.line == ROW_CACHE_LINE]
    assert fixed and all(f.applied for f in fixed)
    after = judge(binary, plan.new_text, expect=target, matrix=M, timeout=START_TIMEOUT, grace=GRACE)
    assert after.clean, _describe(after)


# --- configs the real server refuses -----------------------------------------------------------

def _with(text: str, key: str, value: str) -> tuple[str, int]:
    """``text`` with the line setting ``key`` set to ``value``, and that line's number."""
    lines = text.splitlines(keepends=True)
    n = next(i for i, ln in enumerate(lines) if ln.split(" ", 1)[0] == key)
    lines[n] = f"{key} {value}\n"
    return "".join(lines), n + 1


@pytest.mark.parametrize("key, value, why", [
    ("max-io-mb", "0x2000", "encounter non-integer characters"),  # base 0 until 2.13, decimal from 2.14
    ("migrate-batch-rate-limit-mb", "0", "out of numeric range"),  # min 1 from 2.14 (#3228)
])
def test_a_refused_config_gives_the_servers_own_message(key: str, value: str, why: str,
                                                        kvrocks_bins: dict[Release, Path]) -> None:
    text, line = _with(_shipped((2, 13, 0)), key, value)
    v = judge(_bin(kvrocks_bins, "2.14.0"), text, expect="2.14.0", matrix=M, timeout=START_TIMEOUT, grace=GRACE)
    assert not v.started and v.exit_status == 1 and not v.timed_out, _describe(v)
    assert v.fatal is not None and v.fatal.startswith(f"Failed to load config. Error: at line #L{line}: ")
    assert key in v.fatal and why in v.fatal, v.fatal
    assert [(e.level, e.config_line) for e in v.errors] == [("fatal", line)]


def test_kvupgrade_and_the_real_server_agree_on_the_refused_values(kvrocks_bins: dict[Release, Path]) -> None:
    """Both refused values have safe fixes (max-io-mb in decimal; the rate limit at its largest
    accepted value, with an inline comment saying why): the real 2.14 reads the planned text,
    inline comment included, and starts with no warning."""
    binary = _bin(kvrocks_bins, "2.14.0")
    text, io_line = _with(_shipped((2, 13, 0)), "max-io-mb", "0x2000")
    text, rate_line = _with(text, "migrate-batch-rate-limit-mb", "0")
    v = judge(binary, text, expect="2.14.0", matrix=M, timeout=START_TIMEOUT, grace=GRACE)
    assert not v.started and [e.config_line for e in v.errors] == [io_line], _describe(v)  # the first stops it

    plan = upgrader.plan_text(text, from_="2.13.0", to="2.14.0", matrix=M)
    assert not plan.blockers
    assert {f.line for f in plan.findings if f.applied and f.severity == "error"} >= {io_line, rate_line}
    v = judge(binary, plan.new_text, expect="2.14.0", matrix=M, timeout=START_TIMEOUT, grace=GRACE)
    assert v.clean, _describe(v)


def test_flags_are_judged_as_the_node_receives_them(kvrocks_bins: dict[Release, Path]) -> None:
    """A conf file plus `--key value` flags (Compose, systemd, Kubernetes args): a flag's warning
    names no config line (the server says line -1), and a bad flag value stops the server."""
    binary = _bin(kvrocks_bins, "2.14.0")
    text = _shipped((2, 13, 0))
    v = judge(binary, text, [("rocksdb.row_cache_size", "1024"), ("workers", "2")], expect="2.14.0", matrix=M,
              timeout=START_TIMEOUT, grace=GRACE)
    assert v.started and [(w.config_line, w.flag) for w in v.warnings] == [(None, None)], _describe(v)
    assert v.warnings[0].text == "WARNING: 'rocksdb.row_cache_size' at line -1 is deprecated and does not take effect."
    v = judge(binary, text, [("max-io-mb", "0x2000")], expect="2.14.0", matrix=M, timeout=START_TIMEOUT, grace=GRACE)
    assert not v.started and v.exit_status == 1, _describe(v)
    assert v.fatal == ("Failed to load config. Error: CLI config option error: failed to set value of field "
                       "'max-io-mb': encounter non-integer characters")


# --- the binary's version -----------------------------------------------------------------------

def test_each_binary_reports_the_release_its_file_is_named_after(kvrocks_bins: dict[Release, Path]) -> None:
    for release, path in kvrocks_bins.items():
        found = binary_version(path, M)
        assert found.release == release, found
        assert found.development == (release >= (2, 13, 0)), found  # the 2.13/2.14 builds are branch cuts


def test_a_version_mismatch_is_detected_before_anything_starts(kvrocks_bins: dict[Release, Path],
                                                               tmp_path: Path) -> None:
    binary = _bin(kvrocks_bins, "2.13.0")
    with pytest.raises(VersionMismatch, match=r"Kvrocks 2\.13\.0 \('kvrocks unstable \(commit fe8b4cca\)'\), not 2\.14\.0"):
        judge(binary, _shipped((2, 13, 0)), expect="2.14.0", matrix=M, workdir_parent=tmp_path)
    assert list(tmp_path.iterdir()) == []
    v = judge(binary, _shipped((2, 13, 0)), expect="2.14.0", allow_mismatch=True, matrix=M,
              timeout=START_TIMEOUT, grace=GRACE, workdir_parent=tmp_path)
    assert v.clean and v.version.name == "2.13.0", _describe(v)


# --- the sandbox --------------------------------------------------------------------------------

def _processes_mentioning(text: str) -> list[int]:
    """PIDs whose command line mentions ``text`` (our servers carry their directory in argv)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_the_server_touches_nothing_outside_its_directory_and_reaches_nowhere(
        kvrocks_bins: dict[Release, Path], tmp_path: Path) -> None:
    forbidden = tmp_path / "forbidden"
    work = tmp_path / "judge"
    work.mkdir()
    with socket.socket() as trap:  # a "master" on loopback: the server must never connect to it
        trap.bind(("127.0.0.1", 0))
        trap.listen(8)
        trap.setblocking(False)
        trap_port = trap.getsockname()[1]
        text = _shipped((2, 13, 0)) + "".join(f"{k} {v}\n" for k, v in [
            ("dir", forbidden / "data"), ("backup-dir", forbidden / "backup"), ("pidfile", forbidden / "k.pid"),
            ("log-dir", forbidden / "logs"), ("unixsocket", forbidden / "k.sock"), ("bind", "0.0.0.0"),
            ("port", trap_port), ("daemonize", "yes"), ("slaveof", f"127.0.0.1 {trap_port}"),
        ])
        v = judge(_bin(kvrocks_bins, "2.14.0"), text, expect="2.14.0", matrix=M, timeout=START_TIMEOUT,
                  grace=GRACE, workdir_parent=work)
        with pytest.raises(BlockingIOError):
            trap.accept()
    assert v.started, _describe(v)
    assert [k for _, k in v.neutralised] == ["slaveof"]
    listening = [x for x in v.output if "Listening on: " in x]
    assert listening and all(re.search(r"Listening on: 127\.0\.0\.1:\d+$", x) for x in listening), listening
    assert f":{trap_port}" not in "".join(listening)
    assert not forbidden.exists()
    assert list(work.iterdir()) == []
    assert _processes_mentioning(str(work)) == []


def test_after_a_timeout_the_server_is_stopped_and_its_directory_removed(
        kvrocks_bins: dict[Release, Path], tmp_path: Path) -> None:
    v = judge(_bin(kvrocks_bins, "2.14.0"), _shipped((2, 13, 0)), matrix=M, timeout=0.001, grace=2.0,
              workdir_parent=tmp_path)
    assert v.timed_out and not v.started and v.fatal is None, _describe(v)
    assert v.exit_status is not None  # it was stopped, not left behind
    assert list(tmp_path.iterdir()) == []
    assert _processes_mentioning(str(tmp_path)) == []


def test_after_ctrl_c_the_server_is_stopped_and_its_directory_removed(
        kvrocks_bins: dict[Release, Path], tmp_path: Path) -> None:
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.15)  # while it starts
        with pytest.raises(KeyboardInterrupt):
            judge(_bin(kvrocks_bins, "2.14.0"), _shipped((2, 13, 0)), matrix=M, timeout=START_TIMEOUT,
                  grace=2.0, workdir_parent=tmp_path)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert list(tmp_path.iterdir()) == []
    assert _processes_mentioning(str(tmp_path)) == []


def test_secrets_never_appear_in_what_the_server_said(kvrocks_bins: dict[Release, Path]) -> None:
    binary = _bin(kvrocks_bins, "2.14.0")
    # A password pasted on a line of its own: the server names it, lower-cased, as an unknown key.
    text = _shipped((2, 13, 0)) + "requirepass Zebra-Secret-42\nZebra-Secret-42 x\n"
    v = judge(binary, text, expect="2.14.0", matrix=M, timeout=START_TIMEOUT, grace=GRACE)
    assert v.started and len(v.warnings) == 1 and MASK in v.warnings[0].text, _describe(v)
    assert not any("zebra-secret" in x.lower() for x in v.output)

    # A secret flag (moved into the copy, off the command line) that the server refuses.
    text = _shipped((2, 13, 0)) + "namespace.ns1 Flag-Secret-77\n"
    v = judge(binary, text, [("requirepass", "Flag-Secret-77")], expect="2.14.0", matrix=M,
              timeout=START_TIMEOUT, grace=GRACE)
    assert not v.started and v.fatal and "requirepass is duplicated with namespace tokens" in v.fatal
    assert [(e.config_line, e.flag) for e in v.errors] == [(None, "requirepass")]
    assert not any("flag-secret" in x.lower() for x in v.output + (v.fatal,))


def test_the_binaries_are_unpacked_into_the_build_tree_not_into_shared(kvrocks_bins: dict[Release, Path]) -> None:
    for path in kvrocks_bins.values():
        assert path.parent == realbins.CACHE and os.access(path, os.X_OK)
        assert realbins.SHARED not in path.resolve().parents
    assert not list(realbins.PACKED.glob("kvrocks-*[0-9]"))  # nothing decompressed beside the archives
