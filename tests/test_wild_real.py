"""Issue 12 items 7 and 9 against the real 2.14.0 binary: what the findings say the release does is
what it does (refuses with these words, warns about the key, or skips the line), and the fixed file
starts. One server start per case, sandboxed by upgrader.realserver.judge."""

from __future__ import annotations


import pytest

from tests.transforms.wild import wild
from upgrader.planner import Settings, plan_text
from upgrader.realserver import judge
from upgrader.versions import parse_version

T = parse_version("2.14.0")
UNSAFE = Settings(unsafe_fixes=True)


@pytest.mark.parametrize("line, words", [
    ("rocksdb.write_buffer_size 64MB", "encounter non-integer characters"),
    ("rocksdb.block_cache_size 4GB", "encounter non-integer characters"),
    ("rocksdb.block_cache_size 4294967296", "out of range of integer type"),
    ("rocksdb.write_buffer_size 5000", "out of numeric range"),
])
def test_refusals_are_worded_as_the_server_words_them(kvrocks_bins: dict, line: str, words: str) -> None:
    text = f"port 6666\n{line}\n"
    (f,) = [f for f in plan_text(text, from_="2.13.0", to="2.14.0").findings if f.rule == "unit_values"]
    key = line.split()[0]
    assert f"failed to set value of field '{key}': {words}" in f.message
    v = judge(kvrocks_bins[T], text, expect=T)
    assert not v.started and f"failed to set value of field '{key}': {words}" in (v.fatal or "")


@pytest.mark.parametrize("name", ["units-suffixes.conf", "units-bytes.conf", "redis-docker-image.conf",
                                  "typos-underscores.conf"])
def test_fixed_wild_file_starts_without_unknown_key_warnings(kvrocks_bins: dict, name: str) -> None:
    plan = plan_text(wild(name), from_="2.13.0", to="2.14.0", settings=UNSAFE)
    text = plan.new_text.replace("rocksdb.write_buffer_size 5000", "rocksdb.write_buffer_size 4096")  # manual fix
    v = judge(kvrocks_bins[T], text, expect=T)
    assert v.started, v.fatal
    assert not [w for w in v.warnings if "not a valid configuration key" in w.text], [w.text for w in v.warnings]


def test_stray_comment_is_skipped_and_redis_key_warned(kvrocks_bins: dict) -> None:
    # What unknown_keys says 2.14.0 does: skips '-# ...' silently, warns about appendonly.
    v = judge(kvrocks_bins[T], "port 6666\n-# a comment\nappendonly no\n", expect=T)
    assert v.started
    texts = [w.text for w in v.warnings]
    assert any("'appendonly' at line 3 is not a valid configuration key" in t for t in texts), texts
    assert not any("line 2" in t for t in texts), texts
