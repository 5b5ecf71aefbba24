from upgrader.matrix import load_matrix
from upgrader.values import read_int

from .tools import findings, noop, run, silent, transformed

RULE = "integer_syntax"


def test_unit_suffix_ignored_by_legacy_is_dropped():
    plan = transformed(RULE, "max-io-mb 64MB\n", "max-io-mb 64\n", from_="2.1.0", to="2.2.0")
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.severity == "error" and f.applied and f.safety == "safe" and f.since == "2.2.0"
    assert "ignored 'MB'" in f.message and "never applied" in f.message and "MB" in f.message


def test_legacy_inline_comment_keeps_comment_and_number():
    # "64k # note": the quoted grammar cuts the comment, the number is rewritten in place.
    transformed(RULE, "workers 4k # note\n", "workers 4 # note\n", from_="2.0.6", to="2.3.0")


def test_leading_zero_decimal_then_octal():
    plan = transformed(RULE, "workers 010\n", "workers 10\n", from_="2.2.0", to="2.3.0")
    (f,) = plan.findings
    assert f.severity == "warning" and "reads it as 8" in f.message


def test_octal_hex_and_plus_before_2_14():
    plan = transformed(RULE, "workers 010\nport 0x1a0b\nmaxclients +100\n", "workers 8\nport 6667\nmaxclients 100\n",
                       from_="2.5.0", to="2.14.0")
    assert {f.option: f.severity for f in plan.findings if f.rule == RULE} == {
        "workers": "warning", "port": "error", "maxclients": "error"}


def test_every_rewritten_value_reads_the_same_on_both_sides():
    m = load_matrix()
    text = "workers 010\nport 0x1a0b\nmaxclients +100\nmax-io-mb 64MB\n"
    for src, dst in (("2.1.0", "2.14.0"), ("2.5.0", "2.14.0"), ("2.2.0", "2.13.0")):
        plan = run(RULE, text, from_=src, to=dst)
        old_era = m.release(m.resolve(src)).integers
        new_era = m.release(m.resolve(dst)).integers
        for a, b in zip(text.splitlines(), plan.new_text.splitlines()):
            try:
                before = read_int(a.split()[1], old_era)
            except ValueError:
                continue  # the source refused it: nothing to preserve
            assert read_int(b.split()[1], new_era) == before, (src, dst, a, b)


def test_octal_type_and_int_with_unit_untouched():
    silent(RULE, "unixsocketperm 0777\nproto-max-bulk-len 512m\n", from_="2.10.0", to="2.14.0")


def test_unixsocketperm_511_note_is_report_only():
    plan = noop(RULE, "unixsocketperm 511\n", from_="2.1.0", to="2.3.0")
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.safety == "display" and not f.applied and "0511" in f.message and "apache/kvrocks#1151" in f.references


def test_noop_plain_decimal():
    silent(RULE, "workers 8\nport 6666\n", from_="2.1.0", to="2.14.0")


def test_noop_target_before_change():
    silent(RULE, "workers 010\nport 0x1a0b\n", from_="2.3.0", to="2.13.0")
    silent(RULE, "max-io-mb 64MB\n", from_="2.0.0", to="2.1.0")


def test_noop_source_already_past_change():
    silent(RULE, "workers 010\n", from_="2.14.0", to="2.17.0")
    silent(RULE, "unixsocketperm 511\n", from_="2.3.0", to="2.14.0")


def test_value_the_source_refused_is_left_to_others():
    assert findings(RULE, "workers 08\n", from_="2.3.0", to="2.14.0") == []


def test_renamed_line_still_gets_its_integer_fixed_in_a_later_hop():
    from upgrader.planner import plan_text

    plan = plan_text("rocksdb.max_sub_compactions 010\n", from_="2.5.0", to="2.14.0")
    assert plan.new_text == "rocksdb.max_subcompactions 8\n"  # 2.5.0 read 010 as octal 8
    assert {f.rule for f in plan.findings if f.applied} == {"rename", RULE}
