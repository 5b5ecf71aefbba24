"""k8s-configmap: a kvrocks.conf embedded in a ConfigMap literal block."""

from __future__ import annotations

from .helpers import ROW_CACHE, apply_twice, assert_only, by_id, cli_plan, copy_example, example, library_plan, plan

KIND = "k8s-configmap"


def test_embedded_conf_and_sibling_deployment_both_fixed():
    p = plan(example("configmap.yaml"))
    assert p.kind == KIND
    hits = by_id(p, ROW_CACHE)
    assert sorted(f.line for f in hits) == [10, 23] and all(f.applied for f in hits)
    assert "    # kvupgrade: rocksdb.row_cache_size 512  -- deprecated in 2.13.0" in p.new_text
    assert '          args: ["--bind", "0.0.0.0", "--workers", "8"]\n' in p.new_text
    assert_only(p, {10, 23})


def test_block_indentation_and_crlf_kept():
    text = ("apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: kv\r\ndata:\r\n  kvrocks.conf: |-\r\n"
            "      port 6666\r\n      rocksdb.max_sub_compactions 2\r\n      workers 4\r\n")
    p = plan(text, KIND, from_="2.9.0")
    assert p.new_text == text.replace("max_sub_compactions", "max_subcompactions")


def test_template_line_is_planned_but_not_edited():
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kv\ndata:\n  kvrocks.conf: |\n"
            "    port 6666\n    rocksdb.row_cache_size {{ .Values.rowCache }}\n")
    p = plan(text, KIND)
    (f,) = by_id(p, ROW_CACHE)
    assert f.line == 8 and not f.applied and "template" in f.why
    assert p.new_text == text


def test_apply_is_idempotent(tmp_path):
    apply_twice(tmp_path, "cm.yaml", example("configmap.yaml"))


def test_sample(shared_dir):
    path = shared_dir / "samples" / "k8s-configmap-kvrocks-conf.yaml"
    p = plan(path.read_text(), path=str(path), from_="2.9.0")
    assert p.kind == KIND
    ids = {(f.id, f.line) for f in p.findings}
    assert ("rename/rocksdb.max_sub_compactions@2.10.0", 51) in ids
    assert ("comment_out/auto-resize-block-and-sst@2.14.0", 47) in ids
    assert (ROW_CACHE, 50) in ids
    assert ("default_change/migrate-type@2.13.0", 43) in ids
    assert ("migrate_rate_limit/migrate-batch-rate-limit-mb@2.14.0", 45) in ids
    assert ("integer_syntax/timeout@2.14.0", 28) in ids
    assert ("carrier/configmap-subpath/subPath", 78) in ids
    assert not p.blockers  # rate limit 0 -> the largest accepted value: a safe fix that keeps "no limit"
    # both rename-command lines survive, and the templated requirepass line is untouched
    assert p.new_text.count("\n    rename-command ") == 2
    assert '    requirepass "{{ .Values.auth.password }}"\n' in p.new_text
    touched = {28, 45, 47, 50, 51}
    if any(f.id.startswith("compaction_checker_range/") and f.applied for f in p.findings):
        touched.add(34)
    assert_only(p, touched)


def test_library_and_cli(tmp_path):
    f = copy_example(tmp_path, "configmap.yaml")
    assert by_id(library_plan(f, KIND), ROW_CACHE)
    run = cli_plan(f)
    assert run.returncode == 3, run.stdout + run.stderr
    assert "rocksdb.row_cache_size" in run.stdout
