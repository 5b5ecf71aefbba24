"""The CLI contract, black box: exit codes, streams, JSON, files written (README "Exit codes").

Most cases run the command line in-process (tests/clirun.py); the console script, exit codes as
a shell sees them, a closed pipe and Ctrl-C run it as a subprocess (``sh``)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from upgrader.carriers.detect import KINDS
from upgrader.settings import MARKER

from .clirun import kv

ROW_CACHE = "port 6666\nworkers 8\nrocksdb.row_cache_size 1024\nrequirepass Zq7-unique-secret\n"
SCRIPT = Path(sys.executable).with_name("kvupgrade")  # the console script of this environment


def sh(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    """A real process: the console script when installed, else ``python -m upgrader``."""
    cmd = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "upgrader"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True,  # type: ignore[call-overload]
                          env={**os.environ, "NO_COLOR": "1"}, timeout=60, **kw)


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    p = tmp_path / "kvrocks.conf"
    p.write_text(ROW_CACHE)
    p.chmod(0o640)
    return p


def test_version() -> None:
    r = kv("--version")
    assert r.returncode == 0 and r.stdout.startswith("kvupgrade ")


def test_console_script_exit_codes(conf: Path, tmp_path: Path) -> None:
    """The codes a shell sees, through the installed entry point: 0, 1, 2, 3, 4."""
    assert sh("--version").stdout.startswith("kvupgrade ")
    assert sh("plan", "--from", "2.12.1", "--to", "2.13.0", str(conf)).returncode == 3
    assert sh("plan", "--from", "2.12.1", "--to", "2.13.0", str(tmp_path / "missing.conf")).returncode == 1
    assert sh("plan", "--bogus").returncode == 2
    p = tmp_path / "k.conf"
    p.write_text("compaction-checker-range 30-40\n")  # no cron equivalent: refused from 2.9.0, no fix
    assert sh("plan", "--from", "2.8.0", "--to", "2.14.0", str(p)).returncode == 4
    p.write_text("port 6666\n")
    assert sh("plan", "--from", "2.13.0", "--to", "2.14.0", str(p)).returncode == 0


def test_plan_reports_and_never_writes(conf: Path) -> None:
    before = conf.read_bytes()
    r = kv("plan", "--from", "2.12.1", "--to", "2.13.0", str(conf))
    assert r.returncode == 3, r.stderr
    assert "rocksdb.row_cache_size" in r.stdout and "DeleteRange" in r.stdout
    assert f"+{MARKER} rocksdb.row_cache_size 1024" in r.stdout  # the unified diff
    assert conf.read_bytes() == before
    assert "Zq7-unique-secret" not in r.stdout + r.stderr


def test_plan_nothing_to_do_exits_0(tmp_path: Path) -> None:
    p = tmp_path / "ok.conf"
    p.write_text("port 6666\n")
    r = kv("plan", "--from", "2.13.0", "--to", "2.14.0", str(p))
    assert r.returncode == 0, r.stdout


def test_apply_writes_backup_keeps_mode_and_is_idempotent(conf: Path) -> None:
    original = conf.read_bytes()
    r = kv("apply", "--from", "v2.12.1", "--to", "kvrocks version 2.13.0 (commit abc1234)", str(conf))
    assert r.returncode == 3, r.stdout + r.stderr
    text = conf.read_text()
    assert f"{MARKER} rocksdb.row_cache_size 1024" in text and text.count(MARKER) == 1
    assert stat.S_IMODE(conf.stat().st_mode) == 0o640
    backups = list(conf.parent.glob("kvrocks.conf.*.kvupgrade.bak"))
    assert len(backups) == 1 and backups[0].read_bytes() == original
    r2 = kv("apply", "--from", "2.12.1", "--to", "kvrocks_version:2.13.0", str(conf))
    assert r2.returncode == 0, r2.stdout
    assert conf.read_text() == text
    assert len(list(conf.parent.glob("*.bak"))) == 1  # nothing written, no new backup


def test_apply_no_backup(conf: Path) -> None:
    r = kv("apply", "--from", "2.12.1", "--to", "2.14.0", "--no-backup", str(conf))
    assert r.returncode == 3
    assert not list(conf.parent.glob("*.bak"))


def test_apply_through_symlink_edits_target_keeps_link(conf: Path) -> None:
    link = conf.parent / "link.conf"
    link.symlink_to(conf)
    r = kv("apply", "--from", "2.12.1", "--to", "2.13.0", "--no-backup", str(link))
    assert r.returncode == 3
    assert link.is_symlink() and MARKER in conf.read_text()


def test_json_is_the_only_thing_on_stdout(conf: Path) -> None:
    r = kv("plan", "--from", "2.12.1", "--to", "2.13.0", "--format", "json", str(conf))
    assert r.returncode == 3
    doc = json.loads(r.stdout)
    assert doc["schema"] == "kvupgrade/report/v1" and doc["command"] == "plan"
    (f,) = doc["files"]
    assert f["status"] == "changed" and f["exit"] == 3 and f["from"] == "2.12.1" and f["to"] == "2.13.0"
    ids = [x["id"] for x in f["findings"]]
    assert "comment_out/rocksdb.row_cache_size@2.13.0" in ids
    for x in f["findings"]:
        assert {"id", "option", "rule", "severity", "line", "message", "references", "action", "fixable",
                "applied", "safety", "why"} <= set(x)
    assert "Zq7-unique-secret" not in r.stdout


def test_blockers_exit_4(tmp_path: Path) -> None:
    p = tmp_path / "k.conf"
    p.write_text("compaction-checker-range 30-40\n")  # no cron equivalent: refused from 2.9.0, no fix
    r = kv("plan", "--from", "2.8.0", "--to", "2.14.0", str(p))
    assert r.returncode == 4, r.stdout


@pytest.mark.parametrize("args", [["plan", "--to", "2.14.0"], ["plan", "--bogus"], ["nosuchcommand"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert kv(*args).returncode == 2


@pytest.mark.parametrize("command", ["plan", "apply", "check"])
def test_unknown_kind_is_a_usage_error_listing_the_kinds(conf: Path, command: str) -> None:
    before = conf.read_bytes()
    r = kv(command, "--kind", "bogus", "--to", "2.14.0", str(conf), str(conf.parent / "missing.conf"))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "'bogus'" in r.stderr and all(k in r.stderr for k in KINDS)
    assert r.stdout == "" and "missing.conf" not in r.stderr  # refused before any file is looked at
    assert conf.read_bytes() == before
    assert kv(command, "--kind", "conf", "--to", "2.14.0", str(conf)).returncode in (3, 4)


@pytest.mark.parametrize("args,message", [
    (["apply", "--from", "2.12.1", "--to", "2.13.0", "--kind", "flags-systemd"], "no kvrocks settings found"),
    (["apply", "--from", "2.12.1", "--to", "2.13.0", "--kind", "yaml-vars"], "no kvrocks settings found"),
    (["plan", "--from", "2.12.1", "--to", "2.13.0", "--kind", "flags-compose"], "no kvrocks settings found"),
])
def test_a_refused_file_is_reported_once(conf: Path, args: list[str], message: str) -> None:
    before = conf.read_bytes()
    r = kv(*args, str(conf))
    assert r.returncode == 1
    both = r.stdout + r.stderr
    assert message in r.stderr and both.count(str(conf) + ":") == 1, both  # not on stdout too
    assert "1 failed" in r.stdout  # the summary still counts it
    assert conf.read_bytes() == before


def test_an_unknown_version_is_reported_once(conf: Path) -> None:
    r = kv("plan", "--from", "2.12.1", "--to", "3.0.0", str(conf))
    assert r.returncode == 1 and (r.stdout + r.stderr).count("unknown Kvrocks release") == 1


def test_unknown_version_exit_1_lists_known(conf: Path) -> None:
    r = kv("plan", "--from", "2.12.1", "--to", "3.0.0", str(conf))
    assert r.returncode == 1 and "known releases:" in r.stderr and "Traceback" not in r.stderr


def test_missing_file_exit_1_and_others_still_planned(conf: Path, tmp_path: Path) -> None:
    r = kv("plan", "--from", "2.12.1", "--to", "2.13.0", str(tmp_path / "missing.conf"), str(conf))
    assert r.returncode == 1
    assert "missing.conf: no such file" in r.stderr
    assert "rocksdb.row_cache_size" in r.stdout


def test_malformed_line_error_names_file_and_line(tmp_path: Path) -> None:
    p = tmp_path / "bad.conf"
    p.write_text('port 6666\nrequirepass "unterminated\n')
    before = p.read_bytes()
    r = kv("apply", "--from", "2.12.0", "--to", "2.14.0", str(p))
    assert r.returncode == 1
    assert f"{p}:2:" in r.stderr and "quoted string" in r.stderr and "Traceback" not in r.stderr
    assert p.read_bytes() == before


def test_check_needs_no_source(tmp_path: Path) -> None:
    p = tmp_path / "k.conf"
    p.write_text("rocksdb.row_cache_size 10\nmigrate-batch-rate-limit-mb 0\n")
    r = kv("check", "--to", "2.14.0", str(p))
    assert r.returncode == 4
    assert "deprecated" in r.stdout and "migrate-batch-rate-limit-mb" in r.stdout


def test_matrix_lists_changes() -> None:
    r = kv("matrix", "--from", "2.12.1", "--to", "2.14.0")
    assert r.returncode == 0
    assert "rocksdb.row_cache_size: deprecated" in r.stdout
    assert "auto-resize-block-and-sst: removed" in r.stdout
    doc = json.loads(kv("matrix", "--from", "2.9.0", "--to", "2.10.0", "--format", "json").stdout)
    (hop,) = doc["releases"]
    assert any(e["change"].startswith("renamed to rocksdb.max_subcompactions") for e in hop["options"])


def test_select_and_ignore_rules(conf: Path) -> None:
    base = json.loads(kv("plan", "--from", "2.12.1", "--to", "2.14.0", "-f", "json", str(conf)).stdout)
    rules = {f["rule"] for f in base["files"][0]["findings"]}
    assert "comment_out" in rules
    r = kv("plan", "--from", "2.12.1", "--to", "2.14.0", "-f", "json", "--ignore", "comment_out", str(conf))
    doc = json.loads(r.stdout)
    assert "comment_out" not in {f["rule"] for f in doc["files"][0]["findings"]}
    only = json.loads(kv("plan", "--from", "2.12.1", "--to", "2.14.0", "-f", "json", "--select", "default_change",
                         str(conf)).stdout)
    assert {f["rule"] for f in only["files"][0]["findings"]} == {"default_change"}
    bad = kv("plan", "--from", "2.12.1", "--to", "2.14.0", "--select", "no_such_rule", str(conf))
    assert bad.returncode == 2 and "unknown transform" in bad.stderr


def test_a_closed_pipe_is_a_quiet_exit_1(tmp_path: Path) -> None:
    for i in range(60):  # enough output that the reader leaves before the writer is done
        (tmp_path / f"n{i:02}.conf").write_text("port 6666\nrocksdb.row_cache_size 512\n" * 20)
    cmd = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "upgrader"]
    p = subprocess.Popen([*cmd, "plan", "--from", "2.12.1", "--to", "2.14.0", "-j", "1", str(tmp_path)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"})
    assert p.stdout is not None and p.stderr is not None
    p.stdout.readline()
    p.stdout.close()  # like `| head -1`
    err = p.stderr.read().decode()
    assert p.wait(timeout=60) == 1
    assert err == ""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_exits_130_without_a_traceback(tmp_path: Path, jobs: str) -> None:
    for i in range(200):  # more output than a pipe holds: the run is still going when it is interrupted
        (tmp_path / f"n{i:03}.conf").write_text("port 6666\nrocksdb.row_cache_size 512\n" * 20)
    cmd = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "upgrader"]
    p = subprocess.Popen([*cmd, "plan", "--from", "2.12.1", "--to", "2.14.0", "-j", jobs, str(tmp_path)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"})
    assert p.stdout is not None
    p.stdout.readline()  # planning has started
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err  # 128 + SIGINT, as a shell reports it
    assert b"Traceback" not in err and b"internal error" not in err
