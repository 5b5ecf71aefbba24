from .tools import findings, silent

RULE = "rename_command_lines"
TWO = 'rename-command keys k2\nrename-command flushall ""\n'


def test_to_2_1_only_last_applies():
    (f,) = findings(RULE, TWO, from_="2.0.6", to="2.1.0")
    assert f.severity == "warning" and f.line == 2 and f.since == "2.1.0" and "only the last" in f.message
    assert f.safety == "display" and not f.applied


def test_from_2_1_every_line_applies_again():
    (f,) = findings(RULE, TWO, from_="2.1.0", to="2.5.0")
    assert f.severity == "warning" and f.since == "2.2.0" and "every line" in f.message


def test_across_both_ends_where_it_started():
    (f,) = findings(RULE, TWO, from_="2.0.2", to="2.14.0")
    assert f.severity == "info" and "2.1.0" in f.message


def test_noop_single_line():
    silent(RULE, "rename-command keys k2\n", from_="2.0.6", to="2.2.0")


def test_noop_target_before_change():
    silent(RULE, TWO, from_="2.0.2", to="2.0.6")


def test_noop_source_already_past_change():
    silent(RULE, TWO, from_="2.2.0", to="2.14.0")
