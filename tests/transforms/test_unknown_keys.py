"""Issue 12 item 7: Redis/fork keys, misspelt keys and stray comment markers, on real-world files."""

from __future__ import annotations

import pytest

from upgrader.planner import Settings, plan_text
from upgrader.registry import MARKER

from .tools import findings, noop, silent, transformed
from .wild import rendered, wild

RULE = "unknown_keys"
UNSAFE = Settings(unsafe_fixes=True)


@pytest.mark.parametrize("name, keys", [
    ("redis-persistence-block.conf", {"save", "stop-writes-on-bgsave-error", "dbfilename", "appendonly",
                                      "appendfsync", "tcp-keepalive"}),
    ("redis-docker-image.conf", {"protected-mode", "maxmemory", "maxmemory-policy", "appendonly", "hz"}),
    ("keydb-migration.conf", {"server-threads", "active-replica", "multi-master", "tcp-keepalive"}),
])
def test_foreign_keys_are_named_and_commented_out_safely(name: str, keys: set[str]) -> None:
    text = wild(name)
    plan = plan_text(text, from_="2.13.0", to="2.14.0")
    mine = [f for f in plan.findings if f.rule == RULE]
    assert {f.option for f in mine} == keys
    assert all(f.safety == "safe" and f.applied and "does not implement it" in f.message for f in mine)
    assert any(("is a Redis option" in f.message or "is a KeyDB option" in f.message) for f in mine)
    # One owner: target_check's generic "not an option" is gone for these lines.
    lines = {f.line for f in mine}
    assert not [f for f in plan.findings if f.rule == "target_check" and f.line in lines]
    again = plan_text(plan.new_text, from_="2.13.0", to="2.14.0")
    assert again.new_text == plan.new_text  # idempotent
    # Untouched lines keep their bytes.
    old, new = text.splitlines(), plan.new_text.splitlines()
    assert [a for i, a in enumerate(old, 1) if i not in lines] == [b for i, b in enumerate(new, 1) if i not in lines]


def test_a_redis_key_spelt_the_kvrocks_way_is_named() -> None:
    (f,) = findings(RULE, "max-memory 512MB\n", from_="2.13.0", to="2.14.0")
    assert "spelt like maxmemory, a Redis option" in f.message and f.applied


@pytest.mark.parametrize("name, meant", [
    ("typos-underscores.conf", {"max_io_mb": "max-io-mb", "rocksdb.block-cache-size": "rocksdb.block_cache_size",
                                "slowlog_log_slower_than": "slowlog-log-slower-than"}),
    ("typos-edit-distance.conf", {"worker": "workers", "rocksdb.max_open_file": "rocksdb.max_open_files",
                                  "compaction-cheker-range": "compaction-checker-range"}),
])
def test_typos_get_did_you_mean_as_an_unsafe_rename(name: str, meant: dict[str, str]) -> None:
    text = wild(name)
    plan = plan_text(text, from_="2.13.0", to="2.14.0")
    mine = {f.option: f for f in plan.findings if f.rule == RULE}
    assert set(mine) == set(meant)
    for key, f in mine.items():
        assert f"Did you mean {meant[key]}?" in f.message and f.action == "rename"
        assert f.safety == "unsafe" and not f.applied and "--unsafe-fixes" in f.why
    assert plan.new_text == text
    fixed = plan_text(text, from_="2.13.0", to="2.14.0", settings=UNSAFE)
    for key, new in meant.items():
        assert f"\n{new} " in fixed.new_text and f"\n{key} " not in fixed.new_text
    assert plan_text(fixed.new_text, from_="2.13.0", to="2.14.0", settings=UNSAFE).new_text == fixed.new_text
    # The renamed lines are now read and checked by the target: nothing unknown is left.
    assert not [f for f in plan_text(fixed.new_text, from_="2.14.0", to="2.14.0").findings
                if f.rule in (RULE, "target_check")]


def test_rename_snippet_and_idempotence() -> None:
    transformed(RULE, "max_io_mb 500\n", "max-io-mb 500\n", from_="2.13.0", to="2.14.0", settings=UNSAFE)


def test_a_misspelt_secret_key_is_reported_without_its_value_and_never_renamed() -> None:
    text = wild("typo-secret.conf")
    plan = plan_text(text, from_="2.13.0", to="2.14.0", path="typo-secret.conf", settings=UNSAFE)
    mine = {f.option: f for f in plan.findings if f.rule == RULE}
    assert set(mine) == {"requirepas", "master-auth"}
    assert all(f.severity == "error" and f.edit is None and f.before is None for f in mine.values())
    assert "Did you mean requirepass?" in mine["requirepas"].message
    assert plan.new_text == text
    for fmt, out in rendered(plan).items():
        assert "Sup3rS3cretV4lue" not in out and "An0therS3cretV4lue" not in out, fmt


