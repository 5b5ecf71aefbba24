from .tools import findings, silent

RULE = "logging_switch"


def test_retention_zero_changes_meaning():
    (f,) = findings(RULE, "log-retention-days 0\n", from_="2.12.1", to="2.13.0")
    assert f.severity == "warning" and f.since == "2.13.0" and "disabled" in f.message and f.safety == "display"


def test_log_dir_list_syntax():
    (f,) = findings(RULE, "log-dir /var/log/kv,stdout:info\n", from_="2.10.0", to="2.14.0")
    assert f.option == "log-dir" and f.evidence == "inferred"


def test_noop_plain_values():
    silent(RULE, "log-retention-days 7\nlog-dir /var/log/kv\n", from_="2.12.1", to="2.13.0")


def test_noop_target_before_change():
    silent(RULE, "log-retention-days 0\nlog-dir a,b\n", from_="2.3.0", to="2.12.1")


def test_noop_source_already_past_change():
    silent(RULE, "log-retention-days 0\nlog-dir a,b\n", from_="2.13.0", to="2.14.0")
