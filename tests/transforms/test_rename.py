from upgrader.settings import MARKER

from .tools import findings, silent, transformed

RULE = "rename"


def test_max_sub_compactions_renamed_in_place():
    plan = transformed(RULE, "workers 8\nrocksdb.max_sub_compactions 4 # tuned\n",
                       "workers 8\nrocksdb.max_subcompactions 4 # tuned\n", from_="2.9.0", to="2.10.0")
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.id == "rename/rocksdb.max_sub_compactions@2.10.0" and f.applied and f.safety == "safe"
    assert "apache/kvrocks#2499" in f.references and f.before == f.after == "4"


def test_new_name_already_set_comments_out_old_line():
    plan = transformed(RULE, "rocksdb.max_sub_compactions 4\nrocksdb.max_subcompactions 2\n",
                       f"{MARKER} rocksdb.max_sub_compactions 4  -- renamed to rocksdb.max_subcompactions in 2.10.0,"
                       " which this file sets\nrocksdb.max_subcompactions 2\n", from_="2.6.0", to="2.14.0")
    assert [f.action for f in plan.findings if f.rule == RULE] == ["comment_out"]


def test_value_out_of_new_range_needs_review():
    (f,) = findings(RULE, "rocksdb.max_sub_compactions 64\n", from_="2.9.0", to="2.10.0")
    assert f.severity == "error" and f.safety == "unsafe" and not f.applied


def test_noop_target_before_change():
    silent(RULE, "rocksdb.max_sub_compactions 4\n", from_="2.5.0", to="2.9.0")


def test_noop_source_already_past_change():
    # On 2.10.0 the old key is already ignored: renaming would switch a setting on; target_check reports it.
    silent(RULE, "rocksdb.max_sub_compactions 4\n", from_="2.10.0", to="2.14.0")
