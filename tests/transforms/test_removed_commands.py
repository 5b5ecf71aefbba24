from upgrader.settings import MARKER

from .tools import findings, silent, transformed

RULE = "removed_commands"


def test_rename_of_analyze_commented_out():
    plan = transformed(RULE, 'rename-command ANALYZE ""\nrename-command keys k2\n',
                       f'{MARKER} rename-command ANALYZE ""  -- ANALYZE removed in 2.9.0\nrename-command keys k2\n',
                       from_="2.8.0", to="2.9.0")
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.severity == "error" and f.applied and f.since == "2.9.0" and "apache/kvrocks#2220" in f.references


def test_profiling_list_drops_removed_command():
    plan = transformed(RULE, "profiling-sample-commands get,analyze,set\n", "profiling-sample-commands get,set\n",
                       from_="2.8.0", to="2.10.0")
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.severity == "error" and "stops the server" in f.message


def test_profiling_only_codis_commands_commented_out_and_warned_before_2_0_4():
    plan = transformed(RULE, "profiling-sample-commands slotsinfo,msetbit\n",
                       f"{MARKER} profiling-sample-commands slotsinfo,msetbit  -- slotsinfo, msetbit removed\n",
                       from_="1.3.3", to="2.0.1")
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.severity == "warning" and f.since == "2.0.0"
    assert findings(RULE, "profiling-sample-commands slotsinfo\n", from_="1.3.3", to="2.0.4")[0].severity == "error"


def test_noop_existing_commands():
    silent(RULE, "rename-command keys k2\nprofiling-sample-commands get,set\n", from_="2.8.0", to="2.14.0")


def test_noop_target_before_change():
    silent(RULE, 'rename-command analyze ""\n', from_="2.8.0", to="2.8.0")
    silent(RULE, "profiling-sample-commands slotsinfo\n", from_="1.3.0", to="1.3.3")


def test_noop_source_already_past_change():
    silent(RULE, 'rename-command analyze ""\nprofiling-sample-commands slotsinfo\n', from_="2.9.0", to="2.14.0")
