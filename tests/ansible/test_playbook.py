"""kvupgrade.kvrocks.config_upgrade driven by real ansible-playbook runs (-c local, localhost).

Every run is verbose (-vvv) with --diff and logs to ANSIBLE_LOG_PATH; the secret checks grep all
of that plus the registered results for the unique secret values planted in the test config.
"""

from __future__ import annotations

import os
import re
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

import upgrader
from upgrader.confmodel import encode

from .conftest import PLAYBOOKS, REPO_ROOT, AnsibleEnv, Run, read_result

UPGRADE = PLAYBOOKS / "upgrade.yml"
# Keys the plugin adds besides the documented return values (Ansible's own).
ANSIBLE_KEYS = {"failed", "warnings", "invocation", "skipped", "skip_reason", "_ansible_no_log"}


def secrets() -> dict[str, str]:
    tag = uuid.uuid4().hex[:12]
    return {key: f"kvu{tag}{key.replace('-', '').replace('.', '')}Secret"
            for key in ("requirepass", "masterauth", "namespace.ns1", "tls-key-file-pass")}


def conf_text(sec: dict[str, str], extra: str = "") -> str:
    return (
        "# kvrocks.conf written by tests/ansible (Kvrocks 2.12.1)\n"
        "port 6666\n"
        "bind 127.0.0.1\n"
        + "".join(f"{k} {v}\n" for k, v in sec.items())
        + "rocksdb.row_cache_size 1024\n"
        + extra
        + "dir /tmp/kvrocks\n"
    )


def expected_after(text: str, **kw: object) -> str:
    """What the library itself would write (kvupgrade apply)."""
    return upgrader.plan_text(text, from_="2.12.1", to="2.14.0", **kw).new_text  # type: ignore[arg-type]


def assert_no_secret(where: str, text: str, sec: dict[str, str]) -> None:
    for key, value in sec.items():
        assert value not in text, f"the {key} value leaked into {where}"


def recap(run: Run) -> dict[str, int]:
    m = re.search(r"localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", run.output)
    assert m, run.output[-3000:]
    return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, m.groups())))


@dataclass
class Flow:
    sec: dict[str, str]
    conf: Path
    original: str
    runs: dict[str, Run]
    results: dict[str, dict]  # as callbacks got them
    registered: dict[str, dict]  # the register: variable, dumped by the playbook (check run)
    text_after_check: str
    backups_after_check: list[Path]
    mode_before: int


@pytest.fixture(scope="module")
def flow(ansible: AnsibleEnv, tmp_path_factory: pytest.TempPathFactory) -> Flow:
    """check+diff, then apply with backup, then the same again: three runs on one file."""
    d = tmp_path_factory.mktemp("flow")
    sec = secrets()
    conf = d / "kvrocks.conf"
    original = conf_text(sec)
    conf.write_text(original)
    conf.chmod(0o640)
    runs: dict[str, Run] = {}
    results: dict[str, dict] = {}
    backups_after_check: list[Path] = []
    text_after_check = ""
    base = {"conf": str(conf), "from": "2.12.1", "to": "2.14.0", "backup": True}
    registered: dict[str, dict] = {}
    for name, check, extra in (("check", True, {}), ("apply", False, {}), ("again", False, {"kind": "conf"})):
        out = d / f"{name}.json"
        if name == "check":  # the registered variable as well as the callback's view
            extra = {**extra, "out": str(out)}
        # The writing run at Ansible's most talkative: its debug log must not leak secrets either.
        debug = {"ANSIBLE_DEBUG": "1"} if name == "apply" else {}
        runs[name] = ansible.playbook(UPGRADE, extra_vars={**base, **extra}, check=check, env=debug,
                                      args=["-vvvv"] if debug else [])
        assert runs[name].rc == 0, runs[name].output[-4000:]
        results[name] = runs[name].result()
        if out.exists():
            registered[name] = read_result(out)
        if name == "check":
            text_after_check = conf.read_text()
            backups_after_check = [p for p in d.iterdir() if p.name.startswith("kvrocks.conf.")]
    return Flow(sec, conf, original, runs, results, registered, text_after_check, backups_after_check, 0o640)


