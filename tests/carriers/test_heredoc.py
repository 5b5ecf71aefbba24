"""flags-shell: a kvrocks.conf written with a here-document (<<EOF, <<'EOF', <<-EOF)."""

from __future__ import annotations

import pytest

from upgrader.carriers import detect_kind
from upgrader.carriers.heredoc import heredocs
from upgrader.errors import NoKvrocksContent

from .fixtures import assert_masked, fixture
from .helpers import ROW_CACHE, apply_twice, assert_only, by_id, plan


def test_unquoted_heredoc_edits_literal_lines_only():
    p = plan(fixture("heredoc-unquoted.sh"))
    assert p.kind == "flags-shell"
    (f,) = by_id(p, ROW_CACHE)
    assert f.line == 17 and f.applied
    assert_only(p, {17})
    assert "\n# kvupgrade: rocksdb.row_cache_size 1024  -- deprecated in 2.13.0" in p.new_text
    templated = {x.line: x.option for x in p.findings if x.rule == "carrier/templated-value"}
    assert templated == {12: "port", 13: "dir", 15: "requirepass", 16: "maxmemory"}
    # maxmemory is no Kvrocks option, but its value is expanded by the shell: reported, never edited
    (mm,) = by_id(p, "unknown_keys/maxmemory")  # Redis's key, named as such
    assert mm.line == 16 and not mm.applied and mm.action == "manual" and "decided when the script runs" in mm.why
    assert "${KVROCKS_PASSWORD}" in p.secrets


def test_quoted_heredoc_is_literal_and_its_secret_masked():
    p = plan(fixture("heredoc-quoted.sh"))
    (f,) = by_id(p, ROW_CACHE)
    assert f.line == 8 and f.applied
    assert_only(p, {8})
    assert not [x for x in p.findings if x.rule == "carrier/templated-value"]
    assert_masked(p, "heredoc-Secret-9")


def test_tab_stripping_heredoc_keeps_the_tabs_and_the_flags_after_it():
    p = plan(fixture("heredoc-tabs.sh"))
    assert sorted(f.line for f in by_id(p, ROW_CACHE)) == [7, 13]
    assert "\t\t# kvupgrade: rocksdb.row_cache_size 64  -- deprecated" in p.new_text
    assert p.new_text.endswith("exec /usr/local/bin/kvrocks -c /data/kvrocks.conf\n")
    assert_only(p, {7, 13})


def test_a_unit_file_written_by_a_script_is_data_not_a_command():
    text = fixture("heredoc-not-conf.sh")
    assert detect_kind("install.sh", text) == "flags-shell"
    with pytest.raises(NoKvrocksContent, match="neither runs kvrocks nor writes a kvrocks.conf"):
        plan(text, path="install.sh")


def test_heredoc_reader():
    text = "cat <<A <<-'B'\nx 1\nA\n\ty 2\n\tB\necho done\n"
    a, b = heredocs(text)
    assert (a.delimiter, a.quoted, a.tabs, [r for _, r, _ in a.body]) == ("A", False, False, ["x 1"])
    assert (b.delimiter, b.quoted, b.tabs, [r for _, r, _ in b.body]) == ("B", True, True, ["\ty 2"])
    assert text[b.end:] == "echo done\n"


@pytest.mark.parametrize("name", ["heredoc-unquoted.sh", "heredoc-quoted.sh", "heredoc-tabs.sh"])
def test_apply_twice(tmp_path, name):
    before, after = apply_twice(tmp_path, name, fixture(name))
    assert before != after
