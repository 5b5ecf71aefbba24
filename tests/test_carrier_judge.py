"""Carrier files judged by the real server and compared with a live node, node by node
(``Plan.units``: what each node would receive; upgrader/fleet/judging.py, upgrader/fleet/liveread.py).

Fast tests: the rendered units and their carrier lines, the mapping of server lines back to the
carrier, and the CLI with a stand-in server. Slow ones start the real binaries (tests/realbins.py;
skipped without ../shared, mandatory under CI=true)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.clirun import kv
from tests.test_realserver import _fake
from upgrader.api import plan_source_text
from upgrader.carriers.engine import Rewrite, rendered_unit
from upgrader.fleet.judging import RULE_LINE, RULE_REFUSED, verdict_findings
from upgrader.realserver import BinaryVersion, ServerLine, Verdict
from upgrader.report import FORMATS

SECRET = "c4rrier-Secret-Pw-77"
READY = "echo '[t][I][server.cc:1] [server] Ready to accept connections'\nexec sleep 30\n"

COMPOSE = f"""services:
  kvrocks:
    image: apache/kvrocks:2.12.0
    command:
      - "--port"
      - "6666"
      - "--rocksdb.row_cache_size"
      - "1000"
      - "--requirepass"
      - "{SECRET}"
  plain:
    image: apache/kvrocks:2.12.0
