"""check --kvrocks-bin, plan/apply --verify-with: the real server as judge, wired into the CLI.

Fast tests use a stand-in binary (a shell script answering --version as the 2.14 build does);
the slow ones start the real binaries (tests/realbins.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirun import kv
from tests.test_realserver import _fake  # the stand-in server of the judge's own tests

SECRET = "s3cr3t-Pa55word-xyz"


REFUSES = ("echo \"WARNING: 'rocksdb.row_cache_size' at line 2 is not a valid configuration key\"\n"
           f"echo 'Failed to load config, err: requirepass {SECRET} is bad at line #L3'\nexit 1\n")
READY = "echo '[t][I][server.cc:1] [server] Ready to accept connections'\nexec sleep 30\n"


def _conf(tmp_path: Path, name: str = "a.conf") -> Path:
    p = tmp_path / name
    p.write_text(f"port 6666\nrocksdb.row_cache_size 64\nrequirepass {SECRET}\n")
    return p


def test_check_kvrocks_bin_reports_the_servers_own_refusal_masked(tmp_path: Path) -> None:
    conf = _conf(tmp_path)
    r = kv("check", "--kvrocks-bin", str(_fake(tmp_path, REFUSES)), "--to", "2.14.0", "-f", "json", str(conf))
    assert r.returncode == 4, r.stderr
    assert SECRET not in r.stdout + r.stderr
    f = json.loads(r.stdout)["files"][0]
    by_rule = {x["rule"]: x for x in f["findings"] if x["rule"].startswith("realserver/")}
    assert by_rule["realserver/refused"]["severity"] == "error"
    assert "Failed to load config" in by_rule["realserver/refused"]["message"]
    assert by_rule["realserver/refused"]["line"] == 3 and by_rule["realserver/refused"]["option"] == "requirepass"
    assert by_rule["realserver/output"]["option"] == "rocksdb.row_cache_size"
    assert f["realserver"]["started"] is False and f["realserver"]["verified"] is True


def test_check_kvrocks_bin_text_shows_the_server_lines(tmp_path: Path) -> None:
    r = kv("check", "--kvrocks-bin", str(_fake(tmp_path, REFUSES)), "--to", "2.14.0", str(_conf(tmp_path)))
    assert r.returncode == 4
    assert "the real server refused to start: Failed to load config" in r.stdout
    assert SECRET not in r.stdout + r.stderr


def test_a_version_mismatch_is_an_error_unless_allowed(tmp_path: Path) -> None:
    fake = _fake(tmp_path, READY)
    conf = tmp_path / "ok.conf"
    conf.write_text("port 6666\n")
    r = kv("check", "--kvrocks-bin", str(fake), "--to", "2.13.0", str(conf))
    assert r.returncode == 1
    assert "not 2.13.0" in r.stderr and "--allow-version-mismatch" in r.stderr
    r = kv("check", "--kvrocks-bin", str(fake), "--to", "2.13.0", "--allow-version-mismatch", "-f", "json", str(conf))
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["files"][0]["realserver"]["started"] is True


def test_allow_version_mismatch_alone_is_a_usage_error(tmp_path: Path) -> None:
    conf = tmp_path / "ok.conf"
    conf.write_text("port 6666\n")
    assert kv("check", "--to", "2.14.0", "--allow-version-mismatch", str(conf)).returncode == 2


def test_a_missing_binary_is_an_error_naming_it(tmp_path: Path) -> None:
    conf = tmp_path / "ok.conf"
    conf.write_text("port 6666\n")
    r = kv("plan", "--verify-with", str(tmp_path / "nope"), "--from", "2.12.0", "--to", "2.14.0", str(conf))
    assert r.returncode == 1 and "nope: no such file" in r.stderr


def test_apply_verify_with_writes_nothing_for_a_refused_file(tmp_path: Path) -> None:
    conf = _conf(tmp_path)
    before = conf.read_bytes()
    r = kv("apply", "--verify-with", str(_fake(tmp_path, REFUSES)), "--from", "2.12.0", "--to", "2.14.0",
           "-f", "json", str(conf))
    assert r.returncode == 1
    assert conf.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("a.conf")] == ["a.conf"]  # no backup either
    f = json.loads(r.stdout)["files"][0]
    assert f["status"] == "error" and f["written"] is False
    assert "not written: the real server refused to start: Failed to load config" in f["error"]
    assert SECRET not in r.stdout + r.stderr


def test_apply_verify_with_writes_an_accepted_file(tmp_path: Path) -> None:
    conf = _conf(tmp_path)
    before = conf.read_text()
    r = kv("apply", "--verify-with", str(_fake(tmp_path, READY)), "--from", "2.12.0", "--to", "2.14.0",
           "-f", "json", str(conf))
    assert r.returncode == 3, r.stdout + r.stderr
    f = json.loads(r.stdout)["files"][0]
    assert f["written"] is True and f["realserver"]["started"] is True
    assert conf.read_text() != before


def test_plan_verify_with_judges_the_rewritten_text(tmp_path: Path) -> None:
    # The stand-in refuses a config still holding the row cache line; the rewrite comments it out.
    body = ("grep -q '^rocksdb.row_cache_size' \"$2\" && { echo 'Failed to load config, err: row cache at line #L2'; "
            "exit 1; }\n" + READY)
    conf = _conf(tmp_path)
    r = kv("plan", "--verify-with", str(_fake(tmp_path, body)), "--from", "2.12.0", "--to", "2.14.0",
           "-f", "json", str(conf))
    f = json.loads(r.stdout)["files"][0]
    assert f["realserver"]["started"] is True, f["findings"]
    r = kv("check", "--kvrocks-bin", str(_fake(tmp_path, body)), "--to", "2.14.0", "-f", "json", str(conf))
    assert json.loads(r.stdout)["files"][0]["realserver"]["started"] is False  # check judges the file as it is


# --- the real binaries ----------------------------------------------------------------------

@pytest.mark.slow
def test_check_real_214_refuses_a_bad_value_with_its_own_message(tmp_path: Path, kvrocks_bins) -> None:  # type: ignore[no-untyped-def]
    conf = tmp_path / "bad.conf"
    conf.write_text(f"port 6666\nrequirepass {SECRET}\nmaxclients lots\n")
    r = kv("check", "--kvrocks-bin", str(kvrocks_bins[(2, 14, 0)]), "--to", "2.14.0", "-f", "json", str(conf))
    assert SECRET not in r.stdout + r.stderr
    f = json.loads(r.stdout)["files"][0]
    refused = [x for x in f["findings"] if x["rule"] == "realserver/refused"]
    assert refused and "maxclients" in refused[0]["message"], f["findings"]
    assert r.returncode == 4


@pytest.mark.slow
def test_apply_verify_with_real_214(tmp_path: Path, kvrocks_bins) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.conf"
    good.write_text("port 6666\nrocksdb.row_cache_size 64\n")
    bad = tmp_path / "bad.conf"
    bad.write_text("port 6666\nrocksdb.row_cache_size 64\nmaxclients lots\n")
    before = bad.read_bytes()
    r = kv("apply", "--verify-with", str(kvrocks_bins[(2, 14, 0)]), "--from", "2.12.0", "--to", "2.14.0",
           "-f", "json", "-j", "1", str(good), str(bad))
    files = {Path(f["path"]).name: f for f in json.loads(r.stdout)["files"]}
    assert files["good.conf"]["written"] is True and files["good.conf"]["realserver"]["started"] is True
    assert files["bad.conf"]["status"] == "error" and bad.read_bytes() == before
    assert r.returncode == 1


@pytest.mark.slow
def test_real_version_mismatch(tmp_path: Path, kvrocks_bins) -> None:  # type: ignore[no-untyped-def]
    conf = tmp_path / "ok.conf"
    conf.write_text("port 6666\n")
    r = kv("check", "--kvrocks-bin", str(kvrocks_bins[(2, 14, 0)]), "--to", "2.13.0", str(conf))
    assert r.returncode == 1 and "not 2.13.0" in r.stderr


def test_the_binarys_build_features_reach_the_plan(tmp_path: Path) -> None:
    # The stand-in warns that tls-port is not a key (a build without OpenSSL) and starts.
    body = ("grep -q '^tls-port' \"$2\" && echo \"WARNING: 'tls-port' at line 1 is not a valid configuration key\"\n"
            + READY)
    conf = tmp_path / "ok.conf"
    conf.write_text("port 6666\n")
    r = kv("check", "--kvrocks-bin", str(_fake(tmp_path, body)), "--to", "2.14.0", "-f", "json", str(conf))
    f = json.loads(r.stdout)["files"][0]
    assert f["build_features"] == {"ENABLE_OPENSSL": False}, f


def test_the_record_with_a_verdict_fits_the_report_schema(tmp_path: Path) -> None:
    import jsonschema

    schema = json.loads((Path(__file__).parent.parent / "upgrader" / "schemas" / "report.schema.json").read_text())
    r = kv("check", "--kvrocks-bin", str(_fake(tmp_path, REFUSES)), "--to", "2.14.0", "-f", "json",
           str(_conf(tmp_path)))
    jsonschema.validate(json.loads(r.stdout), schema)
