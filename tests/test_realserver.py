"""upgrader.realserver without a server: version output, pins, the sandboxed copy and command
line, reading what a server printed, masking. (tests/test_real_kvrocks.py starts real ones.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from upgrader.confmodel import Document
from upgrader.matrix import load_matrix
from upgrader.realserver import (
    NEUTRALISED_KEYS, SANDBOX_KEYS, RealServerError, VersionMismatch, check_version, classify, judge,
    mask_line, parse_version_output, redactor_for, sandbox_argv, sandbox_conf,
)
from upgrader.redact import MASK

M = load_matrix()


@pytest.mark.parametrize("commit, release", [
    ("54929cd0", "2.14.0"),  # branch-cut pins
    ("fe8b4cca", "2.13.0"),
    ("76a21bcb", "2.12.0"),
    ("dc4d5303", "2.10.1"),  # a tag pin
    ("DC4D530", "2.10.1"),  # 7 digits, any case
    ("54929cd0deadbeef", "2.14.0"),  # a longer id whose prefix is the pin
])
def test_commit_maps_to_the_release_whose_pin_names_it(commit: str, release: str) -> None:
    info = M.release_for_commit(commit)
    assert info is not None and info.name == release


@pytest.mark.parametrize("commit", ["deadbeef", "3243", "2845", "54929c", "", "v2.10.1", "zzzzzzzz"])
def test_no_release_for_an_unpinned_or_too_short_commit(commit: str) -> None:
    assert M.release_for_commit(commit) is None


def test_version_output_of_a_release_build() -> None:
    v = parse_version_output("kvrocks version 2.10.1 (commit dc4d5303)\n", M)
    assert (v.release, v.commit, v.development) == ((2, 10, 1), "dc4d5303", False)


def test_version_output_of_a_development_build_maps_through_the_pins() -> None:
    v = parse_version_output("kvrocks unstable (commit 54929cd0)\n", M)
    assert (v.release, v.commit, v.development, v.name) == ((2, 14, 0), "54929cd0", True, "2.14.0")
    v = parse_version_output("kvrocks unstable (commit fe8b4cca)", M)
    assert v.release == (2, 13, 0)


def test_version_output_of_an_unknown_development_build_has_no_release() -> None:
    v = parse_version_output("kvrocks unstable (commit 0123abcd)", M)
    assert v.release is None and v.development and v.name == "unknown"


@pytest.mark.parametrize("text", ["", "redis_version:7.0.0", "kvrocks", "Usage: kvrocks -c FILE"])
def test_unreadable_version_output_is_an_error(text: str) -> None:
    with pytest.raises(RealServerError, match="cannot read a Kvrocks version"):
        parse_version_output(text, M)


def test_version_mismatch_is_an_error_unless_allowed() -> None:
    v = parse_version_output("kvrocks unstable (commit fe8b4cca)", M)
    check_version(v, (2, 13, 0))
    with pytest.raises(VersionMismatch, match=r"Kvrocks 2\.13\.0 .*not 2\.14\.0") as exc:
        check_version(v, (2, 14, 0), binary="/opt/kvrocks")
    assert exc.value.path == "/opt/kvrocks"
    check_version(v, (2, 14, 0), allow_mismatch=True)
    unknown = parse_version_output("kvrocks unstable (commit 0123abcd)", M)
    with pytest.raises(VersionMismatch, match="development build of commit 0123abcd"):
        check_version(unknown, (2, 14, 0))


CONF = """\
port 6666
slaveof 10.0.0.1 6379
# replicaof 10.0.0.2 6379
replicaof 10.0.0.3 6380
socket-fd -1
requirepass hunter2-long
dir /var/lib/kvrocks
"""


def test_sandbox_copy_comments_out_what_reaches_out_and_keeps_every_line_number() -> None:
    box = sandbox_conf(CONF, (), M)
    lines = box.conf_text.splitlines()
    assert len(lines) == len(CONF.splitlines())
    assert lines[1] == "# slaveof 10.0.0.1 6379"
    assert lines[2] == "# replicaof 10.0.0.2 6379"  # already a comment: untouched
    assert lines[3] == "# replicaof 10.0.0.3 6380"
    assert lines[4] == "socket-fd -1"  # "open the port yourself": kept, so an older binary still warns
    assert box.neutralised == ((2, "slaveof"), (4, "replicaof"))
    doc = Document.parse(box.conf_text)
    assert not [ln for ln in doc.active() if ln.norm_key in NEUTRALISED_KEYS - {"socket-fd"}]
    assert "hunter2-long" in box.secrets


def test_an_inherited_socket_is_neutralised() -> None:
    box = sandbox_conf("socket-fd 3\n", [("socket-fd", "4"), ("slaveof", "10.0.0.1 6379")], M)
    assert box.conf_text == "# socket-fd 3\n"
    assert box.neutralised == ((1, "socket-fd"), (0, "socket-fd"), (0, "slaveof"))
    assert box.flags == ()


def test_secret_flags_move_to_the_end_of_the_copy_and_never_reach_the_command_line(tmp_path: Path) -> None:
    flags = [("workers", "2"), ("--masterauth", 'pa ss"w#rd'), ("namespace.ns1", "tok-en-1234")]
    box = sandbox_conf("port 6666", flags, M)
    assert box.flags == (("workers", "2"),)
    assert box.conf_text == 'port 6666\nmasterauth "pa ss\\"w#rd"\nnamespace.ns1 tok-en-1234\n'
    assert Document.parse(box.conf_text).effective()["masterauth"].value == 'pa ss"w#rd'  # read back as given
    assert box.moved_from == 1 and box.moved == ("masterauth", "namespace.ns1")
    argv = sandbox_argv("/bin/kvrocks", tmp_path, 12345, box.flags)
    assert not any("pa ss" in a or "tok-en" in a for a in argv)
    assert set(box.secrets) >= {'pa ss"w#rd', "tok-en-1234"}


def test_sandbox_flags_come_last_and_cover_every_path_and_address(tmp_path: Path) -> None:
    argv = sandbox_argv("/bin/kvrocks", tmp_path, 12345, [("dir", "/etc"), ("bind", "0.0.0.0"), ("workers", "2")])
    assert argv[:3] == ["/bin/kvrocks", "-c", str(tmp_path / "kvrocks.conf")]
    tail = argv[argv.index("--workers") + 2:]
    pairs = dict(zip(tail[::2], tail[1::2]))
    assert set(pairs) == {f"--{k}" for k in SANDBOX_KEYS}
    assert pairs["--bind"] == "127.0.0.1" and pairs["--port"] == "12345" and pairs["--daemonize"] == "no"
    assert pairs["--log-dir"] == "stdout"
    for key in ("--dir", "--backup-dir", "--pidfile", "--unixsocket"):
        assert Path(pairs[key]).parent == tmp_path


OUT_214 = [
    "WARNING: 'rocksdb.row_cache_size' at line 687 is deprecated and does not take effect.",
    "WARNING: 'zebra' at line -1 is not a valid configuration key.",
    "WARNING: 'requirepass' at line 701 is not a valid configuration key.",
    "[2026-12-02T06:24:57.737183+00:00][I][main.cc:168] kvrocks unstable (commit 54929cd0)",
    "[2026-12-02T06:24:57.737183+00:00][W][storage.cc:1] [storage] something odd",
    "[2026-12-02T06:24:57.737183+00:00][E][server.cc:1] [server] something bad",
    "[2026-12-02T06:24:58.091877+00:00][I][server.cc:245] [server] Ready to accept connections",
]


def test_classify_spdlog_output() -> None:
    warnings, errors, fatal = classify(OUT_214, moved_from=700, moved=("requirepass",))
    assert [(w.number, w.config_line, w.flag) for w in warnings] == [
        (1, 687, None), (2, None, None), (3, None, "requirepass"), (5, None, None)]
    assert [(e.number, e.level) for e in errors] == [(6, "error")]
    assert fatal is None


def test_classify_glog_output_and_a_fatal_config_error() -> None:
    out = [
        "W20261202 06:25:54.602094 32333 main.cc:142] an old-style warning",
        "F20261202 06:25:54.602094 32333 main.cc:142] an old-style fatal",
        "Failed to load config. Error: at line #L359: failed to set value of field 'max-io-mb': "
        "encounter non-integer characters",
    ]
    warnings, errors, fatal = classify(out)
    assert [w.number for w in warnings] == [1]
    assert [(e.number, e.level, e.config_line) for e in errors] == [(2, "fatal", None), (3, "fatal", 359)]
    assert fatal == out[2]


def test_server_lines_are_masked_also_when_the_server_lower_cases_a_secret() -> None:
    # A password pasted on a line of its own: Kvrocks names the "key" lower-cased.
    box = sandbox_conf("requirepass Zebra-Secret-42\nZebra-Secret-42 x\nmasterauth ab1\n", (), M)
    red = redactor_for(box, M)
    line = mask_line(red, "WARNING: 'zebra-secret-42' at line 2 is not a valid configuration key.")
    assert "zebra" not in line.lower() and MASK in line
    assert mask_line(red, "a short one: ab1 here") == f"a short one: {MASK} here"
    assert mask_line(red, "cab12 stays") == "cab12 stays"  # short secrets only as words


def test_a_missing_or_non_executable_binary_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(RealServerError, match="no such file") as exc:
        judge(tmp_path / "kvrocks", "port 6666\n")
    assert exc.value.path == str(tmp_path / "kvrocks")
    plain = tmp_path / "plain"
    plain.write_text("#!/bin/sh\n")
    with pytest.raises(RealServerError, match="not executable"):
        judge(plain, "port 6666\n")


def test_a_binary_that_is_not_kvrocks_is_refused_before_anything_starts(tmp_path: Path) -> None:
    fake = tmp_path / "fake"
    fake.write_text("#!/bin/sh\necho 'Redis server v=7.2.4'\n")
    fake.chmod(0o755)
    parent = tmp_path / "work"
    parent.mkdir()
    with pytest.raises(RealServerError, match="cannot read a Kvrocks version") as exc:
        judge(fake, "port 6666\n", workdir_parent=parent)
    assert exc.value.path == str(fake)
    assert list(parent.iterdir()) == []


def test_a_binary_without_command_line_overrides_cannot_be_sandboxed(tmp_path: Path) -> None:
    old = tmp_path / "kvrocks-2.1.0"
    old.write_text("#!/bin/sh\necho 'kvrocks version 2.1.0 @2cf4e16b'\n")
    old.chmod(0o755)
    with pytest.raises(RealServerError, match="takes no `--key value` flags"):
        judge(old, "port 6666\n")


def _fake(tmp_path: Path, body: str) -> Path:
    """A stand-in server: answers --version as the 2.14 build does, else runs ``body``."""
    path = tmp_path / "kvrocks-fake"
    path.write_text("#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'kvrocks unstable (commit 54929cd0)'; exit 0; fi\n"
                    + body)
    path.chmod(0o755)
    return path


def test_a_server_that_exits_without_a_config_error_reports_its_last_line(tmp_path: Path) -> None:
    work = tmp_path / "w"
    work.mkdir()
    fake = _fake(tmp_path, "echo 'starting'\necho 'boom: cannot create the data directory'\nexit 3\n")
    v = judge(fake, "port 6666\n", expect="2.14.0", timeout=5, grace=1, workdir_parent=work)
    assert (v.started, v.exit_status, v.timed_out) == (False, 3, False)
    assert v.fatal == "boom: cannot create the data directory"
    assert list(work.iterdir()) == []


def test_a_server_that_ignores_sigterm_is_killed_with_its_group(tmp_path: Path) -> None:
    work = tmp_path / "w"
    work.mkdir()
    fake = _fake(tmp_path, "trap '' TERM\necho '[t][I][server.cc:1] [server] Ready to accept connections'\n"
                           "sleep 30 &\nwait\n")
    v = judge(fake, "port 6666\n", timeout=5, grace=0.5, workdir_parent=work)
    assert v.started and v.exit_status == -9 and v.seconds < 5
    assert list(work.iterdir()) == []


def test_a_directory_too_deep_for_a_unix_socket_is_refused(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    fake = _fake(tmp_path, "exit 0\n")
    with pytest.raises(RealServerError, match="too deep for a unix socket path") as exc:
        judge(fake, "port 6666\n", workdir_parent=deep)
    assert exc.value.path == str(deep)
    assert list(deep.iterdir()) == []


@pytest.mark.parametrize("ci, outcome", [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_missing_binaries_skip_outside_ci_and_fail_under_ci(ci: str, outcome: type, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from tests import realbins

    monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(realbins, "PACKED", tmp_path / "no-such-dir")
    with pytest.raises(outcome, match="no real Kvrocks binaries at .*no-such-dir"):
        realbins.unpacked()


def test_binaries_are_unpacked_once_and_replaced_when_the_archive_changes(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import lzma
    import os

    from tests import realbins

    packed = tmp_path / "bin"
    packed.mkdir()
    archive = packed / "kvrocks-2.14.0.xz"
    archive.write_bytes(lzma.compress(b"#!/bin/sh\necho one\n"))
    monkeypatch.setattr(realbins, "PACKED", packed)
    monkeypatch.setattr(realbins, "CACHE", tmp_path / "cache")
    first = realbins.unpacked()[(2, 14, 0)]
    assert first == tmp_path / "cache" / "kvrocks-2.14.0" and os.access(first, os.X_OK)
    inode = first.stat().st_ino
    assert realbins.unpacked()[(2, 14, 0)].stat().st_ino == inode  # fresh: not decompressed again
    archive.write_bytes(lzma.compress(b"#!/bin/sh\necho two, longer\n"))
    os.utime(archive, ns=(1, 1))
    assert realbins.unpacked()[(2, 14, 0)].read_bytes() == b"#!/bin/sh\necho two, longer\n"
    assert list(packed.iterdir()) == [archive]  # nothing written beside the archives
