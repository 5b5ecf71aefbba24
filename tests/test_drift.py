"""upgrader.drift, pure: the release a node runs, values compared as the release reads them, drift
both ways, and verify's verdict and exit code. No server (tests/test_live_real.py has the real ones)."""

from __future__ import annotations

import json
import time
from typing import Optional

import pytest

from upgrader.drift import SourceReleaseError, drift, node_release, same_value, source_release, verify
from upgrader.exitcodes import Exit
from upgrader.live import node_state
from upgrader.matrix import load_matrix
from upgrader.nodestate import NodeState

M = load_matrix()
V214, V213, V212 = (2, 14, 0), (2, 13, 0), (2, 12, 0)
SECRET = "hunter2-s3cret-pass"


def node(config: dict[str, str], *, version: str = "unstable", sha: Optional[str] = "54929cd0",
         uptime: int = 3600) -> NodeState:
    info = {"kvrocks_version": version, "kvrocks_git_sha1": sha, "uptime_in_seconds": uptime}
    return node_state("127.0.0.1:6666", info, config, M, read_at=time.time())


def defaults(release: tuple[int, int, int], **over: str) -> dict[str, str]:
    """What CONFIG GET answers on a node that runs the release's defaults (plus ``over``)."""
    out = {k: st.default or "" for k, st in M.options_at(release).items()
           if st.status == "active" and k != "rename-command"}
    out.update({k.replace("_", "-") if "." not in k else k: v for k, v in over.items()})
    return out


# --- the release a node runs ------------------------------------------------------------------

def test_release_from_info() -> None:
    assert node_release("2.10.1", "dc4d5303", M).release == (2, 10, 1)
    dev = node_release("unstable", "54929cd0", M)
    assert (dev.release, dev.confidence) == (V214, "branch-cut")
    assert "54929cd0" in dev.how and "2.14.0" in dev.how
    unknown = node_release("unstable", "deadbeef", M)
    assert unknown.release is None and "--from" in unknown.how
    assert node_release("unstable", None, M).release is None
    assert node_release("banana", None, M).release is None


def test_source_release_for_plan_live() -> None:
    dev = node({}, version="unstable", sha="54929cd0")
    assert source_release(dev, M)[0] == V214
    assert source_release(dev, M, V213)[0] == V213  # a branch-cut guess yields to --from
    unknown = node({}, version="unstable", sha="deadbeef")
    with pytest.raises(SourceReleaseError) as exc:
        source_release(unknown, M)
    assert "--from" in str(exc.value) and "127.0.0.1:6666" in str(exc.value)
    assert source_release(unknown, M, V212)[0] == V212
    exact = node({}, version="2.10.1", sha="dc4d5303")
    assert source_release(exact, M, None)[0] == (2, 10, 1)
    with pytest.raises(SourceReleaseError, match="runs 2.10.1"):
        source_release(exact, M, V212)


# --- values as the release reads them ---------------------------------------------------------

@pytest.mark.parametrize("key, file_value, node_value, release, same", [
    ("slave-read-only", "YES", "yes", V214, True),
    ("slave-read-only", "no", "yes", V214, False),
    ("maxclients", "0x2710", "10000", V212, True),  # base 0 up to 2.13: hex is read
    ("maxclients", "010", "8", V212, True),  # and a leading 0 is octal
    ("maxclients", "010", "10", V214, True),  # from_chars base 10 on 2.14
    ("maxclients", "10001", "10000", V214, False),
    ("proto-max-bulk-len", "512m", "536870912", V214, True),
    ("proto-max-bulk-len", "1G", "536870912", V214, False),
    ("rocksdb.compression", "Snappy", "snappy", V214, True),
    ("unixsocketperm", "0777", "777", V214, True),
    ("bind", "127.0.0.1   ::1", "127.0.0.1 ::1", V214, True),
    ("dir", "/var/lib/kvrocks", "/var/lib/kvrocks/", V214, False),
])
def test_same_value(key: str, file_value: str, node_value: str, release: tuple[int, int, int], same: bool) -> None:
    era = M.release(release).integers
    assert same_value(file_value, node_value, M.state(key, release), era) is same


# --- drift ------------------------------------------------------------------------------------

def test_no_drift_when_the_node_runs_the_file() -> None:
    text = "maxclients 0x2710\nslave-read-only YES\nproto-max-bulk-len 512m\n"
    assert drift(text, node(defaults(V212, maxclients="10000")), M, V212) == []


