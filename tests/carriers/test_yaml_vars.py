"""yaml-vars: Ansible vars with a kvrocks_config dict and a rename-command list."""

from __future__ import annotations

from upgrader.carriers import CarrierOptions, plan_any
from upgrader.request import Request

from .helpers import ROW_CACHE, apply_twice, assert_only, by_id, cli_plan, copy_example, example, library_plan, plan

KIND = "yaml-vars"


def test_row_cache_commented_and_yaml11_boolean_quoted():
    p = plan(example("group_vars-kvrocks.yml"))
    assert p.kind == KIND
    (f,) = by_id(p, ROW_CACHE)
    assert f.line == 9 and f.applied
    assert "  # kvupgrade: rocksdb.row_cache_size: 2048 -- deprecated in 2.13.0" in p.new_text
    # the comment above the removed key stays where it was
    assert "  # memory: the row cache is tuned for the read-heavy tier\n  # kvupgrade:" in p.new_text
    (b,) = [x for x in p.findings if x.id == "carrier/yaml11-scalar/daemonize"]
    assert b.applied and b.line == 11 and "daemonize False" in b.message
    assert '  daemonize: "no"\n' in p.new_text
    assert_only(p, {9, 11})


def test_bool_behind_an_anchor_is_reported_not_edited():
    text = "base: &b\n  daemonize: yes\nkvrocks_config:\n  <<: *b\n  port: 6666\n  rocksdb.row_cache_size: 1\n"
    p = plan(text, KIND)
    (b,) = [x for x in p.findings if x.rule == "carrier/yaml11-scalar"]
    assert b.action == "manual" and not b.applied
    (f,) = by_id(p, ROW_CACHE)
    assert not f.applied and "merge" in f.why  # removal could uncover a merged value
    assert p.new_text == text


def test_jinja_value_is_not_edited():
    text = 'kvrocks_config:\n  port: 6666\n  rocksdb.row_cache_size: "{{ row_cache }}"\n'
    p = plan(text, KIND)
    (f,) = by_id(p, ROW_CACHE)
    assert not f.applied and "template" in f.why and p.new_text == text


def test_hash_in_value_is_cut_when_rendered_unquoted():
    text = 'kvrocks_config:\n  port: 6666\n  masterauth: "ab#cd"\n'
    p = plan(text, KIND, from_="2.12.1")
    hits = [f for f in p.findings if f.option == "masterauth" and f.line == 3]
    assert hits and all("ab#cd" not in f.message for f in hits)
    assert "ab#cd" in p.secrets


def test_configurable_dict_name():
    text = "kv_settings:\n  port: 6666\n  rocksdb.row_cache_size: 1\n"
    p = plan_any(text, Request.build(to="2.14.0", from_="2.12.1", kind=KIND, carrier=CarrierOptions(vars_dict="kv_settings")))
    assert by_id(p, ROW_CACHE)[0].applied


def test_apply_is_idempotent(tmp_path):
    apply_twice(tmp_path, "kvrocks.yml", example("group_vars-kvrocks.yml"), kind=KIND)


def test_sample(shared_dir):
    path = shared_dir / "samples" / "ansible-group_vars-kvrocks.yml"
    p = plan(path.read_text(), path=str(path), to="2.10.1", from_=None)
    assert p.kind == KIND and p.from_version == "2.1.0"  # kvrocks_version
    ids = {(f.id, f.line) for f in p.findings}
    assert ("grammar_quotes/requirepass@2.2.0", 26) in ids
    assert ("integer_syntax/rocksdb.write_buffer_size@2.2.0", 36) in ids
    assert ("rename/rocksdb.max_sub_compactions@2.10.0", 37) in ids
    assert ("integer_syntax/unixsocketperm@2.3.0", 29) in ids
    assert ("compaction_checker_range/compaction-checker-range@2.9.0", 32) in ids
    assert any(f.rule == "rename_command_lines" and f.line in (43, 44, 45) for f in p.findings)
    # the '#' fix needs conf quotes the role's template does not write: reported, not applied
    (rp,) = [f for f in p.findings if f.id == "grammar_quotes/requirepass@2.2.0"]
    assert not rp.applied and "unquoted" in rp.why
    assert {"Xk9#mQ2!v", "tenant-a-token-7731"} <= set(p.secrets)
    assert_only(p, {32, 36, 37})


def test_library_and_cli(tmp_path):
    f = copy_example(tmp_path, "group_vars-kvrocks.yml")
    assert by_id(library_plan(f, KIND), ROW_CACHE)
    run = cli_plan(f)
    assert run.returncode == 3, run.stdout + run.stderr
    assert "rocksdb.row_cache_size" in run.stdout
