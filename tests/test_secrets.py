"""Planted secrets never appear in any output: text, diff, JSON, every report format, errors.

Each secret is a unique string; every output of every command and format is searched for
it (and for its parts on either side of a '#', which the two grammars read differently).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from upgrader import report

SECRETS = {
    "requirepass": "Rq-7f3a9-PLANTED-alpha",
    "masterauth": "Ma-55c1e-PLANTED-bravo",
    "namespace.Tenant_A": "Ns-9e0b2-PLANTED-charlie",
    "tls-key-file-pass": "Tk-41d7c-PLANTED-delta",
}
HASHED = "Hx-0a1b2#PLANTED-echo"  # '#' inside: legacy reads all of it, 2.2.0+ cuts it


def planted_conf() -> str:
    lines = [f"{k} {v}" for k, v in SECRETS.items()]
    return "\n".join(["port 6666", *lines, "rocksdb.row_cache_size 64", "no-such-key 1",
                      "migrate-batch-rate-limit-mb 0", ""])


def needles() -> list[str]:
    return [*SECRETS.values(), HASHED, *[p for p in HASHED.split("#") if len(p) >= 6]]


def run(*args: str) -> str:
    """stdout and stderr of the command line, run in-process through the console script's entry
    point (tests/clirun.py): the same code path as a subprocess, without an interpreter start."""
    from tests.clirun import kv

    r = kv(*args)
    return r.stdout + r.stderr


def assert_clean(output: str, where: str) -> None:
    for n in needles():
        assert n not in output, f"{n!r} leaked in {where}"


@pytest.mark.parametrize("fmt", sorted(report.FORMATS))
def test_plan_and_apply_outputs_mask_secrets(tmp_path: Path, fmt: str) -> None:
    conf = tmp_path / "kvrocks.conf"
    conf.write_text(planted_conf())
    legacy = tmp_path / "legacy.conf"
    legacy.write_text(f"port 6666\nrequirepass {HASHED}\nmasterauth {HASHED}\nrocksdb.write_buffer_size 64MB\n")
    for cmd in (["plan", "--from", "2.12.0", "--to", "2.14.0"],
                ["plan", "--from", "2.12.0", "--to", "2.14.0", "--unsafe-fixes", "--pin-defaults"],
                ["check", "--to", "2.14.0"]):
        assert_clean(run(*cmd, "--format", fmt, str(conf)), f"{cmd[0]} {fmt}")
    assert_clean(run("plan", "--from", "2.1.0", "--to", "2.14.0", "--format", fmt, str(legacy)), f"legacy {fmt}")
    assert_clean(run("apply", "--from", "2.12.0", "--to", "2.14.0", "--unsafe-fixes", "--format", fmt, str(conf)),
                 f"apply {fmt}")
    # The file itself still holds them: masking is for output only.
    assert SECRETS["requirepass"] in conf.read_text()


def test_error_messages_mask_secrets(tmp_path: Path) -> None:
    bad = tmp_path / "bad.conf"
    bad.write_text(f'requirepass "{SECRETS["requirepass"]}\nport 6666\n')  # unterminated quote
    out = run("plan", "--from", "2.12.0", "--to", "2.14.0", str(bad))
    assert "bad.conf:1" in out
    assert_clean(out, "error message")


def test_library_json_is_masked() -> None:
    import json

    from upgrader.planner import plan_text
    from upgrader.report.jsonout import plan_to_dict

    plan = plan_text(planted_conf(), from_="2.12.0", to="2.14.0")
    assert_clean(json.dumps(plan_to_dict(plan)), "plan_to_dict")


CARRIERS = {
    "docker-compose.yml": (
        "services:\n  kvrocks:\n    image: apache/kvrocks:2.12.1\n    command: >\n"
        f"      --requirepass {SECRETS['requirepass']}\n      --masterauth {SECRETS['masterauth']}\n"
        "      --rocksdb.row_cache_size 64\n"),
    "group_vars.yml": (
        "kvrocks_config:\n"
        f"  requirepass: \"{SECRETS['requirepass']}\"\n  namespace.Tenant_A: {SECRETS['namespace.Tenant_A']}\n"
        "  rocksdb.row_cache_size: 64\n"),
}


@pytest.mark.parametrize("fmt", sorted(report.FORMATS))
def test_carrier_outputs_mask_secrets(tmp_path: Path, fmt: str) -> None:
    for name, text in CARRIERS.items():
        p = tmp_path / name
        p.write_text(text)
        assert_clean(run("plan", "--from", "2.12.1", "--to", "2.14.0", "--format", fmt, str(p)), f"{name} {fmt}")
        assert_clean(run("apply", "--from", "2.12.1", "--to", "2.14.0", "--format", fmt, str(p)), f"{name} {fmt}")
        assert SECRETS["requirepass"] in p.read_text()


def test_clean_masks_like_data_and_skips_the_walk_only_when_nothing_would_change() -> None:
    from upgrader.matrix import load_matrix
    from upgrader.redact import MASK, Redactor

    red = Redactor(load_matrix(), ['pa"ss\\word', "s3cret-token", "abc"])
    plain = {"a": ["x", {"b": "nothing here", "n": 4096}], "c": None}
    assert red.clean(plain) is plain  # nothing to mask: the record itself
    for hidden in ('say pa"ss\\word now', "s3cret-token", "x s3cret-token\ny"):
        rec = {"a": [1, {"b": hidden}], "t": ("s3cret-token",)}
        out = red.clean(rec)
        assert out == red.data(rec) and MASK in out["a"][1]["b"] and out["t"] == [MASK]
    short = {"a": "abc"}  # three characters: masked only where it stands as a value, not in free text
    assert red.clean(short) == short
    as_value = {"a": ["--requirepass abc", "requirepass: 'abc'", "requirepass abc", "--masterauth=abc"]}
    assert red.clean(as_value) == red.data(as_value) == {"a": ["--requirepass ********", "requirepass: '********'",
                                                               "requirepass ********", "--masterauth=********"]}
    odd = {"a": "caf\udce9"}  # a byte that is not UTF-8 is shown as \xNN, as data() does
    assert red.clean(odd) == red.data(odd) == {"a": "caf\\xe9"}
