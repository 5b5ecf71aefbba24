"""operator: kvrocks-operator KVRocks resources, spec.kvrocksConfig string map."""

from __future__ import annotations

import json

from upgrader.report.jsonout import plan_to_dict

from .helpers import ROW_CACHE, apply_twice, assert_only, by_id, cli_plan, copy_example, example, library_plan, plan

KIND = "operator"


def test_row_cache_commented_in_the_map():
    p = plan(example("kvrocks-cr.yaml"))
    assert p.kind == KIND
    (f,) = by_id(p, ROW_CACHE)
    assert f.line == 12 and f.applied
    assert '    # kvupgrade: rocksdb.row_cache_size: "512" -- deprecated in 2.13.0' in p.new_text
    assert_only(p, {12})


def test_password_is_secret_and_operator_lines_are_planned():
    p = plan(example("kvrocks-cr.yaml"))
    assert "sessions-pw-1" in p.secrets
    assert "sessions-pw-1" not in json.dumps(plan_to_dict(p))


def test_non_string_value_is_rejected():
    text = ("apiVersion: kvrocks.apache.org/v1alpha1\nkind: KVRocks\nmetadata: {name: a}\nspec:\n"
            "  kvrocksConfig:\n    workers: 8\n    rocksdb.row_cache_size: \"1\"\n")
    p = plan(text, KIND)
    (f,) = [x for x in p.findings if x.rule == "carrier/non-string-value"]
    assert f.severity == "error" and f.line == 6


def test_removing_the_only_key_is_refused():
    text = ("apiVersion: kvrocks.apache.org/v1alpha1\nkind: KVRocks\nmetadata: {name: a}\nspec:\n"
            "  kvrocksConfig:\n    rocksdb.row_cache_size: \"1\"\n")
    p = plan(text, KIND)
    (f,) = by_id(p, ROW_CACHE)
    assert not f.applied and "only entry" in f.why and p.new_text == text


def test_apply_is_idempotent(tmp_path):
    apply_twice(tmp_path, "cr.yaml", example("kvrocks-cr.yaml"))


def test_sample(shared_dir):
    path = shared_dir / "samples" / "kvrocks-operator-standard.yaml"
    p = plan(path.read_text(), path=str(path), from_=None)
    assert p.kind == KIND and p.from_version == "2.12.1"
    ids = {(f.id, f.line) for f in p.findings}
    assert (ROW_CACHE, 42) in ids
    assert ("comment_out/auto-resize-block-and-sst@2.14.0", 38) in ids
    assert ("carrier/operator-single-value/rename-command", 39) in ids
    assert any(f.option == "requirepass" and f.line == 30 for f in p.findings)  # '#' in spec.password
    notset = {f.option for f in p.findings if f.line is None}
    assert {"rocksdb.level_compaction_dynamic_level_bytes", "log-dir"} <= notset
    assert "Ch4nge#me-2025" in p.secrets
    assert_only(p, {38, 42})


def test_library_and_cli(tmp_path):
    f = copy_example(tmp_path, "kvrocks-cr.yaml")
    assert by_id(library_plan(f, KIND), ROW_CACHE)
    run = cli_plan(f)
    assert run.returncode == 3, run.stdout + run.stderr
    assert "rocksdb.row_cache_size" in run.stdout
