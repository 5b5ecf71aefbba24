"""A Kvrocks service with no settings runs on the image's built-in kvrocks.conf; files with no
Kvrocks content raise NoKvrocksContent (a walk skips them, a named file is an error)."""

from __future__ import annotations

import json

import pytest

from upgrader.api import plan_file
from upgrader.errors import NoKvrocksContent
from upgrader.report.jsonout import plan_to_dict

from .fixtures import FIXTURES, fixture
from .helpers import apply_twice, by_id, plan


def _changes(p):
    return {f.option: f for f in p.findings if f.rule == "carrier/builtin-conf-change"}


def test_image_only_service_reports_the_built_in_conf_changes():
    p = plan(fixture("compose-image-only.yml"), from_=None)
    assert p.kind == "flags-compose" and p.from_version == "2.12.1"
    assert p.from_detected["confidence"] == "high"
    ch = _changes(p)
    assert ch["migrate-type"].line == 4 and "'redis-command'" in ch["migrate-type"].message \
        and "'raw-key-value'" in ch["migrate-type"].message
    assert all(f.severity == "info" and not f.applied for f in ch.values())
    assert p.new_text == p.old_text and not p.needs_action and not p.blockers  # exit 0: nothing to change


def test_image_with_ignored_environment_names_the_variables_not_their_values():
    p = plan(fixture("compose-image-env.yml"), from_=None)
    (f,) = by_id(p, "carrier/image-ignores-environment/environment")
    assert f.line == 5 and "KVROCKS_PASSWORD" in f.message
    assert "compose-env-pw-3" not in json.dumps(plan_to_dict(p))
    assert _changes(p)


def test_container_without_args_and_a_named_source():
    p = plan(fixture("k8s-statefulset-image-only.yaml"), from_="2.10.1")
    ch = _changes(p)
    assert ch["resp3-enabled"].line == 16 and "'no'" in ch["resp3-enabled"].message
    assert p.new_text == p.old_text


def test_image_only_with_set_image_is_edited_once(tmp_path):
    before, after = apply_twice(tmp_path, "docker-compose.yml", fixture("compose-image-only.yml"), from_=None,
                                set_image=True)
    assert after == before.replace("apache/kvrocks:2.12.1", "apache/kvrocks:2.14.0")


def test_untagged_image_asks_for_from():
    text = "services:\n  kv:\n    image: apache/kvrocks\n"
    p = plan(text, from_=None)
    (f,) = by_id(p, "carrier/builtin-no-version/image")
    assert f.line == 3 and "--from" in f.message


@pytest.mark.parametrize("name", ["compose-no-kvrocks.yml", "heredoc-not-conf.sh", "docker-compose.yml.tpl"])
def test_files_without_kvrocks_content_are_a_distinct_error(name):
    with pytest.raises(NoKvrocksContent):
        plan(fixture(name), path=name)
    out = plan_file(str(FIXTURES / name), to="2.14.0")
    assert out.error and out.no_content and str(FIXTURES / name) in out.error


def test_other_errors_are_not_no_content(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("services:\n  kv:\n    image: apache/kvrocks\n    command: [\n")
    out = plan_file(str(f), to="2.14.0")
    assert out.error and not out.no_content
