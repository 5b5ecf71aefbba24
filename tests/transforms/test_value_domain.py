from .tools import findings, noop, silent

RULE = "value_domain"


def test_min_raised_refuses_value():
    plan = noop(RULE, "migrate-batch-rate-limit-mb 0\n", from_="2.13.0", to="2.14.0")
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.severity == "error" and f.since == "2.14.0" and f.safety == "display" and plan.blockers


def test_max_backup_to_keep_range_narrowed_in_2_0():
    (f,) = findings(RULE, "max-backup-to-keep 5\n", from_="1.3.3", to="2.0.0")
    assert f.severity == "error" and f.since == "2.0.0"


def test_became_read_only_is_info():
    fs = findings(RULE, "log-retention-days 7\n", from_="2.12.1", to="2.13.0")
    assert [(f.severity, f.option) for f in fs] == [("info", "log-retention-days")]


def test_noop_value_still_accepted():
    assert not [f for f in findings(RULE, "migrate-batch-rate-limit-mb 16\n", from_="2.13.0", to="2.14.0")
                if f.severity == "error"]


def test_noop_target_before_change():
    silent(RULE, "migrate-batch-rate-limit-mb 0\n", from_="2.8.0", to="2.13.0")


def test_noop_source_already_past_change():
    silent(RULE, "max-backup-to-keep 5\n", from_="2.0.0", to="2.14.0")