def test_check_mode_reports_without_writing(flow: Flow) -> None:
    r = flow.results["check"]
    assert flow.text_after_check == flow.original, "check mode must not touch the file"
    assert flow.backups_after_check == [], "check mode must not make a backup"
    assert r["changed"] is True
    assert "backup_file" not in r
    assert r["from_version"] == "2.12.1" and r["to_version"] == "2.14.0"
    assert r["hops"] == ["2.13.0", "2.14.0"]
    assert r["blockers"] == 0
    ids = [f["id"] for f in r["findings"]]
    assert "comment_out/rocksdb.row_cache_size@2.13.0" in ids
    row = next(f for f in r["findings"] if f["option"] == "rocksdb.row_cache_size")
    assert row["applied"] is True and row["severity"] == "warning" and row["line"] == 8
    assert "impact" in r  # the plan's impact, or null when the library computes none
    assert "would rewrite" in r["msg"]
    # The diff: masked on both sides, with the real change in it.
    diff = r["diff"]
    assert diff["before_header"] == diff["after_header"] == str(flow.conf)
    assert "requirepass ********" in diff["before"] and "requirepass ********" in diff["after"]
    assert "namespace.ns1 ********" in diff["after"] and "tls-key-file-pass ********" in diff["after"]
    assert "rocksdb.row_cache_size 1024\n" in diff["before"]
    assert "# kvupgrade: rocksdb.row_cache_size 1024" in diff["after"]
    out = flow.runs["check"].output
    assert "-rocksdb.row_cache_size 1024" in out and "+# kvupgrade: rocksdb.row_cache_size 1024" in out
    assert "+requirepass" not in out and "-requirepass" not in out  # only the changed line differs


def test_apply_rewrites_as_the_library_would(flow: Flow) -> None:
    r = flow.results["apply"]
    after = flow.conf.read_text()
    assert after == expected_after(flow.original)
    for value in flow.sec.values():  # the rewrite keeps the secrets in the file itself
        assert value in after
    assert stat.S_IMODE(flow.conf.stat().st_mode) == flow.mode_before, "copy keeps the file's mode"
    assert r["changed"] is True and "rewritten" in r["msg"]
    backup = Path(r["backup_file"])
    assert backup.parent == flow.conf.parent and backup.name.startswith("kvrocks.conf.")
    assert backup.read_text() == flow.original
    assert recap(flow.runs["apply"])["changed"] == 1


def test_second_run_changes_nothing(flow: Flow) -> None:
    r = flow.results["again"]
    assert r["changed"] is False
    assert "already up to date" in r["msg"]
    assert flow.conf.read_text() == expected_after(flow.original)
    assert r["kind"] == "conf"
    assert "backup_file" not in r
    backups = [p for p in flow.conf.parent.iterdir() if p.name.startswith("kvrocks.conf.")]
    assert len(backups) == 1, "no new backup when nothing changes"
    assert recap(flow.runs["again"]) == {"ok": 1, "changed": 0, "unreachable": 0, "failed": 0}
    assert r["diff"]["before"] == r["diff"]["after"]


def test_results_only_use_documented_keys(flow: Flow) -> None:
    import yaml

    from .test_docs import module_strings

    documented = set(yaml.safe_load(module_strings()["RETURN"]))
    assert set(flow.registered) == {"check"}
    for name, r in [*flow.results.items(), *(("registered " + k, v) for k, v in flow.registered.items())]:
        extra = set(r) - documented - ANSIBLE_KEYS
        assert not extra, f"{name}: undocumented return keys {sorted(extra)}"


def test_flow_leaks_no_secret(flow: Flow, ansible: AnsibleEnv) -> None:
    for name, run in flow.runs.items():
        assert_no_secret(f"the -vvv --diff output of the {name} run", run.output, flow.sec)
        assert_no_secret(f"the ANSIBLE_LOG_PATH log of the {name} run", run.log, flow.sec)
        assert_no_secret(f"the results of the {name} run", run.raw_results, flow.sec)
        if name in flow.registered:
            assert_no_secret(f"the registered result of the {name} run", repr(flow.registered[name]), flow.sec)
        assert "********" in run.output  # masked, not merely absent
    leftovers = [p for p in (ansible.root / "home").rglob("*") if p.is_file() and "kvrocks" in p.name]
    assert not leftovers, f"temporary copies left on the controller: {leftovers}"


@dataclass
class Cases:
    dir: Path
    sec: dict[str, str]
    texts: dict[str, str]  # file name -> content written before the run
    run: Run