"""


# --- the rendered units ---------------------------------------------------------------------

def test_a_flags_service_is_rendered_with_the_line_of_each_flag() -> None:
    p = plan_source_text(COMPOSE, to="2.14.0", path="docker-compose.yml")
    assert p.kind == "flags-compose"
    [u] = p.units
    assert u.label == "service kvrocks" and u.as_flags
    assert u.old_conf == f"port 6666\nrocksdb.row_cache_size 1000\nrequirepass {SECRET}\n"
    assert u.old_lines == (5, 7, 9)  # the line of each --flag word
    # the row cache flag is removed from the file: the node no longer receives it
    assert [t for t in u.new_conf.splitlines() if not t.startswith("#")] == ["port 6666", f"requirepass {SECRET}"]
    assert len(u.new_lines) == len(u.new_conf.splitlines()) and set(u.new_lines) == {5, 7, 9}
    assert p.unrendered == [("service plain", "it runs on the image's built-in kvrocks.conf, which is not in view")]


def test_a_configmap_file_is_rendered_on_its_block_lines() -> None:
    cm = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kv\ndata:\n  kvrocks.conf: |\n"
          "    port 6666\n    rocksdb.row_cache_size 1000\n")
    p = plan_source_text(cm, to="2.14.0", from_="2.12.0", path="cm.yaml")
    [u] = p.units
    assert not u.as_flags and u.old_conf == "port 6666\nrocksdb.row_cache_size 1000\n"
    assert u.old_lines == (7, 8) and u.new_lines == (7, 8)
    assert u.new_conf.splitlines()[1].startswith("# kvupgrade: rocksdb.row_cache_size")


def test_a_plain_conf_has_no_units() -> None:
    p = plan_source_text("port 6666\n", to="2.14.0", path="kvrocks.conf")
    assert p.units == [] and p.unrendered == []


def test_a_refused_fix_is_not_in_the_new_conf() -> None:
    # line 0 changes and reaches the carrier; line 1's removal is refused; one line is appended
    d = Rewrite(changes={0: ["a 2"], 1: []}, appends=["c 3"], size=3)
    u = rendered_unit("u", ["a 1", "b 1", "x 1"], [10, 11, 12], d, {0}, False)
    assert u.new_conf == "a 2\nb 1\nx 1\n" and u.new_lines == (10, 11, 12)
    u = rendered_unit("u", ["a 1", "b 1", "x 1"], [10, 11, 12], d, {0, 1}, True, as_flags=True)
    assert u.new_conf == "a 2\nx 1\nc 3\n" and u.new_lines == (10, 12, None) and u.as_flags


def test_the_json_report_does_not_render_the_units(tmp_path: Path) -> None:
    f = tmp_path / "docker-compose.yml"
    f.write_text(COMPOSE)
    r = kv("plan", "--from", "2.12.0", "--to", "2.14.0", "-f", "json", str(f))
    assert "units" not in json.loads(r.stdout)["files"][0] and SECRET not in r.stdout


def test_the_node_is_the_one_unit_or_the_one_with_its_port() -> None:
    from upgrader.fleet.liveread import pick_unit
    from upgrader.nodestate import NodeState

    two = ("services:\n  a:\n    image: apache/kvrocks:2.14.0\n    command: [\"--port\", \"7001\"]\n"
           "  b:\n    image: apache/kvrocks:2.14.0\n    command: [\"--port\", \"7002\", \"--maxclients\", \"9\"]\n")
    p = plan_source_text(two, to="2.14.0", path="docker-compose.yml")

    def node(port: str) -> NodeState:
        return NodeState("127.0.0.1:" + port, "2.14.0", None, 10, None, 0.0, {"port": port})

    unit, notes = pick_unit(p, node("7002"))
    assert unit is not None and unit.label == "service b"
    assert "compared with service b, which sets the node's port 7002" in notes[0].message
    unit, notes = pick_unit(p, node("7003"))
    assert unit is None and [n.rule for n in notes] == ["live/not-compared"]
    assert "2 nodes (service a, service b) and none of them sets the node's port 7003" in notes[0].message
    one = plan_source_text("kvrocks_config:\n  port: 1\n", to="2.14.0", path="kvrocks.yml")
    unit, notes = pick_unit(one, node("7003"))  # one node: compared whatever its port (a differing port is drift)
    assert unit is not None and not unit.as_flags and notes == []


# --- server lines placed on the carrier -------------------------------------------------------

def _verdict(lines: tuple[ServerLine, ...], started: bool, fatal: str | None = None) -> Verdict:
    return Verdict("/bin/kvrocks", BinaryVersion("kvrocks 2.14.0", (2, 14, 0), None, False), started,
                   0 if started else 1, False, tuple(x for x in lines if x.level == "warning"),
                   tuple(x for x in lines if x.level != "warning"), fatal, (), 0.1)


def test_a_conf_line_maps_to_its_carrier_line_and_names_the_node() -> None:
    w = ServerLine(1, "warning", "WARNING: 'rocksdb.row_cache_size' at line 2 is deprecated", 2)
    [f] = verdict_findings(_verdict((w,), True), "port 6666\nrocksdb.row_cache_size 1000\n", lines=(7, 8),
                           label="ConfigMap kv kvrocks.conf")
    assert (f.rule, f.option, f.line) == (RULE_LINE, "rocksdb.row_cache_size", 8)
    assert f.message.startswith("ConfigMap kv kvrocks.conf: the real server printed (warning): WARNING:")


def test_a_flag_maps_to_the_line_of_the_flag() -> None:
    msg = ("Failed to load config. Error: CLI config option error: failed to set value of field 'maxclients': "
           "not started as an integer")
    v = _verdict((ServerLine(1, "fatal", msg),), False, msg)
    [f] = verdict_findings(v, "", flag_lines={"maxclients": 9, "port": 5}, label="service kv")
    assert (f.rule, f.option, f.line, f.severity) == (RULE_REFUSED, "maxclients", 9, "error")
    assert f.message == f"service kv: the real server refused to start: {msg}"
    # a secret flag moved into the copy is named by the verdict itself
    w = ServerLine(1, "warning", "WARNING: something about *****", None, "requirepass")
    [f] = verdict_findings(_verdict((w,), True), "", flag_lines={"requirepass": 3})
    assert (f.option, f.line) == ("requirepass", 3)
    # a key the flags do not set is not placed
    w = ServerLine(1, "warning", "WARNING: 'dir' at line -1 is odd")
    [f] = verdict_findings(_verdict((w,), True), "", flag_lines={"port": 5})
    assert f.line is None


# --- the command line, with a stand-in server -------------------------------------------------

# refuses `--maxclients lots`, prints the copy it was given (a secret moved into it must be masked)
STAND_IN = ("cat \"$2\"\n"
            "case \" $* \" in *' --maxclients lots '*) echo \"Failed to load config. Error: CLI config option error:"
            " failed to set value of field 'maxclients': not started as an integer\"; exit 1;; esac\n" + READY)


def _bad_compose(tmp_path: Path) -> Path:
    f = tmp_path / "docker-compose.yml"
    f.write_text(COMPOSE.replace('      - "--port"\n', '      - "--maxclients"\n      - "lots"\n      - "--port"\n'))
    return f


def test_check_judges_each_service_as_it_is_started(tmp_path: Path) -> None:
    f = _bad_compose(tmp_path)
    r = kv("check", "--kvrocks-bin", str(_fake(tmp_path, STAND_IN)), "--to", "2.14.0", "-f", "json", str(f))
    assert SECRET not in r.stdout + r.stderr
    rec = json.loads(r.stdout)["files"][0]
    [refused] = [x for x in rec["findings"] if x["rule"] == RULE_REFUSED]
    assert refused["line"] == 5 and refused["option"] == "maxclients"  # the line of the --maxclients word
    assert refused["message"].startswith("service kvrocks: the real server refused to start: Failed to load config")
    [skipped] = [x for x in rec["findings"] if x["rule"] == "realserver/not-verified"]
    assert "service plain" in skipped["message"] and "built-in" in skipped["message"]
    assert rec["realserver"]["verified"] is True and rec["realserver"]["started"] is False
    assert rec["realserver"]["units"] == 1
    assert r.returncode == 4


def test_apply_verify_with_writes_no_carrier_a_node_of_which_is_refused(tmp_path: Path) -> None:
    f = _bad_compose(tmp_path)
    before = f.read_bytes()
    r = kv("apply", "--verify-with", str(_fake(tmp_path, STAND_IN)), "--from", "2.12.0", "--to", "2.14.0",
           "-f", "json", str(f))
    assert r.returncode == 1 and f.read_bytes() == before
    rec = json.loads(r.stdout)["files"][0]
    assert rec["written"] is False and "not written: service kvrocks: the real server refused" in rec["error"]
    assert SECRET not in r.stdout + r.stderr


def test_a_carrier_with_nothing_to_render_is_not_verified(tmp_path: Path) -> None:
    f = tmp_path / "docker-compose.yml"
    f.write_text("services:\n  kv:\n    image: apache/kvrocks:2.12.0\n")
    r = kv("plan", "--verify-with", str(_fake(tmp_path, READY)), "--from", "2.12.0", "--to", "2.14.0",
           "-f", "json", str(f))
    rec = json.loads(r.stdout)["files"][0]
    assert rec["realserver"]["verified"] is False, rec
    assert any(x["rule"] == "realserver/not-verified" and "service kv" in x["message"] for x in rec["findings"])


def test_at_most_max_units_nodes_are_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from upgrader.fleet import judging

    monkeypatch.setattr(judging, "MAX_UNITS", 2)
    f = tmp_path / "docker-compose.yml"
    f.write_text("services:\n" + "".join(f"  kv{i}:\n    image: apache/kvrocks:2.14.0\n    command: [\"--port\","
                                         f" \"{6660 + i}\"]\n" for i in range(4)))
    from upgrader.fleet.judging import JudgeSpec, judge_plan
    from upgrader.matrix import load_matrix
    from upgrader.realserver import binary_version

    fake = _fake(tmp_path, READY)
    m = load_matrix()
    p = plan_source_text(f.read_text(), to="2.14.0", path=str(f))
    spec = JudgeSpec(str(fake), binary_version(fake, m), 5.0, "old")
    field = judge_plan(spec, p, m)
    assert field["units"] == 2 and field["started"] is True
    [skipped] = [x for x in p.findings if x.rule == "realserver/not-verified"]
    assert "2 more node(s) past the first 2 (service kv2, service kv3)" in skipped.message


# --- the real binaries --------------------------------------------------------------------------

def _bin(bins: dict, v: tuple[int, int, int]) -> Path:
    if v not in bins:
        pytest.fail(f"no real binary for {v}")
    return bins[v]


def _rules(rec: dict, rule: str) -> list[dict]:
    return [x for x in rec["findings"] if x["rule"] == rule]


@pytest.mark.slow
def test_real_214_warns_about_a_row_cache_flag_until_apply_removes_it(tmp_path: Path, kvrocks_bins) -> None:  # type: ignore[no-untyped-def]
    binary = str(_bin(kvrocks_bins, (2, 14, 0)))
    f = tmp_path / "docker-compose.yml"
    f.write_text(COMPOSE)
    r = kv("check", "--kvrocks-bin", binary, "--to", "2.14.0", "-f", "json", str(f))
    rec = json.loads(r.stdout)["files"][0]
    [w] = _rules(rec, RULE_LINE)
    assert (w["option"], w["line"]) == ("rocksdb.row_cache_size", 7), w
    assert "'rocksdb.row_cache_size'" in w["message"] and "is deprecated and does not take effect" in w["message"]
    assert w["message"].startswith("service kvrocks: the real server printed (warning)")
    assert rec["realserver"]["started"] is True
    r = kv("apply", "--verify-with", binary, "--from", "2.12.0", "--to", "2.14.0", "-f", "json", str(f))
    rec = json.loads(r.stdout)["files"][0]
    assert rec["written"] is True and rec["realserver"]["started"] is True and not _rules(rec, RULE_LINE), rec
    r = kv("check", "--kvrocks-bin", binary, "--to", "2.14.0", "-f", "json", str(f))
    assert not _rules(json.loads(r.stdout)["files"][0], RULE_LINE)
    assert f.read_text().count(SECRET) == 1  # the secret flag is kept, untouched


MIGRATE_MSG = "failed to set value of field 'migrate-batch-rate-limit-mb': out of numeric range"


@pytest.mark.slow
@pytest.mark.parametrize("name,text,line", [
    ("docker-compose.yml", "services:\n  kv:\n    image: apache/kvrocks:2.14.0\n    command: [\"--port\", \"6666\","
                           " \"--migrate-batch-rate-limit-mb\", \"0\", \"--requirepass\", \"" + SECRET + "\"]\n", 4),
    ("kvrocks.yml", "kvrocks_config:\n  port: 6666\n  migrate-batch-rate-limit-mb: 0\n  requirepass: " + SECRET + "\n",
     3),
    ("values.yaml", "kvrocks:\n  config:\n    port: 6666\n    migrate-batch-rate-limit-mb: 0\n    requirepass: "
                    + SECRET + "\n", 4),
])
def test_real_214_refuses_a_value_with_its_own_message(tmp_path: Path, kvrocks_bins, name: str, text: str,  # type: ignore[no-untyped-def]
                                                       line: int) -> None:
    binary = str(_bin(kvrocks_bins, (2, 14, 0)))
    f = tmp_path / name
    f.write_text(text)
    r = kv("check", "--kvrocks-bin", binary, "--to", "2.14.0", "-f", "json", str(f))
    assert SECRET not in r.stdout + r.stderr
    rec = json.loads(r.stdout)["files"][0]
    assert rec["kind"] != "conf"
    [refused] = _rules(rec, RULE_REFUSED)
    assert MIGRATE_MSG in refused["message"] and refused["line"] == line, refused
    assert refused["option"] == "migrate-batch-rate-limit-mb" and r.returncode == 4
    # every format masks the secret the carrier holds (flag, YAML value)
    for fmt in FORMATS:
        r = kv("check", "--kvrocks-bin", binary, "--to", "2.14.0", "-f", fmt, str(f))
        assert SECRET not in r.stdout + r.stderr, fmt
        assert "out of numeric range" in r.stdout, fmt


@pytest.mark.slow
def test_real_214_apply_writes_nothing_when_a_flag_is_refused(tmp_path: Path, kvrocks_bins) -> None:  # type: ignore[no-untyped-def]
    f = _bad_compose(tmp_path)
    before = f.read_bytes()
    r = kv("apply", "--verify-with", str(_bin(kvrocks_bins, (2, 14, 0))), "--from", "2.12.0", "--to", "2.14.0",
           "-f", "json", str(f))
    assert r.returncode == 1 and f.read_bytes() == before
    rec = json.loads(r.stdout)["files"][0]
    assert "field 'maxclients'" in rec["error"] and rec["written"] is False
    assert SECRET not in r.stdout + r.stderr


@pytest.mark.slow
def test_real_214_judges_a_configmap_file_as_a_conf(tmp_path: Path, kvrocks_bins) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "cm.yaml"
    f.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kv\ndata:\n  kvrocks.conf: |\n"
                 f"    port 6666\n    requirepass {SECRET}\n    rocksdb.row_cache_size 1000\n")
    r = kv("check", "--kvrocks-bin", str(_bin(kvrocks_bins, (2, 14, 0))), "--to", "2.14.0", "-f", "json", str(f))
    assert SECRET not in r.stdout + r.stderr
    rec = json.loads(r.stdout)["files"][0]
    [w] = _rules(rec, RULE_LINE)
    assert (w["option"], w["line"]) == ("rocksdb.row_cache_size", 9) and "at line 3" in w["message"], w
    assert w["message"].startswith("ConfigMap kv kvrocks.conf: ")


# --- a live node ---------------------------------------------------------------------------------

LIVE_PW = "live-carrier-Pa55"


def _config_set(port: int, key: str, value: str) -> None:
    def cmd(*words: str) -> bytes:
        return f"*{len(words)}\r\n".encode() + b"".join(f"${len(w)}\r\n{w}\r\n".encode() for w in words)

    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(cmd("AUTH", LIVE_PW))
        assert s.recv(64).startswith(b"+OK")
        s.sendall(cmd("CONFIG", "SET", key, value))
        assert s.recv(64).startswith(b"+OK")


@pytest.mark.slow
def test_real_node_compared_with_its_compose_service(tmp_path: Path, kvrocks_bins) -> None:  # type: ignore[no-untyped-def]
    from tests.livenode import running

    pw = tmp_path / "pw"
    pw.write_text(LIVE_PW)
    with running(_bin(kvrocks_bins, (2, 14, 0)), f"maxclients 100\nrequirepass {LIVE_PW}\n") as node:
        _config_set(node.port, "maxclients", "123")
        _config_set(node.port, "force-compact-file-age", "86400")  # set by no flag: the conf not in view's business
        one = tmp_path / "docker-compose.yml"
        one.write_text("services:\n  kv:\n    image: apache/kvrocks:2.14.0\n    command:\n"
                       f"      - --port\n      - \"{node.port}\"\n      - --maxclients\n      - \"100\"\n"
                       f"      - --requirepass\n      - {LIVE_PW}\n")
        two = tmp_path / "two" / "docker-compose.yml"
        two.parent.mkdir()
        two.write_text(one.read_text() + "  other:\n    image: apache/kvrocks:2.14.0\n"
                                         "    command: [\"--port\", \"1\", \"--maxclients\", \"5\"]\n")
        runs = {}
        for cmd in ("plan", "verify"):
            for f in (one, two):
                r = kv(cmd, "--live", node.target, "--password-file", str(pw), "--to", "2.14.0", "-f", "json",
                       str(f))
                assert LIVE_PW not in r.stdout + r.stderr
                runs[cmd, f.parent.name] = (r.returncode, json.loads(r.stdout)["files"][0])
        for fmt in FORMATS:
            r = kv("plan", "--live", node.target, "--password-file", str(pw), "--to", "2.14.0", "-f", fmt, str(one))
            assert LIVE_PW not in r.stdout + r.stderr, fmt
    code, rec = runs["plan", one.parent.name]
    [d] = _rules(rec, "live/differs")
    assert (d["option"], d["line"]) == ("maxclients", 7) and d["message"].startswith("service kv: maxclients"), d
    assert not _rules(rec, "live/runtime-only"), rec["findings"]  # force-compact-file-age: no flag sets it
    assert any("only the options its flags set are compared" in x["message"] for x in _rules(rec, "live/unit"))
    assert code == 3
    code, rec = runs["verify", one.parent.name]
    [d] = _rules(rec, "live/differs")
    assert d["line"] == 7 and rec["live"]["checked"] == 3 and code == 3, rec
    # two services: the one with the node's port is compared
    code, rec = runs["plan", "two"]
    assert [x["line"] for x in _rules(rec, "live/differs")] == [7], rec["findings"]
    assert any("compared with service kv, which sets the node's port" in x["message"] for x in _rules(rec, "live/unit"))
    code, rec = runs["verify", "two"]
    assert [x["line"] for x in _rules(rec, "live/differs")] == [7] and code == 3


def test_a_secret_flag_moved_into_an_empty_copy_is_still_a_flag() -> None:
    from upgrader.realserver import classify

    warnings, _, _ = classify(["WARNING: 'requirepass' at line 1 is odd"], moved_from=0, moved=("requirepass",))
    assert (warnings[0].config_line, warnings[0].flag) == (None, "requirepass")