def test_config_set_both_ways() -> None:
    text = "# a node\nmaxclients 10000\ntimeout 0\n"
    n = node(defaults(V214, maxclients="123", **{"slowlog-max-len": "999"}))
    found = {(f.rule, f.option): f for f in drift(text, n, M, V214)}
    assert set(found) == {("live/differs", "maxclients"), ("live/runtime-only", "slowlog-max-len")}
    differs = found[("live/differs", "maxclients")]
    assert differs.line == 2 and "123" in differs.message and "CONFIG SET" in differs.message
    assert (differs.before, differs.after) == ("10000", "123")
    assert "file does not set it" in found[("live/runtime-only", "slowlog-max-len")].message


def test_ignored_key_is_reported() -> None:
    text = "rocksdb.row_cache_size 1024\nmaxclients 10000\n"
    cfg = defaults(V214, maxclients="10000")
    cfg.pop("rocksdb.row_cache_size", None)
    (f,) = drift(text, node(cfg), M, V214)
    assert (f.rule, f.option, f.line) == ("live/ignored", "rocksdb.row_cache_size", 1)
    assert "deprecated" in f.message


def test_unknown_key_is_ignored_but_rename_command_and_namespaces_are_not() -> None:
    text = f'no-such-option 1\nrename-command KEYS ""\nrequirepass {SECRET}\nnamespace.ns1 tok-123456\n'
    n = node(defaults(V214, requirepass=SECRET))
    assert [(f.rule, f.option) for f in drift(text, n, M, V214)] == [("live/ignored", "no-such-option")]


def test_file_edited_after_the_node_started() -> None:
    n = node(defaults(V214, maxclients="500"), uptime=600)
    text = "maxclients 10000\n"
    old = drift(text, n, M, V214, file_mtime=time.time() - 3600)
    assert [f.rule for f in old] == ["live/differs"] and "CONFIG SET" in old[0].message
    new = drift(text, n, M, V214, file_mtime=time.time() - 60)
    assert [f.rule for f in new] == ["live/file-edited", "live/differs"]
    assert "edited after the node started" in new[1].message


def test_secret_drift_never_shows_the_value() -> None:
    n = node(defaults(V214, requirepass="rt9x-" + SECRET, masterauth="m4ster-" + SECRET))
    found = drift(f"requirepass {SECRET}\n", n, M, V214)
    assert {(f.rule, f.option) for f in found} == {("live/differs", "requirepass"), ("live/runtime-only", "masterauth")}
    dumped = json.dumps([f.to_dict() for f in found])
    assert SECRET not in dumped and "rt9x-" not in dumped and "m4ster" not in dumped


# --- verify -----------------------------------------------------------------------------------

def test_verify_passes_when_everything_reads_back() -> None:
    text = (f"maxclients 0010000\nslave-read-only YES\nproto-max-bulk-len 512m\nrequirepass {SECRET}\n"
            'rename-command KEYS ""\n')
    r = verify(text, node(defaults(V214, requirepass=SECRET, maxclients="10000")), M, V214)
    assert r.ok and r.exit_code == Exit.OK and r.checked == 4, r.to_dict()
    assert r.unverifiable == ["rename-command"]
    assert r.to_dict()["node_release"] == "2.14.0" and r.to_dict()["confidence"] == "branch-cut"


def test_verify_fails_on_another_release() -> None:
    r = verify("maxclients 10000\n", node(defaults(V213, maxclients="10000"), sha="fe8b4cca"), M, V214)
    assert not r.runs_target and r.exit_code == Exit.BLOCKED
    assert "2.13.0, not 2.14.0" in r.findings[0].message


def test_verify_fails_on_an_unknown_development_build() -> None:
    r = verify("maxclients 10000\n", node(defaults(V214), sha="deadbeef"), M, V214)
    assert r.exit_code == Exit.BLOCKED


@pytest.mark.parametrize("text, cfg, rule", [
    ("maxclients 10000\n", {"maxclients": "9999"}, "live/differs"),
    ("rocksdb.row_cache_size 64\n", {}, "live/ignored"),
    (f"requirepass {SECRET}\n", {"requirepass": "other"}, "live/differs"),
])
def test_verify_reports_each_setting_that_does_not_read_back(text: str, cfg: dict[str, str], rule: str) -> None:
    base = defaults(V214, **cfg)
    base.pop("rocksdb.row_cache_size", None)
    r = verify(text, node(base), M, V214)
    assert r.runs_target and r.exit_code == Exit.CHANGES
    assert [f.rule for f in r.findings] == [rule]
    assert SECRET not in json.dumps(r.to_dict())
