"""Issue 12 item 9: sizes with units and values past their maximum, with the release's real reading."""

from __future__ import annotations

from upgrader.planner import Settings, plan_text

from .tools import findings, noop, silent, transformed
from .wild import wild

RULE = "unit_values"
UNSAFE = Settings(unsafe_fixes=True)


def test_suffix_in_the_options_own_unit_is_fixed_safely() -> None:
    plan = transformed(RULE, "rocksdb.write_buffer_size 64MB\n", "rocksdb.write_buffer_size 64\n",
                       from_="2.13.0", to="2.14.0")
    (f,) = plan.findings
    assert f.severity == "error" and f.safety == "safe" and f.applied
    assert "encounter non-integer characters" in f.message and "64MB is 64" in f.message


def test_wild_file_with_suffixes() -> None:
    text = wild("units-suffixes.conf")
    plan = plan_text(text, from_="2.13.0", to="2.14.0")
    mine = {f.option: f for f in plan.findings if f.rule == RULE}
    assert set(mine) == {"rocksdb.write_buffer_size", "rocksdb.block_cache_size"}
    assert mine["rocksdb.block_cache_size"].safety == "unsafe" and "4GB is 4096" in mine["rocksdb.block_cache_size"].message
    # The refusal is said once, by its owner: target_check stands aside for these lines.
    assert not [f for f in plan.findings if f.rule == "target_check" and f.option in mine]
    fixed = plan_text(text, from_="2.13.0", to="2.14.0", settings=UNSAFE)
    assert "rocksdb.block_cache_size 4096\n" in fixed.new_text and "rocksdb.write_buffer_size 64\n" in fixed.new_text
    assert not fixed.blockers
    assert plan_text(fixed.new_text, from_="2.13.0", to="2.14.0", settings=UNSAFE).new_text == fixed.new_text


def test_wild_file_with_byte_counts_and_out_of_range() -> None:
    plan = plan_text(wild("units-bytes.conf"), from_="2.13.0", to="2.14.0", settings=UNSAFE)
    mine = {f.option: f for f in plan.findings if f.rule == RULE}
    cache, wbs = mine["rocksdb.block_cache_size"], mine["rocksdb.write_buffer_size"]
    assert "out of range of integer type" in cache.message and "4294967296 bytes is 4096 MB" in cache.message
    assert cache.applied and "rocksdb.block_cache_size 4096\n" in plan.new_text
    assert "out of numeric range" in wbs.message and "the maximum is 4096 MB" in wbs.message
    assert wbs.action == "manual" and not wbs.applied and [b.option for b in plan.blockers] == [wbs.option]


def test_legacy_integers_read_the_leading_number() -> None:
    # Up to 2.1.0 the suffix is ignored: 4GB runs as 4 MB; the fix to 4096 changes that, so unsafe.
    (f,) = findings(RULE, "rocksdb.metadata_block_cache_size 4GB\n", from_="2.0.0", to="2.1.0")
    assert f.severity == "warning" and "reads only the leading 4 (MB) and ignores 'GB'" in f.message
    assert f.safety == "unsafe" and not f.applied
    (g,) = findings(RULE, "rocksdb.write_buffer_size 64MB\n", from_="2.0.0", to="2.1.0")
    assert g.severity == "info" and g.safety == "safe" and g.applied


def test_no_unit_options_get_no_conversion() -> None:
    (f,) = findings(RULE, "rocksdb.max_open_files 4GB\n", from_="2.13.0", to="2.14.0")
    assert f.action == "manual" and "with no unit suffix" in f.message


def test_noop_plain_numbers_and_int_with_unit() -> None:
    silent(RULE, "rocksdb.write_buffer_size 64\nrocksdb.block_cache_size 4096\n", from_="2.13.0", to="2.14.0")
    silent(RULE, "proto-max-bulk-len 512m\n", from_="2.13.0", to="2.14.0")


def test_noop_secret_values_are_never_read_as_sizes() -> None:
    noop(RULE, "requirepass 64MB\n", from_="2.13.0", to="2.14.0")
    silent(RULE, "requirepass 64MB\n", from_="2.13.0", to="2.14.0")
