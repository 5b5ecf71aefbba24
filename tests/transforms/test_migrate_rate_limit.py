from upgrader.planner import Settings, plan_text

from .tools import findings, noop, silent, transformed

RULE = "migrate_rate_limit"
ZERO = "migrate-batch-rate-limit-mb 0\n"


def test_zero_needs_review_and_is_not_applied_by_default():
    plan = noop(RULE, ZERO, from_="2.12.1", to="2.14.0")
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.severity == "error" and f.safety == "unsafe" and not f.applied and not f.fixable
    assert f.why.startswith("needs review, not applied without --unsafe-fixes")
    assert "no limit" in f.message and "SIGFPE" in f.message and "apache/kvrocks#3228" in f.references
    assert plan.blockers and plan.blockers[0] is f


def test_zero_replaced_with_unsafe_fixes():
    plan = transformed(RULE, ZERO, "migrate-batch-rate-limit-mb 2147483647\n", from_="2.8.0", to="2.14.0",
                       settings=Settings(unsafe_fixes=True))
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.applied and f.after == "2147483647" and not plan.blockers


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
