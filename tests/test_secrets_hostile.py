"""Hostile secrets: every way an attacker or a careless operator can write a password, searched
for in stdout and stderr of every command (plan, apply, check) in every format.

Each case plants unique values; a value of three characters is a short secret (masked where it
stands as a value). The CLI runs in-process (typer's CliRunner) so the module stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest
from typer.testing import CliRunner

from upgrader import report
from upgrader.cli import app
from upgrader.request import Request


class Case(NamedTuple):
    name: str  # the file name (it decides the carrier kind)
    text: str
    needles: tuple[str, ...]  # planted values that must never be printed
    from_: str = "2.12.1"


CASES: dict[str, Case] = {
    "compose-equals": Case("docker-compose.yml", (
        "services:\n  kvrocks:\n    image: apache/kvrocks:2.12.1\n    command: >\n"
        "      --rocksdb.row_cache_size 64\n      --masterauth Q7z\n"
        "      --requirepass=Cq-equals-PLANTED-one --port\n"), ("Cq-equals-PLANTED-one", "Q7z")),
    "compose-list-equals": Case("docker-compose.yml", (
        "services:\n  kvrocks:\n    image: apache/kvrocks:2.12.1\n    command:\n"
        "      - --rocksdb.row_cache_size\n      - '64'\n      - --requirepass\n      - W4k\n"
        "      - --masterauth=Cl-equals-PLANTED-two\n      - '6666'\n"), ("Cl-equals-PLANTED-two", "W4k")),
    "systemd-equals": Case("kvrocks.service", (
        "[Unit]\nDescription=kvrocks\n\n[Service]\n"
        "ExecStart=/usr/bin/kvrocks -c /etc/kvrocks/kvrocks.conf --rocksdb.row_cache_size 64 \\\n"
        "    --masterauth J8p --requirepass=Sd-equals-PLANTED-three --port\n"), ("Sd-equals-PLANTED-three", "J8p")),
    "shell-equals": Case("start-kvrocks.sh", (
        "#!/bin/sh\nexec /usr/bin/kvrocks -c /etc/kvrocks/kvrocks.conf \\\n"
        "  --rocksdb.row_cache_size 64 --masterauth T5m \\\n"
        "  --requirepass='Sh-equals-PLANTED-four' --port\n"), ("Sh-equals-PLANTED-four", "T5m")),
    "k8s-args-equals": Case("deploy.yaml", (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: kv\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - name: kvrocks\n          image: apache/kvrocks:2.12.1\n          args:\n"
        "            - --rocksdb.row_cache_size\n            - \"64\"\n"
        "            - --masterauth\n            - \"R2d\"\n            - --requirepass=K8-equals-PLANTED-five\n"
        "            - \"6666\"\n"),
        ("K8-equals-PLANTED-five", "R2d")),
    "yaml-alias-error": Case("group_vars.yml", (
        "kvrocks_config:\n  port: 6666\n  requirepass: *Ya-alias-PLANTED-six\n"),
        ("Ya-alias-PLANTED-six",)),
    "cr-only-conf": Case("kvrocks.conf", (
        "port 6666\rrequirepass Cr-only-PLANTED-seven\rmasterauth B3x\rrocksdb.row_cache_size 64\r"),
        ("Cr-only-PLANTED-seven", "B3x"), "2.12.0"),
    "short-conf": Case("kvrocks.conf", (
        "port 6666\nrequirepass V6n\nrocksdb.row_cache_size 64\nnamespace.tenant_a N1q\n"),
        ("V6n", "N1q"), "2.12.0"),
    "commented-secret": Case("kvrocks.conf", (
        "port 6666\n# requirepass Cm-old-PLANTED-eight\n#masterauth  Cm-older-PLANTED-nine\n"
        "rocksdb.row_cache_size 64\n"), ("Cm-old-PLANTED-eight", "Cm-older-PLANTED-nine"), "2.12.0"),
    "yaml-vars-short": Case("group_vars.yml", (
        "kvrocks_config:\n  requirepass: \"H2o\"\n  rocksdb.row_cache_size: 64\n  masterauth: Gv-PLANTED-ten\n"),
        ("H2o", "Gv-PLANTED-ten")),
    "helm-passwords": Case("values.yaml", (
        "image:\n  repository: apache/kvrocks\n  tag: 2.12.1\nauth:\n  password: Hp-auth-PLANTED-eleven\n"
        "password: Hp-top-PLANTED-twelve\nkvrocks:\n  config:\n    requirepass: Z8c\n"
        "    rocksdb.row_cache_size: 64\n"), ("Hp-auth-PLANTED-eleven", "Hp-top-PLANTED-twelve", "Z8c")),
    "helm-short-password": Case("values.yaml", (
        "image:\n  repository: apache/kvrocks\n  tag: 2.12.1\nkvrocks:\n  auth:\n    password: P4q\n"
        "  config:\n    rocksdb.row_cache_size: 64\n    port: 6666\n"), ("P4q",)),
    "operator-password": Case("kvrocks-cr.yaml", (
        "apiVersion: kvrocks.apache.org/v1alpha1\nkind: KVRocks\nmetadata:\n  name: kv\nspec:\n"
        "  image: apache/kvrocks:2.12.1\n  password: Op-spec-PLANTED-thirteen\n  kvrocksConfig:\n"
        "    rocksdb.row_cache_size: \"64\"\n"), ("Op-spec-PLANTED-thirteen",)),
    # A password that also stands as the key of a line (a paste gone wrong): Kvrocks and kvupgrade's
    # messages lower-case the key, so the secret comes back lower-cased (found by the real-server judge).
    "secret-as-key": Case("kvrocks.conf", (
        "requirepass Zebra-Key-PLANTED-fourteen\nZebra-Key-PLANTED-fourteen x\nport 6666\n"),
        ("Zebra-Key-PLANTED-fourteen",), "2.12.0"),
}

COMMANDS = ("plan", "check", "apply")


def invoke(args: list[str]) -> str:
    r = CliRunner().invoke(app, args, env={"NO_COLOR": "1"})
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r.stdout + r.stderr


@pytest.mark.parametrize("case", sorted(CASES))
def test_no_planted_secret_in_any_output(tmp_path: Path, case: str) -> None:
    c = CASES[case]
    p = tmp_path / c.name
    for fmt in sorted(report.FORMATS):
        for cmd in COMMANDS:
            p.write_bytes(c.text.encode())  # apply rewrites it: every run starts from the planted text
            frm = ["--from", c.from_] if cmd != "check" else []
            out = invoke([cmd, *frm, "--to", "2.14.0", "--format", fmt, str(p)])
            assert c.name in out, f"{case} {cmd} {fmt}: the run did not report the file: {out[:300]}"
            low = out.lower()
            for n in c.needles:  # in any case: a key is printed lower-cased
                assert n.lower() not in low, f"{n!r} leaked in {case} {cmd} --format {fmt}:\n{out}"


def test_the_cases_reach_the_paths_they_attack(tmp_path: Path) -> None:
    """Guard against a case that passes only because nothing was printed: the cases that should
    change something do, the alias case is an error record, and the short secrets stand in diffs."""
    from upgrader.api import plan_file
    from upgrader.report.jsonout import outcome_to_dict

    for case in ("compose-equals", "systemd-equals", "shell-equals", "k8s-args-equals", "short-conf",
                 "commented-secret", "yaml-vars-short", "helm-passwords", "compose-list-equals",
                 "helm-short-password"):
        c = CASES[case]
        p = tmp_path / case / c.name
        p.parent.mkdir()
        p.write_text(c.text)
        o = plan_file(str(p), to="2.14.0", from_=c.from_)
        assert o.error is None and o.plan is not None and o.plan.changed, case
        d = outcome_to_dict(o)
        assert "********" in d["diff"], f"{case}: the diff shows no masked value"
    p = tmp_path / "alias" / "group_vars.yml"
    p.parent.mkdir()
    p.write_text(CASES["yaml-alias-error"].text)
    d = outcome_to_dict(plan_file(str(p), to="2.14.0", from_="2.12.1"))
    assert d["status"] == "error" and "group_vars.yml:3" in d["error"] and "alias" in d["error"]


def test_equals_flag_finding_is_masked_and_still_explains_the_form() -> None:
    from upgrader.carriers import plan_any
    from upgrader.request import Request
    from upgrader.report.jsonout import plan_to_dict

    plan = plan_any(CASES["compose-equals"].text, Request.build(to="2.14.0", from_="2.12.1"), "docker-compose.yml")
    d = plan_to_dict(plan)
    eq = [x for x in d["findings"] if x["rule"] == "carrier/argv-equals"]
    assert eq and eq[0]["option"] == "requirepass" and "--requirepass ********" in eq[0]["message"]
    assert "Cq-equals-PLANTED-one" not in str(d)


def test_error_record_goes_through_the_same_masking(tmp_path: Path) -> None:
    """JSON, JSONL and SARIF error records (and stderr) of a YAML error that quotes the token."""
    import json

    p = tmp_path / "group_vars.yml"
    p.write_text(CASES["yaml-alias-error"].text)
    for fmt in ("json", "jsonl", "sarif"):
        r = CliRunner().invoke(app, ["plan", "--from", "2.12.1", "--to", "2.14.0", "--format", fmt, str(p)])
        assert r.exit_code == 1
        json.loads(r.stdout.splitlines()[0] if fmt == "jsonl" else r.stdout)
        assert "alias" in r.stdout and "********" in r.stdout
        assert "Ya-alias-PLANTED-six" not in r.stdout + r.stderr


@pytest.mark.slow
def test_masking_is_linear_in_the_number_of_secrets() -> None:
    """60,000 namespace tokens over a 2.8 MB text: one Aho-Corasick pass (about 2 s on the
    project machine), where one replace per secret took 183 s."""
    import random
    import string
    import time

    from upgrader.confmodel import Document
    from upgrader.matrix import load_matrix
    from upgrader.planner import collect_secrets
    from upgrader.redact import MASK, Redactor

    rnd = random.Random(7)
    tokens = [f"tok{i}-{''.join(rnd.choices(string.ascii_letters, k=16))}" for i in range(60000)]
    text = "port 6666\n" + "".join(f"namespace.tenant{i} {t}\n" for i, t in enumerate(tokens))
    m = load_matrix()
    secrets = collect_secrets(Document.parse(text), m)
    assert set(tokens) <= set(secrets)
    t0 = time.perf_counter()
    out = Redactor(m, secrets).free(text)
    took = time.perf_counter() - t0
    assert out.count(MASK) == len(tokens) and not any(t in out for t in tokens[::997])
    assert took < 20, f"masking 60,000 secrets took {took:.1f} s"


def test_debug_traceback_of_an_internal_error_is_masked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """KVUPGRADE_DEBUG=1 puts the traceback in the record; a bug whose message quotes the file's
    password must not print it (the record goes through the same scan and masking)."""
    from upgrader import api, fleet

    p = tmp_path / "kvrocks.conf"
    p.write_text("port 6666\nrequirepass Dbg-PLANTED-fourteen\nmasterauth K2w\n")

    def buggy(path: str, **kw: object):  # type: ignore[no-untyped-def]
        raise RuntimeError(f"boom: {Path(path).read_text()!r}")

    monkeypatch.setattr(api, "plan_file", buggy)
    monkeypatch.setenv("KVUPGRADE_DEBUG", "1")
    job = fleet.FleetJob(command="plan", request=Request.build(to="2.14.0", from_="2.12.0"))
    recs = list(fleet.run_files(job, [str(p)], jobs=1))
    err = recs[0]["error"]
    assert "internal error" in err and "Traceback" in err and "boom" in err
    assert "Dbg-PLANTED-fourteen" not in err and "K2w" not in err and "********" in err


@pytest.mark.parametrize("text,value", [
    ("--requirepass=Fv-one", "Fv-one"),
    ("ExecStart=/bin/kvrocks --masterauth 'Fv two'", "Fv two"),
    ('args: ["--requirepass", "Fv-three"]', "Fv-three"),
    ("      - --requirepass\n      - Fv-four\n", "Fv-four"),
    ("--namespace.tenant_b=Fv-five", "Fv-five"),
    ("kvrocks_config:\n  requirepass: 'Fv-six'\n", "Fv-six"),
    ('{"masterauth": "Fv-se\\"ven"}', 'Fv-se"ven'),
    ("auth:\n  password: Fv-eight\n", "Fv-eight"),
    ("spec:\n  redisPassword: Fv-nine  # set by CI\n", "Fv-nine"),
    ("port 1\rrequirepass Fv-ten\rmasterauth x\r", "Fv-ten"),
    ("kvrocks_config:\n  requirepass: *Fv-eleven\n", "Fv-eleven"),
    ("tls-key-file-pass Fv twelve with spaces\n", "Fv twelve with spaces"),
])
def test_scan_finds_the_value_in_every_form(text: str, value: str) -> None:
    from upgrader.matrix import load_matrix
    from upgrader.secretscan import scan

    assert value in scan(load_matrix(), text)


def test_scan_ignores_files_without_a_secret_key_and_comments_are_masked_in_place() -> None:
    from upgrader.matrix import load_matrix
    from upgrader.redact import Redactor
    from upgrader.secretscan import scan

    m = load_matrix()
    assert scan(m, "port 6666\nworkers 8\n# a comment\n") == set()
    text = "port 1\n# requirepass Cm-one\n  #  masterauth: Cm-two\n# --requirepass=Cm-three\n"
    assert scan(m, text) <= {"Cm-two", "Cm-three"}  # commented conf lines are not free-text secrets...
    shown = Redactor(m, scan(m, text)).text(text)
    assert "Cm-" not in shown and shown.count("********") == 3  # ...but they are masked where they stand
    assert "not a secret: requirepass" == Redactor(m, ["abc"]).free("not a secret: requirepass")
