"""helm-values: values.yaml with the kvrocks config dict at kvrocks.config (configurable)."""

from __future__ import annotations

from upgrader.carriers import CarrierOptions, plan_any
from upgrader.request import Request
from upgrader.carriers.rendering import go_float

from .helpers import ROW_CACHE, apply_twice, assert_only, by_id, cli_plan, copy_example, example, library_plan, plan

KIND = "helm-values"


def test_row_cache_commented_keeping_the_eol_comment():
    p = plan(example("values.yaml"))
    assert p.kind == KIND
    (f,) = by_id(p, ROW_CACHE)
    assert f.line == 11 and f.applied
    assert "    # kvupgrade: rocksdb.row_cache_size: 1024   # sized for the old node type -- deprecated" in p.new_text
    assert_only(p, {11})


def test_go_renders_big_numbers_in_exponent_form():
    assert go_float(1000000) == "1e+06" and go_float(8096) == "8096" and go_float(1234567) == "1.234567e+06"
    text = "kvrocks:\n  config:\n    port: 6666\n    rocksdb.write_buffer_size: 1000000\n"
    p = plan(text, KIND)
    (f,) = [x for x in p.findings if x.rule == "carrier/yaml11-scalar"]
    assert "1e+06" in f.message and f.applied
    assert '    rocksdb.write_buffer_size: "1000000"\n' in p.new_text


def test_go_yaml_reads_y_as_boolean():
    text = "config:\n  port: 6666\n  daemonize: y\n"
    p = plan(text, KIND)
    assert [x.option for x in p.findings if x.rule == "carrier/yaml11-scalar"] == ["daemonize"]


def test_configurable_path():
    text = "server:\n  kvrocksConf:\n    rocksdb.row_cache_size: 5\n    port: 1\n"
    p = plan_any(text, Request.build(to="2.14.0", from_="2.12.1", kind=KIND,
                                     carrier=CarrierOptions(helm_paths=("server.kvrocksConf",))))
    assert by_id(p, ROW_CACHE)[0].applied


def test_flow_mapping_entry_removed():
    text = "kvrocks:\n  config: {port: 1, rocksdb.row_cache_size: 5, workers: 2}\n"
    p = plan(text, KIND)
    assert p.new_text == "kvrocks:\n  config: {port: 1, workers: 2}\n"


def test_apply_is_idempotent(tmp_path):
    apply_twice(tmp_path, "values.yaml", example("values.yaml"))


def test_library_and_cli(tmp_path):
    f = copy_example(tmp_path, "values.yaml")
    assert by_id(library_plan(f, KIND), ROW_CACHE)
    run = cli_plan(f)
    assert run.returncode == 3, run.stdout + run.stderr
    assert "rocksdb.row_cache_size" in run.stdout
