"""flags-k8s: container args/command in Kubernetes workloads."""

from __future__ import annotations

from .helpers import ROW_CACHE, apply_twice, assert_only, by_id, cli_plan, copy_example, example, library_plan, plan

KIND = "flags-k8s"


def test_row_cache_items_replaced_by_one_comment():
    p = plan(example("statefulset.yaml"))
    assert p.kind == KIND
    (f,) = by_id(p, ROW_CACHE)
    assert f.line == 16 and f.applied
    assert "            # kvupgrade: --rocksdb.row_cache_size 2048 -- deprecated in 2.13.0" in p.new_text
    assert_only(p, {16, 17})


def test_other_images_are_left_alone():
    p = plan(example("statefulset.yaml"))
    assert not [f for f in p.findings if "exporter" in f.message]


def test_command_with_binary_then_args():
    text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: kv}\nspec:\n  containers:\n    - name: kv\n"
            "      image: registry.local/cache:1\n      command: [/usr/bin/kvrocks, -c, /etc/k.conf]\n"
            "      args: [--rocksdb.row_cache_size, '64', --port, '6666']\n")
    p = plan(text, KIND)
    assert p.new_text == text.replace("--rocksdb.row_cache_size, '64', ", "")


def test_unquoted_boolean_arg_is_rejected_by_the_api_server():
    text = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: kv}\nspec:\n  template:\n    spec:\n"
            "      containers:\n        - name: kv\n          image: apache/kvrocks:2.12.1\n"
            "          args: [--cluster-enabled, yes]\n")
    p = plan(text, KIND)
    (f,) = [x for x in p.findings if x.rule == "carrier/k8s-non-string-arg"]
    assert f.severity == "error" and f.line == 10


def test_multi_document_untouched_documents_identical():
    doc2 = "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: kv   # keep\nspec: {ports: [{port: 6666}]}\n"
    text = example("statefulset.yaml") + doc2
    p = plan(text, KIND)
    assert p.new_text.endswith(doc2)


def test_apply_is_idempotent(tmp_path):
    apply_twice(tmp_path, "sts.yaml", example("statefulset.yaml"))


def test_library_and_cli(tmp_path):
    f = copy_example(tmp_path, "statefulset.yaml")
    assert by_id(library_plan(f, KIND), ROW_CACHE)
    run = cli_plan(f)
    assert run.returncode == 3, run.stdout + run.stderr
    assert "rocksdb.row_cache_size" in run.stdout


def test_shell_command_is_reported_not_parsed():
    text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: kv}\nspec:\n  containers:\n    - name: kv\n"
            "      image: apache/kvrocks:2.12.1\n      command: [sh, -c, 'kvrocks --rocksdb.row_cache_size 1']\n")
    p = plan(text, KIND)
    assert [f.rule for f in p.findings] == ["carrier/k8s-command-not-kvrocks"] and p.new_text == text
