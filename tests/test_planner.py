"""The planner end to end on kvrocks.conf text (pure: no files)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upgrader.confmodel import Document
from upgrader.planner import plan_text
from upgrader.settings import Settings
from upgrader.settings import MARKER
from upgrader.versions import VersionError


def shipped(shared_dir: Path, version: str) -> str:
    return (shared_dir / "confs" / f"{version}.conf").read_bytes().decode()


def row_cache_conf(shared_dir: Path) -> str:
    text = shipped(shared_dir, "2.12.0")
    assert "\nrocksdb.row_cache_size 0\n" in text
    return text.replace("\nrocksdb.row_cache_size 0\n", "\nrocksdb.row_cache_size 1024\n")


def test_headline_row_cache(shared_dir: Path) -> None:
    text = row_cache_conf(shared_dir)
    plan = plan_text(text, from_="2.12.1", to="2.13.0", path="kvrocks.conf")
    rc = [f for f in plan.findings if f.option == "rocksdb.row_cache_size"]
    assert len(rc) == 1
    f = rc[0]
    assert f.severity == "warning" and f.applied and f.action == "comment_out" and f.since == "2.13.0"
    assert "DeleteRange" in f.message and "slot migration" in f.message
    assert "apache/kvrocks#2989" in f.references and "apache/kvrocks#2987" in f.references
    old, new = text.splitlines(), plan.new_text.splitlines()
    changed = [i for i, (a, b) in enumerate(zip(old, new)) if a != b]
    assert len(old) == len(new) and changed == [f.line - 1]
    assert new[f.line - 1].startswith(f"{MARKER} rocksdb.row_cache_size 1024  -- deprecated in 2.13.0")
    # A second plan on the result changes nothing.
    assert plan_text(plan.new_text, from_="2.12.1", to="2.13.0").new_text == plan.new_text


def test_untouched_shipped_conf_is_noop_when_nothing_applies(shared_dir: Path) -> None:
    text = shipped(shared_dir, "2.11.0")
    plan = plan_text(text, from_="2.11.0", to="2.11.1")
    assert plan.new_text == text and not plan.changed


def test_multi_hop_applies_each_step() -> None:
    text = ("rocksdb.max_sub_compactions 4\nrocksdb.row_cache_size 64\nauto-resize-block-and-sst yes\n"
            "migrate-batch-rate-limit-mb 16\n")
    plan = plan_text(text, from_="2.9.0", to="2.14.0")
    assert plan.hops == ["2.10.0", "2.10.1", "2.11.0", "2.11.1", "2.12.0", "2.12.1", "2.13.0", "2.14.0"]
    lines = plan.new_text.splitlines()
    assert lines[0] == "rocksdb.max_subcompactions 4"  # renamed at 2.10.0, value and place kept
    assert lines[1].startswith(f"{MARKER} rocksdb.row_cache_size 64  -- deprecated in 2.13.0")
    assert lines[2].startswith(f"{MARKER} auto-resize-block-and-sst yes  -- removed in 2.14.0")
    assert lines[3] == "migrate-batch-rate-limit-mb 16"
    by_rule = {(f.rule, f.option) for f in plan.findings}
    assert ("rename", "rocksdb.max_sub_compactions") in by_rule


def test_window_not_crossed_is_silent() -> None:
    plan = plan_text("rocksdb.max_subcompactions 4\n", from_="2.10.0", to="2.11.0")
    assert not plan.changed
    assert not [f for f in plan.findings if f.severity != "info"]


def test_default_flip_reported_for_unset_option() -> None:
    plan = plan_text("port 6666\n", from_="2.11.1", to="2.12.0")
    (f,) = [f for f in plan.findings if f.option == "resp3-enabled"]
    assert (f.severity, f.before, f.after, f.line, f.applied) == ("info", "no", "yes", None, False)
    assert not plan.changed


def test_pin_defaults_is_opt_in_and_idempotent() -> None:
    s = Settings(pin_defaults=True)
    plan = plan_text("port 6666\n", from_="2.11.1", to="2.12.0", settings=s)
    assert plan.new_text.startswith("port 6666\n")
    assert "\nresp3-enabled no\n" in plan.new_text
    assert plan_text(plan.new_text, from_="2.11.1", to="2.12.0", settings=s).new_text == plan.new_text


def test_invalid_value_is_a_blocker() -> None:
    # Hours 30-40 have no cron equivalent, so no fix: 2.9.0+ refuse the value and the node does not start.
    plan = plan_text("compaction-checker-range 30-40\n", from_="2.8.0", to="2.14.0")
    assert plan.blockers and plan.blockers[0].option == "compaction-checker-range"


def test_unknown_key_in_target() -> None:
    plan = plan_text("no-such-option 1\nport 6666\n", from_="2.12.0", to="2.14.0")
    (f,) = [f for f in plan.findings if f.option == "no-such-option"]
    # No release reads it: commenting it out keeps the meaning exactly, so it is a safe fix.
    assert f.severity == "warning" and f.applied and f.safety == "safe"
    assert plan.new_text.startswith(f"{MARKER} no-such-option 1")


def test_unknown_versions_refused() -> None:
    # A downgrade is a rollback plan now (tests/test_rollback_plan.py); unknown releases are refused.
    with pytest.raises(VersionError, match="known releases: 1.3.0"):
        plan_text("port 1\n", from_="2.99.0", to="2.14.0")


def test_malformed_line_is_refused_with_line_number() -> None:
    from upgrader.confmodel import ConfigSyntaxError

    with pytest.raises(ConfigSyntaxError) as exc:
        plan_text('port 6666\nrequirepass "open\n', from_="2.12.0", to="2.14.0", path="k.conf")
    assert exc.value.lineno == 2 and "k.conf:2" in str(exc.value)


def test_secrets_collected_for_masking() -> None:
    plan = plan_text("requirepass s3cr3t-value\nmasterauth other-secret\nnamespace.ns1 tok-123456\n",
                     from_="2.12.0", to="2.14.0")
    assert {"s3cr3t-value", "other-secret", "tok-123456"} <= set(plan.secrets)


OPTIONS = ["port 6666", "rocksdb.row_cache_size 10", "rocksdb.max_sub_compactions 3", "workers 4",
           "auto-resize-block-and-sst yes", "migrate-type redis-command", "no-such-key 1", "# comment",
           "", "resp3-enabled no", "rocksdb.level_compaction_dynamic_level_bytes no", "bind 0.0.0.0"]
RELEASES = ["2.8.0", "2.9.0", "2.10.0", "2.10.1", "2.11.0", "2.12.0", "2.12.1", "2.13.0", "2.14.0"]


@given(st.lists(st.sampled_from(OPTIONS), max_size=12), st.sampled_from(RELEASES), st.sampled_from(RELEASES),
       st.booleans(), st.booleans(), st.sampled_from(["\n", "\r\n"]))
@settings(max_examples=150, deadline=None)
def test_apply_is_idempotent_and_only_listed_lines_change(lines, a, b, unsafe, pin, eol) -> None:  # type: ignore[no-untyped-def]
    lo, hi = sorted([a, b], key=lambda v: tuple(map(int, v.split("."))))
    text = eol.join(lines) + (eol if lines else "")
    s = Settings(unsafe_fixes=unsafe, pin_defaults=pin)
    plan = plan_text(text, from_=lo, to=hi, settings=s)
    again = plan_text(plan.new_text, from_=lo, to=hi, settings=s)
    assert again.new_text == plan.new_text
    # Every changed line was listed as an applied finding; appended lines only come from pins.
    old = Document.parse(text).lines
    new = Document.parse(plan.new_text).lines
    listed = {f.line for f in plan.findings if f.applied and f.line}
    for o, n in zip(old, new):
        if o.raw != n.raw:
            assert o.lineno in listed
    if len(new) > len(old):
        assert pin
    # After apply every active key is valid for the target, or the plan says why it is left.
    from upgrader.matrix import load_matrix
    from upgrader.values import check_value

    m = load_matrix()
    tgt = m.release(m.resolve(hi))
    left = {f.line for f in plan.findings if not f.applied and f.line}
    for ln in Document.parse(plan.new_text, tgt.grammar).directives():  # type: ignore[arg-type]
        st = m.state(ln.norm_key, tgt.version)
        ok = st is not None and st.status == "active" and check_value(ln.value, st, tgt.integers) is None
        assert ok or ln.lineno in left, (ln.text, hi)
