from .tools import findings, silent

RULE = "log_dir_stdout"


def test_unset_log_dir_reported():
    (f,) = findings(RULE, "port 6666\n", from_="2.13.0", to="2.14.0")
    assert f.severity == "info" and f.since == "2.14.0" and "stdout" in f.message and f.line is None


def test_noop_log_dir_set():
    silent(RULE, "log-dir /var/log/kvrocks\n", from_="2.13.0", to="2.14.0")


def test_noop_target_before_change():
    silent(RULE, "port 6666\n", from_="2.12.0", to="2.13.0")


def test_noop_source_already_past_change():
    silent(RULE, "port 6666\n", from_="2.14.0", to="2.17.0")
