"""Rollback plans (issue 14 item 3): ``plan --from NEW --to OLD`` fits a newer release's file to an older one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from upgrader.api import Outcome
from upgrader.confmodel import Document
from upgrader.matrix import load_matrix
from upgrader.planner import plan_text
from upgrader.settings import Settings
from upgrader.settings import MARKER
from upgrader.report import get as report_format
from upgrader.report.jsonout import outcome_to_dict, summary
from upgrader.values import check_value


def _table(shared_dir: Path, version: str) -> dict[str, dict]:
    return {row["name"]: row for row in json.loads((shared_dir / "options" / f"{version}.json").read_text())}


def test_rollback_of_the_2140_shipped_conf_is_accepted_by_2121(shared_dir: Path) -> None:
    """Done-when: every active key of the result is in the 2.12.0 table (2.12.1 has none and is believed
    identical), so 2.12.1 warns about no unknown key, and every value passes that table's domain."""
    text = (shared_dir / "confs" / "2.14.0.conf").read_text()
    plan = plan_text(text, from_="2.14.0", to="2.12.1", path="kvrocks.conf")
    assert plan.direction == "rollback" and plan.hops == ["2.13.0", "2.12.1"]
    assert not plan.blockers
    table = _table(shared_dir, "2.12.0")
    m = load_matrix()
    doc = Document.parse(plan.new_text, "quoted")
    keys = [ln.norm_key for ln in doc.directives()]
    assert len(keys) > 80  # the result is still a full config, not an emptied one
    unknown = [k for k in keys if k not in table and not m.pattern_for(k)]
    assert unknown == []
    for ln in doc.directives():
        st = m.state(ln.norm_key, (2, 12, 1))
        assert st is not None and check_value(ln.value, st, "base0") is None, ln.text
    # The keys 2.13.0 and 2.14.0 added are commented out with the release that added them.
    assert f"{MARKER} lua-strict-key-accessing no  -- not an option of Kvrocks 2.12.1: added in 2.14.0" in plan.new_text
    assert f"{MARKER} enable-blob-cache no  -- not an option of Kvrocks 2.12.1: added in 2.13.0" in plan.new_text
    added = {f.option for f in plan.findings if f.rule == "rollback_keys" and f.applied}
    assert {"replication-no-slowdown", "slowlog-dump-logfile-level", "enable-blob-cache"} <= added


def test_leading_zero_read_as_decimal_by_2140_is_rewritten_for_2130() -> None:
    plan = plan_text("max-io-mb 010\n", from_="2.14.0", to="2.13.0")
    (f,) = [f for f in plan.findings if f.rule == "integer_syntax"]
    assert f.severity == "warning" and f.applied and "reads it as 8" in f.message
    assert plan.new_text == "max-io-mb 10\n"


def test_default_that_flips_back_is_drift() -> None:
    plan = plan_text("port 6666\n", from_="2.14.0", to="2.13.0")
    (f,) = [f for f in plan.findings if f.option == "rocksdb.level_compaction_dynamic_level_bytes"]
    assert f.rule == "default_change" and f.before == "yes" and f.after == "no"
    assert "goes back from 'yes' (2.14.0) to 'no' (2.13.0)" in f.message
    pinned = plan_text("port 6666\n", from_="2.14.0", to="2.13.0", settings=Settings(pin_defaults=True))
    assert pinned.new_text.endswith("rocksdb.level_compaction_dynamic_level_bytes yes\n")


def test_value_only_the_newer_release_accepts_is_an_error() -> None:
    plan = plan_text("log-level debug\n", from_="2.14.0", to="2.12.1")
    assert [(f.rule, f.option) for f in plan.blockers] == [("target_check", "log-level")]
    assert "refused by 2.12.1" in plan.blockers[0].message


def test_renamed_key_goes_back_to_the_old_name() -> None:
    plan = plan_text("rocksdb.max_subcompactions 4\n", from_="2.10.0", to="2.9.0")
    assert plan.new_text == "rocksdb.max_sub_compactions 4\n"
    (f,) = [f for f in plan.findings if f.rule == "rollback_keys"]
    assert f.action == "rename" and f.applied and f.safety == "safe"


def test_deprecated_key_takes_effect_again() -> None:
    plan = plan_text("rocksdb.row_cache_size 1024\n", from_="2.13.0", to="2.12.1")
    (f,) = [f for f in plan.findings if f.rule == "rollback_keys"]
    assert f.severity == "warning" and not f.applied and "takes effect after the rollback" in f.message
    assert plan.new_text == "rocksdb.row_cache_size 1024\n"


