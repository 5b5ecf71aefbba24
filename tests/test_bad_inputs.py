"""Bad input: a clear error naming the file (and line), exit 1, no traceback, file untouched.

The command line runs in-process (tests/clirun.py), except the permission cases: they run it
as an unprivileged user (``setpriv``) when the tests run as root, because root ignores file
modes; otherwise they run as the current user.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

import upgrader
from upgrader.api import apply_file

from . import clirun
from .clirun import Ran

GOOD = "port 6666\nrocksdb.row_cache_size 1024\n"
REPO = Path(__file__).resolve().parent.parent


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def kv(*args: str, user: bool = False) -> Ran:
    """The command line, in-process; as another user (a subprocess) for the file-mode cases."""
    if not user:  # the matrix cache in a directory of the tests' own, never the user's home
        return clirun.kv(*args, env={"KVUPGRADE_CACHE_DIR": os.path.join(tempfile.gettempdir(), "kvupgrade-test-cache")})
    cmd = [sys.executable, "-m", "upgrader", *args]
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO), "KVUPGRADE_NO_CACHE": "1"}
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: file modes cannot be tested")
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
        env["HOME"] = "/tmp"
        env["KVUPGRADE_LOCK_DIR"] = world_dir() + "/locks"
        # A checkout under a private directory (e.g. mktemp -d, mode 700) is out of the
        # unprivileged user's reach; then only the in-process permission tests below apply.
        probe = subprocess.run([*cmd[:4], sys.executable, "-c", "import upgrader"], capture_output=True,
                               text=True, env=env, timeout=60)
        if probe.returncode != 0:
            pytest.skip(f"an unprivileged user cannot run this checkout ({probe.stderr.strip()[:200]})")
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    return Ran(r.returncode, r.stdout, r.stderr)


def world_dir() -> str:
    d = os.path.join(tempfile.gettempdir(), "kvupgrade-test-world")
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o1777)  # sticky, as /tmp: the lock directory in it must not be replaceable by others
    return d


@pytest.fixture
def public_dir() -> Iterator[Path]:
    """A directory an unprivileged user can reach (pytest's tmp_path is root-only)."""
    d = Path(tempfile.mkdtemp(dir=world_dir()))
    d.chmod(0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def assert_clean_error(r: Ran, *needles: str) -> None:
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr + r.stdout
    for n in needles:
        assert n in r.stderr, (n, r.stderr)


@pytest.mark.parametrize("name,content,needles", [
    ("binary.conf", b"port 6666\n\x00\x01\x02", ["binary content", ":2:"]),
    ("empty.conf", b"", ["empty"]),
    ("blank.conf", b"\n  \n", ["empty"]),
    ("unterminated.conf", b'port 6666\nrequirepass "abc\n', [":2:", "quoted string"]),
    ("after-quote.conf", b'port 6666\n\ndir "/a" b\n', [":3:", "more than 2 item"]),
])
def test_bad_content(tmp_path: Path, name: str, content: bytes, needles: list[str]) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    before = digest(p)
    for cmd in ("plan", "apply"):
        r = kv(cmd, "--from", "2.12.0", "--to", "2.14.0", str(p))
        assert_clean_error(r, str(p), *needles)
    assert digest(p) == before


def test_huge_file(tmp_path: Path) -> None:
    p = tmp_path / "huge.conf"
    line = b"# " + b"x" * 1000 + b"\n"
    with p.open("wb") as fh:
        for _ in range(50 * 1024):
            fh.write(line)  # ~50 MB
    before = digest(p)
    r = kv("apply", "--from", "2.12.0", "--to", "2.14.0", str(p))
    assert_clean_error(r, str(p), "limit")
    assert digest(p) == before


def test_missing_and_directory(tmp_path: Path) -> None:
    assert_clean_error(kv("plan", "--to", "2.14.0", str(tmp_path / "nope.conf")), "nope.conf: no such file")
    assert_clean_error(kv("apply", "--to", "2.14.0", str(tmp_path)), "is a directory")


def test_unknown_version(tmp_path: Path) -> None:
    p = tmp_path / "k.conf"
    p.write_text(GOOD)
    assert_clean_error(kv("plan", "--from", "unstable", "--to", "2.14.0", str(p)), "development channel")
    assert_clean_error(kv("apply", "--from", "2.12.0", "--to", "2.99.0", str(p)), "known releases")
    assert p.read_text() == GOOD


def test_unreadable_file(public_dir: Path) -> None:
    p = public_dir / "secret.conf"
    p.write_text(GOOD)
    p.chmod(0o000)
    r = kv("apply", "--from", "2.12.0", "--to", "2.14.0", str(p), user=True)
    assert_clean_error(r, str(p), "permission denied")
    p.chmod(0o644)
    assert p.read_text() == GOOD


def test_permission_denied_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same contract as the setpriv tests, wherever they cannot run."""
    p = tmp_path / "k.conf"
    p.write_text(GOOD)

    def denied(*a: object, **k: object) -> bytes:
        raise PermissionError(13, "Permission denied")

    import upgrader.fileio

    monkeypatch.setattr(upgrader.fileio, "open_regular", denied)  # how read_source opens the file
    out = apply_file(str(p), from_="2.12.0", to="2.14.0")
    assert out.error == f"{p}: permission denied" and out.exit == 1
    monkeypatch.undo()
    assert p.read_text() == GOOD


def test_unwritable_directory(public_dir: Path) -> None:
    p = public_dir / "kvrocks.conf"
    p.write_text(GOOD)
    p.chmod(0o666)  # the file is writable, its directory is not: no temp file, no rename
    public_dir.chmod(0o555)
    try:
        r = kv("apply", "--from", "2.12.0", "--to", "2.14.0", "--no-backup", str(p), user=True)
    finally:
        public_dir.chmod(0o755)
    assert_clean_error(r, str(p), "left untouched")
    assert p.read_text() == GOOD
    assert sorted(x.name for x in public_dir.iterdir()) == ["kvrocks.conf"]


def test_read_only_filesystem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "k.conf"
    p.write_text(GOOD)

    def erofs(*a: object, **k: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    import tempfile  # fileio imports it when it writes

    monkeypatch.setattr(tempfile, "mkstemp", erofs)
    out = apply_file(str(p), from_="2.12.0", to="2.14.0", backup=False)
    assert out.error and "read-only file system" in out.error.lower() and str(p) in out.error
    assert p.read_text() == GOOD


def test_file_changed_between_read_and_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "k.conf"
    p.write_text(GOOD)
    real_plan = upgrader.api.plan_any  # the one dispatcher apply_file plans through

    def plan_then_someone_writes(*a, **k):  # type: ignore[no-untyped-def]
        plan = real_plan(*a, **k)
        p.write_text(GOOD + "workers 4\n")  # e.g. Kvrocks' CONFIG REWRITE
        return plan

    monkeypatch.setattr(upgrader.api, "plan_any", plan_then_someone_writes)
    out = apply_file(str(p), from_="2.12.0", to="2.14.0", backup=False)
    assert out.error and "changed since it was read" in out.error
    assert p.read_text() == GOOD + "workers 4\n"  # the other writer's content survives
    assert [x.name for x in tmp_path.iterdir()] == ["k.conf"]  # no temp file left behind


@pytest.mark.parametrize("overlay,needle", [
    ("options: [{name: x}]", "non-empty 'history'"),
    ("options: [", "not valid YAML"),
    ("- a\n- b\n", "overlay is a mapping"),
    ("options:\n  - name: port\n    history:\n      - {since: '2.14.0', status: bogus}\n", "'bogus' is not one of"),
    ("!!python/object/apply:os.system ['true']\n", "not valid YAML"),
])
def test_malformed_overlay(tmp_path: Path, overlay: str, needle: str) -> None:
    o = tmp_path / "site.yaml"
    o.write_text(overlay)
    c = tmp_path / "k.conf"
    c.write_text(GOOD)
    r = kv("plan", "--to", "2.14.0", "--overlay", str(o), str(c))
    assert_clean_error(r, str(o), needle)


def test_not_utf8_bom_crlf_are_not_errors(tmp_path: Path) -> None:
    p = tmp_path / "k.conf"
    data = b"\xef\xbb\xbfport 6666\r\ndir /data/\xff\xfe\r\nrocksdb.row_cache_size 10\r\n"
    p.write_bytes(data)
    r = kv("apply", "--from", "2.12.0", "--to", "2.14.0", "--no-backup", str(p))
    assert r.returncode == 3, r.stderr
    new = p.read_bytes()
    assert new.startswith(b"\xef\xbb\xbfport 6666\r\ndir /data/\xff\xfe\r\n# kvupgrade: rocksdb.row_cache_size 10")
    assert new.endswith(b"\r\n") and b"\r\n" in new and new.count(b"\n") == 3


def test_site_overlay_forbids_and_adds_options(tmp_path: Path) -> None:
    o = tmp_path / "site.yaml"
    o.write_text(
        "forbidden:\n  - {option: rocksdb.compression, reason: 'zstd only (INC-42)'}\n"
        "options:\n  - name: internal-build-flag\n    history:\n"
        "      - {since: '2.12.0', status: active, type: yesno, default: 'no', min: null, max: null,"
        " enum_values: null, readonly: true, unit: null, ifdef: null, accepted_suffixes: null,"
        " shipped: null, evidence: inferred}\n")
    c = tmp_path / "k.conf"
    c.write_text("internal-build-flag maybe\nrocksdb.compression snappy\n")
    r = kv("plan", "--from", "2.13.0", "--to", "2.14.0", "--overlay", str(o), "--format", "json", str(c))
    assert r.returncode == 4, r.stderr
    import json

    findings = {(f["rule"], f["option"]) for f in json.loads(r.stdout)["files"][0]["findings"]}
    assert ("site_policy", "rocksdb.compression") in findings
    assert ("target_check", "internal-build-flag") in findings  # 'maybe' is not yes/no
    assert not any(opt == "internal-build-flag" and rule != "target_check" for rule, opt in findings)