def test_stray_character_before_a_comment_quoted_grammar() -> None:
    text = wild("stray-comment-quoted.conf")
    plan = transformed(RULE, text, text.replace("-# disabled", "# disabled").replace("/# temporary", "# temporary"),
                       from_="2.13.0", to="2.14.0")
    fs = [f for f in plan.findings if f.rule == RULE]
    assert [f.line for f in fs] == [2, 4] and all(f.safety == "safe" and "skips the line" in f.message for f in fs)


def test_stray_character_before_a_comment_legacy_grammar_is_a_key() -> None:
    text = wild("stray-comment-legacy.conf")
    plan = transformed(RULE, text, text.replace("-# old master", "# old master"), from_="2.0.0", to="2.1.0")
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert "reads '-#' as a key" in f.message
    full = plan_text(text, from_="2.0.0", to="2.1.0")
    assert not [g for g in full.findings if g.rule == "target_check" and g.line == f.line]


def test_noop_known_keys_and_plain_unknown_words() -> None:
    silent(RULE, "port 6666\nworkers 8\nrocksdb.write_buffer_size 64\n", from_="2.13.0", to="2.14.0")
    # Nothing close to a Kvrocks or Redis key: target_check's generic finding keeps it.
    silent(RULE, "frobnicate-level 3\n", from_="2.13.0", to="2.14.0")
    (f,) = findings("target_check", "frobnicate-level 3\n", from_="2.13.0", to="2.14.0")
    assert "no Kvrocks release reads it" in f.message


def test_noop_a_key_another_release_reads_is_not_a_typo() -> None:
    # rocksdb.row_cache_size is deprecated in 2.14.0 but real: never "did you mean".
    silent(RULE, "rocksdb.row_cache_size 0\nreplication-group-sync no\n", from_="2.10.0", to="2.10.1")


def test_check_on_the_target_itself_still_names_the_key() -> None:
    # `check` plans from the target to itself: no window, the target stage still runs.
    plan = transformed(RULE, "appendonly yes\n", f"{MARKER} appendonly yes  -- Redis option appendonly, not read by Kvrocks\n",
                       from_="2.14.0", to="2.14.0")
    (f,) = plan.findings
    assert f.rule == RULE and "Redis option" in f.message


def test_a_misspelt_secret_value_is_in_no_output_of_the_whole_plan() -> None:
    # Before issue 12, target_check commented the line out and every diff showed the password.
    for settings in (Settings(), UNSAFE):
        plan = plan_text(wild("typo-secret.conf"), from_="2.13.0", to="2.14.0", path="typo-secret.conf",
                         settings=settings)
        for fmt, out in rendered(plan).items():
            assert "Sup3rS3cretV4lue" not in out and "An0therS3cretV4lue" not in out, fmt


def test_a_stray_marker_before_a_commented_out_secret_is_reported_not_rewritten() -> None:
    for frm, to in (("2.13.0", "2.14.0"), ("2.0.0", "2.1.0")):
        text = "port 6666\n-# requirepass hunter2xyz\n/#namespace.ns1 tok3nxyz\n"
        plan = plan_text(text, from_=frm, to=to, path="x.conf", settings=UNSAFE)
        assert plan.new_text == text
        mine = [f for f in plan.findings if f.rule == RULE]
        assert [f.line for f in mine] == [2, 3] and all(f.edit is None for f in mine)
        for fmt, out in rendered(plan).items():
            assert "hunter2xyz" not in out and "tok3nxyz" not in out, (frm, fmt)


@pytest.mark.parametrize("text, why", [
    ("port$ 010\n", "not a plain decimal"),  # integer_syntax would rewrite 010 on the next run
    ("migrate-batch-rate-limit--b 0\n", "2.14.0 would refuse the value"),  # migrate_rate_limit's business
    ("workers 8\nworker 16\n", "set more than once"),  # duplicate_keys' business
])
def test_a_rename_that_is_not_the_last_word_is_left_to_the_operator(text: str, why: str) -> None:
    # Found by fuzz/fuzz_parser.py: a rename at the target stage must leave a line no other rule
    # changes on the next run, or apply is not idempotent.
    plan = plan_text(text, from_="2.10.0", to="2.14.0", settings=UNSAFE)
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.action == "manual" and why in f.message and f.edit is None
    assert plan_text(plan.new_text, from_="2.10.0", to="2.14.0", settings=UNSAFE).new_text == plan.new_text
