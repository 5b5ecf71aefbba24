"""Class 8: a carrier value that cannot be one ``key value`` line (a YAML ``"a\\nb"`` rendered
unquoted by a template or the operator) is reported on its own line, and its unit is left untouched: before, the
synthetic conf gained a line, so the password was cut in two and every later finding and edit
landed on the next entry. (A flag value may hold a line break: argv is not read as lines.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from upgrader import report
from upgrader.api import apply_file
from upgrader.cli import app

from .helpers import plan

CASES = {
    "group_vars.yml": (
        'kvrocks_config:\n  requirepass: "Esc-PLANTED\\nxyz-half"\n  rocksdb.row_cache_size: 64\n'
        "  slave-read-only: yes\n  port: 6666\n", "yaml-vars", 2, 3),
    "values.yaml": (
        "image:\n  repository: apache/kvrocks\n  tag: 2.12.1\nkvrocks:\n  config:\n"
        '    masterauth: "Esc-PLANTED\\r\\nxyz-half"\n    rocksdb.row_cache_size: 64\n    port: 6666\n',
        "helm-values", 6, 7),
    "kvrocks-cr.yaml": (
        "apiVersion: kvrocks.apache.org/v1alpha1\nkind: KVRocks\nmetadata:\n  name: kv\nspec:\n"
        '  image: apache/kvrocks:2.12.1\n  password: "Esc-PLANTED\\nxyz-half"\n  kvrocksConfig:\n'
        '    rocksdb.row_cache_size: "64"\n    port: "6666"\n', "operator", 7, 9),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_with_a_line_break_is_reported_and_its_unit_left_untouched(tmp_path: Path, name: str) -> None:
    text, kind, bad_line, cache_line = CASES[name]
    p = plan(text, kind, path=name)
    broken = [f for f in p.findings if f.rule == "carrier/multiline-value"]
    assert broken and {f.line for f in broken} == {bad_line} and broken[0].severity == "error"
    # findings after the broken entry still point at their own line, and no fix is applied
    cache = [f for f in p.findings if f.option == "rocksdb.row_cache_size" and not f.rule.startswith("carrier/")]
    assert cache and cache[0].line == cache_line and not cache[0].applied
    assert p.new_text == text and p.blockers
    f = tmp_path / name
    f.write_text(text)
    o = apply_file(str(f), to="2.14.0", from_="2.12.1")
    assert o.error is None and not o.written and f.read_text() == text


@pytest.mark.parametrize("name", sorted(CASES))
def test_neither_half_of_the_broken_secret_is_printed(tmp_path: Path, name: str) -> None:
    f = tmp_path / name
    for fmt in sorted(report.FORMATS):
        for cmd in ("plan", "apply"):
            f.write_text(CASES[name][0])
            r = CliRunner().invoke(app, [cmd, "--from", "2.12.1", "--to", "2.14.0", "--format", fmt, str(f)])
            out = r.stdout + r.stderr
            assert "line break" in out
            assert "Esc-PLANTED" not in out and "xyz-half" not in out, f"{name} {cmd} {fmt}"
            assert f.read_text() == CASES[name][0]
