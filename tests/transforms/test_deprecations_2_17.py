"""2.17.0 deprecates migrate-type, migrate-speed and migrate-pipeline-size (#3544): known only
from release notes, so findings must say so."""

from upgrader.settings import MARKER

from .tools import silent, transformed

RULE = "comment_out"
TEXT = "migrate-type redis-command\nmigrate-speed 4096\nmigrate-pipeline-size 16\n"


def test_deprecated_keys_commented_with_release_notes_evidence():
    note = "deprecated in 2.17.0: redis-command slot migration was removed; raw-key-value is the only mode (apache/kvrocks#3544)"
    plan = transformed(RULE, TEXT, "".join(f"{MARKER} {ln}  -- {note}\n" for ln in TEXT.splitlines()),
                       from_="2.14.0", to="2.17.0")
    fs = [f for f in plan.findings if f.rule == RULE]
    assert sorted(f.option for f in fs) == ["migrate-pipeline-size", "migrate-speed", "migrate-type"]
    assert all(f.evidence == "release-notes" and f.since == "2.17.0" and f.applied for f in fs)


def test_noop_target_before_change():
    silent(RULE, TEXT, from_="2.14.0", to="2.16.0")


def test_noop_source_already_past_change():
    silent(RULE, TEXT, from_="2.17.0", to="2.17.0")