@pytest.fixture(scope="module")
def cases(ansible: AnsibleEnv, tmp_path_factory: pytest.TempPathFactory) -> Cases:
    """playbooks/cases.yml: one run, one file per case. Pipelining on, to cover that path too."""
    d = tmp_path_factory.mktemp("cases")
    sec = secrets()
    texts = {
        "kvrocks.conf": conf_text(sec),
        "blocked-strict.conf": conf_text(sec, extra="cluster-enabled maybe\n"),  # no release accepts it
        "blocked-lenient.conf": conf_text(sec, extra="cluster-enabled maybe\n"),
        "refused.conf": conf_text(sec),
        "accepted.conf": conf_text(sec),
    }
    version = "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'kvrocks unstable (commit 54929cd0)'; exit 0; fi\n"
    for name, body in (("kvrocks-refuses", f"echo 'Failed to load config, err: {sec['requirepass']} at line #L4'\n"
                                           "exit 1\n"),
                       ("kvrocks-starts", "echo '[t][I][server.cc:1] [server] Ready to accept connections'\n"
                                          "exec sleep 30\n")):
        (d / name).write_text(version + body)
        (d / name).chmod(0o755)
    values = (REPO_ROOT / "examples" / "carriers" / "values.yaml").read_text()
    secret_lines = f"    requirepass: \"{sec['requirepass']}\"\n    masterauth: {sec['masterauth']}\n"
    texts["values.yaml"] = values.replace("    workers: 8\n", "    workers: 8\n" + secret_lines)
    assert sec["requirepass"] in texts["values.yaml"], "examples/carriers/values.yaml changed; adjust this test"
    for name, text in texts.items():
        (d / name).write_text(text)
    (d / "real.conf").write_bytes(encode(conf_text(sec)) + UNDECODABLE)
    (d / "link.conf").symlink_to(d / "real.conf")
    run = ansible.playbook(PLAYBOOKS / "cases.yml", extra_vars={"dir": str(d)}, env={"ANSIBLE_PIPELINING": "true"})
    assert run.rc == 0, run.output[-4000:]  # failures are ignored; a crash is not
    return Cases(d, sec, texts, run)


UNDECODABLE = b"# caf\xe9 \xff: not UTF-8, kept byte for byte\n"


def test_errors_are_clear(cases: Cases) -> None:
    r = {key: cases.run.result(task) for key, task in (
        ("missing", "File missing"), ("unknown", "Unknown target release"),
        ("badarg", "Unsupported option"), ("badkind", "Unknown carrier kind"))}
    assert all(v.get("failed") for v in r.values()), r
    assert all(v["changed"] is False for v in r.values()), r
    assert "no such file" in r["missing"]["msg"] and "no-such.conf" in r["missing"]["msg"]
    with pytest.raises(Exception) as lib_err:  # the library's own wording for an unknown release
        upgrader.plan_text(cases.texts["kvrocks.conf"], to="9.9.9")
    assert str(lib_err.value) in r["unknown"]["msg"]
    rollback = cases.run.result("Rollback plan in check mode")  # planned, not an error; check mode writes nothing
    assert not rollback.get("failed") and rollback["hops"] == ["2.13.0", "2.12.1"], rollback
    assert "no_such_option" in r["badarg"]["msg"]
    assert "kind" in r["badkind"]["msg"].lower() and "no-such-kind" in r["badkind"]["msg"]
    assert (cases.dir / "kvrocks.conf").read_text() == cases.texts["kvrocks.conf"]


def test_blockers_fail_unless_allowed(cases: Cases) -> None:
    strict = cases.run.result("Blockers fail the task by default")
    assert strict.get("failed") and strict["changed"] is False
    assert strict["blockers"] == 1 and "cluster-enabled" in strict["msg"] and "nothing written" in strict["msg"]
    assert (cases.dir / "blocked-strict.conf").read_text() == cases.texts["blocked-strict.conf"]

    lenient = cases.run.result("Blockers allowed")
    assert not lenient.get("failed") and lenient["changed"] is True and lenient["blockers"] == 1
    assert (cases.dir / "blocked-lenient.conf").read_text() == expected_after(cases.texts["blocked-lenient.conf"])