def test_quoted_value_across_220_is_reported() -> None:
    plan = plan_text('dir "/data/kv rocks"\n', from_="2.2.0", to="2.1.0")
    (f,) = [f for f in plan.findings if f.rule == "rollback_keys"]
    assert f.action == "manual" and "reads \"/data/kv rocks\"" in f.message


def test_rollback_never_shows_a_secret() -> None:
    planted = "Rb-93kq-PLANTED"
    text = f"requirepass {planted}\nmasterauth {planted}x\nreplication-delay-bytes 1\n"
    plan = plan_text(text, from_="2.14.0", to="2.12.1", path="k.conf")
    rec = outcome_to_dict(Outcome("k.conf", plan=plan))
    for fmt in ("text", "json", "markdown", "html", "sarif"):
        assert planted not in report_format(fmt).render([rec], summary([rec]), "plan", {})


@pytest.mark.parametrize("fmt,needle", [
    ("text", "rollback plan: the file 2.14.0 ran with, made fit for Kvrocks 2.12.1"),
    ("markdown", "**Rollback plan:** the file 2.14.0 ran with"),
    ("html", "<strong>Rollback plan:</strong> the file 2.14.0 ran with"),
    ("json", '"direction": "rollback"'),
    ("sarif", '"rollback_plans": [\n'),
])
def test_every_format_names_the_rollback_plan(fmt: str, needle: str) -> None:
    plan = plan_text("replication-delay-bytes 1\n", from_="2.14.0", to="2.12.1", path="k.conf")
    rec = outcome_to_dict(Outcome("k.conf", plan=plan))
    out = report_format(fmt).render([rec], summary([rec]), "plan", {})
    assert needle in out
    up = plan_text("port 1\n", from_="2.12.1", to="2.14.0", path="k.conf")
    up_rec = outcome_to_dict(Outcome("k.conf", plan=up))
    assert up_rec["direction"] == "upgrade"
    assert "ollback" not in report_format(fmt).render([up_rec], summary([up_rec]), "plan", {})


def test_check_against_an_older_release_stays_a_validity_check() -> None:
    # `check --to OLD` plans from the target to itself: no hops, no rollback.
    plan = plan_text("lua-strict-key-accessing no\n", from_="2.12.1", to="2.12.1")
    assert plan.direction == "upgrade" and plan.hops == []
    # Issue 12 item 8: the 2.14.0 key is named as a newer release's, not "not an option".
    assert [f.rule for f in plan.findings] == ["newer_release_keys"]
    assert "looks written for Kvrocks 2.14.0" in plan.findings[0].message


@pytest.mark.slow
def test_every_shipped_conf_rolled_back_to_every_older_release(shared_dir: Path) -> None:
    """380 rollback plans: no active key is left that the target does not know, the only blockers are
    values the older release refuses (max_background_* -1), and a second run changes nothing."""
    m = load_matrix()
    plans = 0
    blocker_options: set[str] = set()
    for conf in sorted((shared_dir / "confs").glob("*.conf")):
        src = m.resolve(conf.stem)
        text = conf.read_text(encoding="utf-8", errors="surrogateescape")
        for rel in m.releases:
            if rel.version >= src:
                continue
            plan = plan_text(text, from_=src, to=rel.version, matrix=m)
            plans += 1
            assert plan.direction == "rollback"
            doc = Document.parse(plan.new_text, rel.grammar)  # type: ignore[arg-type]
            left = [ln.norm_key for ln in doc.directives()
                    if m.state(ln.norm_key, rel.version) is None and not m.pattern_for(ln.norm_key)]
            assert left == [], (conf.stem, rel.name, left)
            blocker_options |= {f.option for f in plan.blockers}
            if rel.version >= (2, 10, 0):  # the rerun, on the recent windows (keeps the test quick)
                again = plan_text(plan.new_text, from_=src, to=rel.version, matrix=m)
                assert again.new_text == plan.new_text, (conf.stem, rel.name)
    assert plans == 380
    assert blocker_options <= {"rocksdb.max_background_compactions", "rocksdb.max_background_flushes"}


def test_logging_changes_of_213_and_214_are_reported_backwards() -> None:
    plan = plan_text("log-retention-days 0\nlog-dir /var/log/kv,stdout:info\n", from_="2.14.0", to="2.12.1")
    got = {(f.rule, f.option): f for f in plan.findings}
    assert "after the rollback old logs are deleted" in got[("logging_switch", "log-retention-days")].message
    assert "after the rollback logs go elsewhere" in got[("logging_switch", "log-dir")].message
    unset = plan_text("port 6666\n", from_="2.14.0", to="2.13.0")
    (f,) = [f for f in unset.findings if f.rule == "log_dir_stdout"]
    assert "after the rollback stdout" in f.message
