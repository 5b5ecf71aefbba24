from .tools import findings, silent

RULE = "lua_strict_keys"


def test_absent_key_reported():
    (f,) = findings(RULE, "port 6666\n", from_="2.13.0", to="2.14.0")
    assert f.severity == "info" and f.since == "2.14.0" and "exclusively" in f.message and f.line is None
    assert "apache/kvrocks#3155" in f.references


def test_explicit_no_reported_on_its_line():
    (f,) = findings(RULE, "lua-strict-key-accessing no\n", from_="2.12.0", to="2.17.0")
    assert f.line == 1


def test_noop_yes():
    silent(RULE, "lua-strict-key-accessing yes\n", from_="2.13.0", to="2.14.0")


def test_noop_target_before_change():
    silent(RULE, "port 6666\n", from_="2.10.0", to="2.13.0")


def test_noop_source_already_past_change():
    silent(RULE, "port 6666\n", from_="2.14.0", to="2.17.0")