def test_symlink_and_undecodable_bytes(cases: Cases) -> None:
    assert cases.run.result("Symlinked file with undecodable bytes")["changed"] is True
    link, real = cases.dir / "link.conf", cases.dir / "real.conf"
    assert link.is_symlink(), "the link is kept; its target is rewritten"
    data = encode(conf_text(cases.sec)) + UNDECODABLE
    assert real.read_bytes() == encode(upgrader.plan_text(data.decode("utf-8", "surrogateescape"),
                                                          from_="2.12.1", to="2.14.0").new_text)
    assert UNDECODABLE in real.read_bytes()


def test_carrier_kind_is_passed_to_the_library(cases: Cases, tmp_path: Path) -> None:
    """A Helm values file (kind=helm-values): rewritten as the library would, secrets masked."""
    r = cases.run.result("Helm values file")
    assert r["kind"] == "helm-values" and r["changed"] is True
    mirror = tmp_path / "values.yaml"  # what the library makes of the same file
    mirror.write_text(cases.texts["values.yaml"])
    outcome = upgrader.plan_file(str(mirror), to="2.14.0", kind="helm-values")
    assert outcome.plan is not None, outcome.error
    assert (cases.dir / "values.yaml").read_text() == outcome.plan.new_text
    assert "requirepass: ********" in r["diff"]["after"]


def test_verify_with_writes_nothing_the_real_server_refuses(cases: Cases) -> None:
    refused = cases.run.result("verify_with a server that refuses")
    assert refused.get("failed") and refused["changed"] is False, refused
    assert "nothing written" in refused["msg"] and "Failed to load config" in refused["msg"]
    assert (cases.dir / "refused.conf").read_text() == cases.texts["refused.conf"]
    accepted = cases.run.result("verify_with a server that starts")
    assert not accepted.get("failed") and accepted["changed"] is True, accepted
    assert accepted["realserver"]["started"] is True
    assert (cases.dir / "accepted.conf").read_text() == expected_after(cases.texts["accepted.conf"])


def test_cases_leak_no_secret(cases: Cases) -> None:
    assert_no_secret("the cases run (output, log, results)", cases.run.everything, cases.sec)
    assert "********" in cases.run.output


def test_missing_library_on_the_controller(ansible: AnsibleEnv, tmp_path: Path) -> None:
    # A sitecustomize that hides kvupgrade from the Python running ansible-playbook.
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text("import sys\nsys.modules['upgrader'] = None\n")
    conf = tmp_path / "kvrocks.conf"
    conf.write_text(conf_text(secrets()))
    env = {"PYTHONPATH": str(blocker) + os.pathsep + ansible.env["PYTHONPATH"]}
    run = ansible.playbook(UPGRADE, extra_vars={"conf": str(conf), "expect_failure": True}, env=env, verbose=False)
    assert run.rc == 0, run.output[-4000:]
    r = run.result()
    assert r["failed"] is True
    assert "pip install kvupgrade" in r["msg"] and "controller" in r["msg"], r["msg"]
    assert "Traceback" not in run.output


def test_example_playbook(ansible: AnsibleEnv, tmp_path: Path) -> None:
    """docs/ANSIBLE.md's playbook, with --check --diff as the docs say to start (the flow covers writes)."""
    sec = secrets()
    conf = tmp_path / "kvrocks.conf"
    text = conf_text(sec)
    conf.write_text(text)
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("[kvrocks]\nlocalhost ansible_connection=local\n")
    run = ansible.playbook(PLAYBOOKS / "example.yml", inventory=str(inventory), check=True,
                           extra_vars={"kvrocks_conf": str(conf), "ansible_become": False})
    assert run.rc == 0, run.output[-4000:]
    assert conf.read_text() == text
    plan = run.result("Plan the upgrade (never writes)")
    assert plan["changed"] is True and plan["blockers"] == 0
    assert run.result("Rewrite the configuration, keeping a backup")["changed"] is True
    assert "# kvupgrade: rocksdb.row_cache_size 1024" in plan["diff"]["after"]
    assert_no_secret("the example run", run.everything, sec)


def test_ansible_doc_renders(ansible: AnsibleEnv) -> None:
    import subprocess

    proc = subprocess.run([ansible.doc_bin, "kvupgrade.kvrocks.config_upgrade"], cwd=ansible.root, env=ansible.env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for word in ("to_version", "from_version", "backup", "unsafe_fixes", "pin_defaults", "kind",
                 "EXAMPLES", "RETURN VALUES", "check_mode", "diff_mode"):
        assert word in proc.stdout, word
    assert "ERROR" not in proc.stderr, proc.stderr
