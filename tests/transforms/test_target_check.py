from upgrader.settings import Settings
from upgrader.settings import MARKER

from .tools import findings, noop, silent, transformed

RULE = "target_check"


def test_key_no_release_reads_is_commented_out_safely():
    # Issue 14 item 2 review: both ends ignore the line and so does every release: meaning kept, safe.
    plan = transformed(RULE, "no-such-option 1\n", f"{MARKER} no-such-option 1  -- not an option of Kvrocks 2.14.0\n",
                       from_="2.13.0", to="2.14.0")
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.safety == "safe" and f.applied and "warning at startup" in f.message
    assert "no Kvrocks release reads it" in f.message


def test_key_another_release_reads_needs_review():
    # A 2.14.0 key checked against 2.10.1: the line may be meant for the release the node moves to.
    plan = noop(RULE, "replication-group-sync no\n", from_="2.10.1", to="2.10.1")
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.safety == "unsafe" and not f.applied and "--unsafe-fixes" in f.why
    assert "Kvrocks 2.14.0 to 2.17.0 read it" in f.message
    transformed(RULE, "replication-group-sync no\n",
                f"{MARKER} replication-group-sync no  -- not an option of Kvrocks 2.10.1\n",
                from_="2.10.1", to="2.10.1", settings=Settings(unsafe_fixes=True))


def test_check_names_the_target_once():
    # Issue 14 item 5: `check` plans from the target to itself; "not an option of 2.10.1" once.
    (f,) = findings(RULE, "replication-group-sync no\n", from_="2.10.1", to="2.10.1")
    assert f.message.count("not an option of 2.10.1") == 1 and "either" not in f.message
    (g,) = findings(RULE, "replication-group-sync no\n", from_="2.10.0", to="2.10.1")
    assert "(it is not an option of 2.10.0 either)" in g.message


def test_refused_value_is_a_blocker():
    plan = noop(RULE, "workers lots\n", from_="2.14.0", to="2.14.0")
    (f,) = plan.findings
    assert f.severity == "error" and plan.blockers == [f]


def test_key_the_source_ignored_takes_effect():
    (f,) = findings(RULE, "lua-strict-key-accessing yes\n", from_="2.13.0", to="2.14.0")
    assert "takes effect" in f.message


def test_hash_cut_password_on_quoted_source():
    fs = findings(RULE, "requirepass ab#c\nmasterauth #x\n", from_="2.5.0", to="2.14.0")
    assert {f.line: f.severity for f in fs} == {1: "warning", 2: "warning"}
    assert "ab" not in fs[0].message + fs[1].message and any("no password" in f.message for f in fs)


def test_noop_comment_after_blank_and_quoted():
    silent(RULE, 'port 6666 # main\nrequirepass "ab#c"\n', from_="2.5.0", to="2.14.0")


def test_noop_hash_on_legacy_target():
    silent(RULE, "requirepass ab#c\n", from_="2.0.0", to="2.1.0")


def test_noop_source_already_past_change():
    # Stale key the source already ignored: reported, but the target stage is not a window.
    silent(RULE, "workers 8\n", from_="2.14.0", to="2.17.0")


def test_key_newer_than_the_source_is_a_behaviour_change_not_a_warning() -> None:
    # replication-no-slowdown appears in 2.14.0: ignored by 2.12.0, read by 2.14.0.
    fs = [f for f in findings(RULE, "replication-no-slowdown no\n", from_="2.12.0", to="2.14.0")
          if "takes effect after the upgrade" in f.message]
    assert len(fs) == 1 and fs[0].severity == "info" and fs[0].line == 1
