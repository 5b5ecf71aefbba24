"""Issue 12 item 8: a file written for a newer release than --to."""

from __future__ import annotations

import pytest

from upgrader.planner import Settings, plan_text
from upgrader.registry import MARKER

from .tools import findings, silent, transformed
from .wild import rendered, wild

RULE = "newer_release_keys"


@pytest.mark.parametrize("name, frm, to, written_for, keys", [
    ("newer-2.14-against-2.10.conf", "2.10.0", "2.10.1", "2.14.0",
     {"replication-group-sync", "replication-no-slowdown", "rocksdb.periodic_compaction_seconds"}),
    ("newer-2.15-against-2.13.conf", "2.12.0", "2.13.0", "2.15.0", {"redis-databases", "max-replication-lag"}),
])
def test_explicit_from_names_the_release_and_the_downgrade(name: str, frm: str, to: str, written_for: str,
                                                           keys: set[str]) -> None:
    plan = plan_text(wild(name), from_=frm, to=to)
    mine = [f for f in plan.findings if f.rule == RULE]
    assert {f.option for f in mine} == keys
    for f in mine:
        assert f"looks written for Kvrocks {written_for}" in f.message
        assert f"in effect a downgrade from {written_for}" in f.message and f"--from {written_for}" in f.message
        assert f.safety == "unsafe" and not f.applied
    # One owner: no "not an option" from target_check for the same lines.
    assert not [f for f in plan.findings if f.rule == "target_check" and f.option in keys]
    assert plan.new_text == wild(name)


@pytest.mark.parametrize("name, to, written_for", [
    ("newer-2.14-against-2.10.conf", "2.10.1", "2.14.0"),
    ("newer-2.15-against-2.13.conf", "2.13.0", "2.15.0"),
])
def test_from_auto_plans_the_rollback_and_says_so_in_every_format(name: str, to: str, written_for: str) -> None:
    plan = plan_text(wild(name), from_="auto", to=to, path=name)
    assert plan.direction == "rollback" and plan.from_version == written_for
    det = plan.from_detected or {}
    assert det["written_for"] == written_for and f"looks written for {written_for}" in det["reason"]
    assert "rollback" in det["reason"]
    # The rollback plan comments the newer keys out (rollback_keys, safe) and nothing is "unknown".
    assert not [f for f in plan.findings if f.rule in ("target_check", RULE)]
    assert plan.new_text.count(MARKER) >= 2
    for fmt, out in rendered(plan).items():
        assert "ollback" in out, fmt


def test_unsafe_fix_comments_out_and_is_idempotent() -> None:
    transformed(RULE, "replication-group-sync no\n",
                f"{MARKER} replication-group-sync no  -- Kvrocks 2.14.0+ option, not read by 2.10.1\n",
                from_="2.10.1", to="2.10.1", settings=Settings(unsafe_fixes=True))


def test_check_command_says_starting_the_target_is_a_downgrade() -> None:
    (f,) = findings(RULE, "replication-group-sync no\n", from_="2.10.1", to="2.10.1")
    assert "starting 2.10.1 on it is a downgrade from 2.14.0" in f.message


def test_noop_target_reads_the_key() -> None:
    silent(RULE, "replication-group-sync no\n", from_="2.13.0", to="2.14.0")


def test_noop_source_already_reads_the_key_on_a_rollback() -> None:
    # From 2.14.0 down to 2.10.1: rollback_keys owns the key (the window covers where it was added).
    silent(RULE, "replication-group-sync no\n", from_="2.14.0", to="2.10.1")


def test_noop_old_removed_key_is_not_newer() -> None:
    # A key only old releases read is target_check's (it names the releases that read it).
    silent(RULE, "rocksdb.max_sub_compactions 2\n", from_="2.13.0", to="2.14.0")


def test_from_auto_with_a_foreign_key_too_still_names_the_newer_release() -> None:
    # No release fits every line (appendonly): detection falls back to the target's window, and the
    # newer keys still say which release the file was written for; appendonly is named as Redis's.
    plan = plan_text(wild("newer-2.14-with-redis-keys.conf"), from_="auto", to="2.12.1")
    mine = [f for f in plan.findings if f.rule == RULE]
    assert {f.option for f in mine} == {"replication-no-slowdown", "lua-strict-key-accessing"}
    assert all("looks written for Kvrocks 2.14.0" in f.message for f in mine)
    assert [f.option for f in plan.findings if f.rule == "unknown_keys"] == ["appendonly"]
    assert not [f for f in plan.findings if f.rule == "target_check"]
