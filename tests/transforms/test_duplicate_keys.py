from upgrader.planner import plan_text
from upgrader.settings import Settings
from upgrader.settings import MARKER

from .tools import findings, silent, transformed

RULE = "duplicate_keys"


def test_earlier_duplicates_commented_last_kept():
    plan = transformed(
        RULE,
        "workers 4\nport 6666\nworkers 8\nworkers 16\n",
        f"{MARKER} workers 4  -- duplicate: line 4 sets workers and wins\nport 6666\n"
        f"{MARKER} workers 8  -- duplicate: line 4 sets workers and wins\nworkers 16\n",
        from_="2.10.0", to="2.14.0",
    )
    fs = [f for f in plan.findings if f.rule == RULE]
    assert [f.line for f in fs] == [1, 3] and all(f.safety == "safe" and f.applied for f in fs)
    assert all(f.after == "16" for f in fs)


def test_secret_duplicates_masked():
    (f,) = findings(RULE, "requirepass a\nrequirepass b\n", from_="2.5.0", to="2.5.0")
    assert "********" in f.message and " a)" not in f.message


def test_noop_rename_command_and_namespaces():
    silent(RULE, 'rename-command keys k\nrename-command flushall ""\nnamespace.a t1\nnamespace.b t2\n',
           from_="2.2.0", to="2.14.0")


def test_not_tied_to_a_release():
    # H17 applies in every release: same finding whatever the window.
    for src, dst in (("2.0.0", "2.0.0"), ("2.5.0", "2.14.0"), ("2.14.0", "2.17.0")):
        assert [f.line for f in findings(RULE, "workers 4\nworkers 8\n", from_=src, to=dst)] == [1]


def test_duplicates_made_by_a_rename_are_reported_only():
    # Both lines are renamed at 2.10.0; a second plan of the result must not differ from the first.
    text = "rocksdb.max_sub_compactions 3\nrocksdb.max_sub_compactions 3\n"
    s = Settings(select=frozenset({RULE, "rename"}))
    plan = plan_text(text, from_="2.8.0", to="2.10.0", settings=s)
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert plan_text(plan.new_text, from_="2.8.0", to="2.10.0", settings=s).new_text == plan.new_text
    assert f.action == "manual" and f.safety == "display" and not f.applied
