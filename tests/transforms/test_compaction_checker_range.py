from upgrader.settings import Settings
from upgrader.settings import MARKER

from .tools import findings, noop, silent, transformed

RULE = "compaction_checker_range"


def test_whole_day_clamped_to_cron_safely():
    plan = transformed(RULE, "compaction-checker-range 0-24\n", "compaction-checker-cron * 0-23 * * *\n",
                       from_="2.8.0", to="2.9.0")
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.severity == "error" and f.safety == "safe" and f.applied and "apache/kvrocks#2383" in f.references


def test_inline_comment_and_indent_kept():
    transformed(RULE, "  compaction-checker-range 5-24 # nightly\n",
                "  compaction-checker-cron * 5-23 * * * # nightly\n", from_="2.7.0", to="2.14.0")


def test_equal_bounds_need_review():
    plan = noop(RULE, "compaction-checker-range 3-3\n", from_="2.8.0", to="2.9.0")
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.safety == "unsafe" and not f.applied and "inferred" in f.why and f.after == "* 3 * * *"
    transformed(RULE, "compaction-checker-range 3-3\n", "compaction-checker-cron * 3 * * *\n",
                from_="2.8.0", to="2.9.0", settings=Settings(unsafe_fixes=True))


def test_across_midnight_needs_review():
    fs = findings(RULE, "compaction-checker-range 22-6\n", from_="2.8.0", to="2.9.0")
    assert [(f.safety, f.after, f.applied) for f in fs] == [("unsafe", "* 22-23,0-6 * * *", False)]


def test_with_cron_set_the_range_goes():
    plan = transformed(RULE, "compaction-checker-range 0-7\ncompaction-checker-cron * 0-7 * * *\n",
                       f"{MARKER} compaction-checker-range 0-7  -- fatal with compaction-checker-cron from 2.9.0\n"
                       "compaction-checker-cron * 0-7 * * *\n", from_="2.8.0", to="2.9.0")
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.safety == "safe"  # the cron names the same hours


def test_with_other_cron_needs_review():
    fs = findings(RULE, "compaction-checker-range 0-7\ncompaction-checker-cron * 1-2 * * *\n",
                  from_="2.8.0", to="2.9.0")
    assert [(f.safety, f.action, f.applied) for f in fs] == [("unsafe", "comment_out", False)]


def test_not_a_range_is_manual():
    (f,) = findings(RULE, "compaction-checker-range night\n", from_="2.8.0", to="2.9.0")
    assert f.action == "manual" and f.safety == "display"


def test_noop_valid_range():
    silent(RULE, "compaction-checker-range 0-7\n", from_="2.8.0", to="2.14.0")


def test_noop_target_before_change():
    silent(RULE, "compaction-checker-range 0-24\n", from_="2.0.0", to="2.8.0")


def test_noop_source_already_past_change():
    silent(RULE, "compaction-checker-range 0-24\n", from_="2.9.0", to="2.14.0")
