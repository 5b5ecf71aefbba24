from upgrader.confmodel import Document

from upgrader.findings import Plan

from .tools import findings, noop, run, silent

RULE = "grammar_quotes"


def transformed(rule: str, before: str, after: str, *, from_: str, to: str) -> Plan:
    """Like tools.transformed, but the second pass plans from the target: the rewritten file
    is written for the 2.2.0+ grammar, and a legacy release would read its quotes literally."""
    plan = run(rule, before, from_=from_, to=to)
    assert plan.new_text == after, f"got:\n{plan.new_text}"
    # Planned again from the target, the file is clean: no value cut at '#'.
    assert not [f for f in run("target_check", plan.new_text, from_=to, to=to).findings if "'#'" in f.message]
    return plan


def test_hash_in_password_is_quoted():
    plan = transformed(RULE, "requirepass ab#c\n", 'requirepass "ab#c"\n', from_="2.1.0", to="2.2.0")
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.applied and f.safety == "safe" and f.since == "2.2.0" and "apache/kvrocks#849" in f.references
    assert "ab" not in f.message  # the secret is masked
    assert Document.parse(plan.new_text, "quoted").effective()["requirepass"].value == "ab#c"


def test_value_starting_with_hash_would_drop_the_password():
    plan = transformed(RULE, "requirepass #x\n", 'requirepass "#x"\n', from_="2.0.6", to="2.14.0")
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.severity == "error" and "no password" in f.message


def test_legacy_quotes_are_kept_as_part_of_the_value():
    plan = transformed(RULE, 'dir "/var/kv"\nmasterauth \'pw\'\n', 'dir "\\"/var/kv\\""\nmasterauth "\'pw\'"\n',
                       from_="2.1.0", to="2.5.0")
    eff = Document.parse(plan.new_text, "quoted").effective()
    assert eff["dir"].value == '"/var/kv"' and eff["masterauth"].value == "'pw'"


def test_namespace_token_with_hash():
    transformed(RULE, "namespace.ns1 tok#en\n", 'namespace.ns1 "tok#en"\n', from_="2.1.0", to="2.2.0")


def test_crlf_carriage_return_in_string_is_reported_not_kept():
    plan = noop(RULE, "dir /data\r\nport 6666\r\n", from_="2.1.0", to="2.2.0")
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.option == "dir" and f.safety == "display" and "carriage return" in f.message


def test_crlf_and_hash_rewrite_keeps_line_ending():
    plan = run(RULE, "requirepass ab#c\r\nport 1\r\n", from_="2.1.0", to="2.2.0")
    assert plan.new_text == 'requirepass "ab#c"\r\nport 1\r\n'


def test_noop_plain_values_and_inner_spaces():
    silent(RULE, "bind 127.0.0.1 ::1\ndir /data\nrequirepass secret\nport 6666 # integers are integer_syntax's\n",
           from_="2.1.0", to="2.2.0")


def test_noop_target_before_change():
    silent(RULE, "requirepass ab#c\ndir \"x\"\n", from_="2.0.0", to="2.1.0")


def test_noop_source_already_past_change():
    # On 2.2.0+ sources the server already reads 'ab': target_check reports the cut value.
    silent(RULE, "requirepass ab#c\n", from_="2.2.0", to="2.14.0")


def test_value_refused_by_legacy_source_is_left_alone():
    assert findings(RULE, "slave-read-only yes#x\n", from_="2.1.0", to="2.2.0") == []


def test_second_run_from_the_legacy_source_changes_nothing():
    first = run(RULE, "requirepass ab#c\ndir \"x\"\n", from_="2.1.0", to="2.2.0")
    again = run(RULE, first.new_text, from_="2.1.0", to="2.2.0")
    assert again.new_text == first.new_text
    assert {f.severity for f in again.findings if f.rule == RULE} == {"info"}
