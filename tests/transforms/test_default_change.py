import pytest

from upgrader.settings import Settings
from upgrader.settings import MARKER

from .tools import findings, noop, run, silent, transformed

RULE = "default_change"
PIN = Settings(pin_defaults=True)


@pytest.mark.parametrize(("option", "src", "dst", "old", "new", "since", "hazard_word"), [
    ("resp3-enabled", "2.11.1", "2.12.0", "no", "yes", "2.12.0", "RESP3"),
    ("migrate-type", "2.12.1", "2.13.0", "redis-command", "raw-key-value", "2.13.0", "H18"),
    ("rocksdb.level_compaction_dynamic_level_bytes", "2.13.0", "2.14.0", "no", "yes", "2.14.0", "dynamic"),
    ("db-name", "2.0.3", "2.0.4", "changeme.name", "change.me.db", "2.0.4", "Replicas compare db-name"),
])
def test_flip_reported_for_unset_key(option, src, dst, old, new, since, hazard_word):
    fs = [f for f in findings(RULE, "port 6666\n", from_=src, to=dst) if f.option == option]
    assert len(fs) == 1
    f = fs[0]
    assert (f.before, f.after, f.since, f.severity) == (old, new, since, "info")
    assert hazard_word in f.message and f.line is None and not f.applied


def test_pin_defaults_appends_old_default_idempotently():
    plan = transformed(
        RULE, "port 6666\n",
        f"port 6666\n{MARKER} pinned the 2.11.1 default of resp3-enabled (the default becomes 'yes' in 2.12.0)\n"
        "resp3-enabled no\n",
        from_="2.11.1", to="2.12.0", settings=PIN,
    )
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.applied and f.action == "pin_default"


def test_pin_is_not_the_default_behaviour():
    noop(RULE, "port 6666\n", from_="2.11.1", to="2.12.0")


def test_explicit_old_default_is_reported_as_pinned():
    (f,) = [f for f in findings(RULE, "migrate-type redis-command\n", from_="2.8.0", to="2.13.0")
            if f.option == "migrate-type"]
    assert f.line == 1 and "old default" in f.message and not f.applied


def test_explicit_other_value_is_silent():
    assert not [f for f in findings(RULE, "resp3-enabled yes\n", from_="2.11.1", to="2.12.0") if f.option == "resp3-enabled"]


def test_pin_skips_deprecated_target_option():
    plan = run(RULE, "port 6666\n", from_="2.12.1", to="2.17.0", settings=PIN)
    assert "migrate-type" not in plan.new_text


def test_noop_target_before_change():
    fs = findings(RULE, "port 6666\n", from_="2.10.0", to="2.11.1")
    assert not [f for f in fs if f.option == "resp3-enabled"]


def test_noop_source_already_past_change():
    silent(RULE, "port 6666\n", from_="2.12.0", to="2.12.1")
    assert not [f for f in findings(RULE, "port 6666\n", from_="2.12.0", to="2.14.0") if f.option == "resp3-enabled"]


# Issue 14 item 1: an option introduced inside the window whose default later flips. Before it
# existed the server behaved as its first default says, so the drift is first default -> target.
@pytest.mark.parametrize(("option", "src", "dst", "intro", "old", "new", "since"), [
    ("resp3-enabled", "2.7.0", "2.14.0", "2.8.0", "no", "yes", "2.12.0"),
    ("redis-cursor-compatible", "2.4.0", "2.10.0", "2.5.0", "no", "yes", "2.10.0"),
    ("rocksdb.read_options.async_io", "2.2.0", "2.9.0", "2.3.0", "no", "yes", "2.9.0"),
    ("rocksdb.blob_file_size", "2.0.4", "2.1.0", "2.0.5", "128", "268435456", "2.1.0"),
    ("rocksdb.blob_garbage_collection_age_cutoff", "2.0.4", "2.0.6", "2.0.5", "128", "25", "2.0.6"),
])
def test_drift_of_option_introduced_in_window(option, src, dst, intro, old, new, since):
    fs = [f for f in findings(RULE, "port 6666\n", from_=src, to=dst) if f.option == option]
    assert len(fs) == 1, [f.message for f in findings(RULE, "port 6666\n", from_=src, to=dst)]
    f = fs[0]
    assert (f.before, f.after, f.since, f.severity, f.line) == (old, new, since, "info", None)
    assert f"not present before {intro}, which behaved as {old!r}" in f.message
    assert f"default {new!r} from {since}" in f.message


def test_introduced_without_later_flip_is_silent():
    # migrate-batch-rate-limit-mb is added in 2.8.0 (16) and its default never changes.
    assert not [f for f in findings(RULE, "port 6666\n", from_="2.7.0", to="2.14.0")
                if f.option == "migrate-batch-rate-limit-mb"]


def test_pin_defaults_writes_first_default_of_introduced_option():
    keep = "port 6666\nrocksdb.read_options.async_io yes\nredis-cursor-compatible yes\n"  # no other drift to pin
    plan = transformed(
        RULE, keep,
        f"{keep}{MARKER} pinned resp3-enabled to its first default, the 2.7.0 behaviour (added in 2.8.0)"
        " (the default becomes 'yes' in 2.12.0)\nresp3-enabled no\n",
        from_="2.7.0", to="2.12.0", settings=PIN,
    )
    (f,) = [f for f in plan.findings if f.rule == RULE and f.option == "resp3-enabled"]
    assert f.applied and f.action == "pin_default"


def test_pin_defaults_skips_a_first_default_the_target_refuses():
    # 128 (the 2.0.5 default) lies outside 0-100: pinning it would stop the server.
    plan = run(RULE, "port 6666\n", from_="2.0.4", to="2.14.0", settings=PIN)
    (f,) = [f for f in plan.findings if f.option == "rocksdb.blob_garbage_collection_age_cutoff"]
    assert not f.applied and "cannot pin '128'" in f.message
    assert "rocksdb.blob_garbage_collection_age_cutoff 128" not in plan.new_text


def test_introduced_drift_in_every_format(tmp_path):
    """The resp3-enabled drift over 2.7.0 -> 2.14.0 reaches every output format (in process)."""
    from upgrader import __version__, report
    from upgrader.api import plan_file
    from upgrader.matrix import load_matrix
    from upgrader.report import FORMATS
    from upgrader.report.jsonout import outcome_to_dict, summary

    conf = tmp_path / "kvrocks.conf"
    conf.write_text("port 6666\n")
    m = load_matrix()
    files = [outcome_to_dict(plan_file(str(conf), to="2.14.0", from_="2.7.0", matrix=m), m)]
    meta = {"tool_version": __version__, "data_version": m.data_version}
    for fmt in FORMATS:
        out = report.get(fmt).render(files, summary(files), "plan", meta)
        assert "resp3-enabled" in out and "not present before 2.8.0" in out, fmt
