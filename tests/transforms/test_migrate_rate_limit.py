from upgrader.planner import plan_text
from upgrader.settings import Settings

from .tools import findings, silent, transformed

RULE = "migrate_rate_limit"
ZERO = "migrate-batch-rate-limit-mb 0\n"


FIXED = ("migrate-batch-rate-limit-mb 2147483647  # kvupgrade: was 0 (no limit), refused from 2.14.0; the largest"
         " accepted value keeps no limit (apache/kvrocks#3228)\n")


def test_zero_is_a_safe_fix_applied_by_default():
    # Issue 14 item 2: the largest accepted value keeps the meaning 'no limit' exactly, so the fix
    # is safe, applied without --unsafe-fixes, and the plan is not blocked.
    plan = transformed(RULE, ZERO, FIXED, from_="2.12.1", to="2.14.0")
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.severity == "error" and f.safety == "safe" and f.applied and f.fixable
    assert f.after == "2147483647" and not plan.blockers
    assert "no limit" in f.message and "SIGFPE" in f.message and "apache/kvrocks#3228" in f.references
    assert "the default 16 MB/s is the alternative" in f.message  # the other choice stays in the message


def test_rewrite_is_valid_for_2_14_and_kept_by_later_hops():
    plan = plan_text(ZERO, from_="2.8.0", to="2.17.0")
    assert plan.new_text.splitlines()[0] == FIXED.rstrip("\n") and not plan.blockers
    again = plan_text(plan.new_text, from_="2.14.0", to="2.17.0")
    assert again.new_text == plan.new_text and not again.blockers


def test_impact_after_is_the_applied_fix_not_the_default():
    plan = plan_text(ZERO, from_="2.13.0", to="2.14.0")
    after = {q["id"]: q for q in plan.impact["after"]["throughput"]}["migrate_limit"]
    assert after["value"] == 2147483647 and after["shown"] == "unlimited"
    assert not [c for c in plan.impact["changes"] if c["id"] == "migrate_limit"]  # unlimited stays unlimited


def test_impact_after_of_a_refused_value_left_in_the_file_is_that_value():
    plan = plan_text(ZERO, from_="2.13.0", to="2.14.0", settings=Settings(ignore=frozenset({RULE})))
    assert plan.blockers
    after = {q["id"]: q for q in plan.impact["after"]["throughput"]}["migrate_limit"]
    assert after["value"].startswith("0 (refused by 2.14.0") and "16" not in after["shown"]


def test_generic_range_error_is_superseded():
    assert len(findings("value_domain", ZERO, from_="2.13.0", to="2.14.0")) == 1  # alone, it reports it
    plan = plan_text(ZERO, from_="2.13.0", to="2.14.0")
    assert [f.rule for f in plan.findings if f.option == "migrate-batch-rate-limit-mb"] == [RULE]


def test_noop_nonzero():
    silent(RULE, "migrate-batch-rate-limit-mb 16\n", from_="2.12.1", to="2.14.0")


def test_noop_target_before_change():
    silent(RULE, ZERO, from_="2.8.0", to="2.13.0")


def test_noop_source_already_past_change():
    silent(RULE, "migrate-batch-rate-limit-mb 1\n", from_="2.14.0", to="2.17.0")
    silent(RULE, ZERO, from_="2.14.0", to="2.17.0")
