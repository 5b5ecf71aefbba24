"""flags-compose: ``entrypoint:`` (string and list), the binary repeated in ``command:``, flags after ``-c``."""

from __future__ import annotations

from .fixtures import FIXTURES, assert_masked, fixture
from .helpers import ROW_CACHE, apply_twice, assert_only, by_id, plan

KIND = "flags-compose"


def test_entrypoint_list_then_command_list():
    p = plan(fixture("compose-entrypoint-list.yml"))
    assert p.kind == KIND
    (f,) = by_id(p, ROW_CACHE)
    assert f.line == 14 and f.applied
    assert_only(p, {14, 15})
    assert "      # kvupgrade: --rocksdb.row_cache_size 256 -- deprecated in 2.13.0" in p.new_text
    # the words of command: are read after the entrypoint's: --port and --workers are flags, not positionals
    assert not [x for x in p.findings if x.rule == "carrier/argv-positional"]
    (o,) = [x for x in p.findings if x.rule == "carrier/flag-overrides-conf"]
    assert o.line == 10 and "the flag wins" in o.message and "--port" in o.message


def test_entrypoint_string_with_binary_path():
    p = plan(fixture("compose-entrypoint-string.yml"))
    (f,) = by_id(p, ROW_CACHE)
    assert f.line == 5 and f.applied
    assert p.new_text == p.old_text.replace(" --rocksdb.row_cache_size 128", "")


def test_binary_repeated_in_command_string():
    p = plan(fixture("compose-command-binary.yml"))
    (f,) = by_id(p, ROW_CACHE)
    assert f.line == 5 and f.applied
    assert p.new_text == p.old_text.replace(" --rocksdb.row_cache_size 512", "")
    assert not [x for x in p.findings if x.rule == "carrier/argv-positional"]  # "kvrocks" is the binary
    assert [x.line for x in p.findings if x.rule == "carrier/flag-overrides-conf"] == [5]


def test_binary_repeated_in_command_list_and_secret_masked():
    p = plan(fixture("compose-command-binary-list.yml"))
    (f,) = by_id(p, ROW_CACHE)
    assert f.line == 8 and f.applied
    assert_only(p, {8, 9})
    assert not [x for x in p.findings if x.rule == "carrier/argv-positional"]
    assert_masked(p, "s3cr3t-compose-pw")


def test_entrypoint_that_is_not_kvrocks_is_reported_not_edited():
    p = plan(fixture("compose-entrypoint-shell.yml"))
    assert p.new_text == p.old_text
    (f,) = [x for x in p.findings if x.rule == "carrier/compose-entrypoint-not-kvrocks"]
    assert f.line == 4 and "/bin/sh" in f.message


def test_apply_twice_keeps_untouched_bytes(tmp_path):
    for name in ("compose-entrypoint-list.yml", "compose-entrypoint-string.yml", "compose-command-binary.yml",
                 "compose-command-binary-list.yml"):
        before, after = apply_twice(tmp_path, name, fixture(name))
        assert before != after
    assert (FIXTURES / "compose-entrypoint-list.yml").read_text() == fixture("compose-entrypoint-list.yml")
