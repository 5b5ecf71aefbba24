"""flags-compose: Compose ``command:`` in string and list form."""

from __future__ import annotations

import json

from upgrader.report.jsonout import plan_to_dict

from .helpers import ROW_CACHE, apply_twice, assert_only, by_id, cli_plan, copy_example, example, library_plan, plan

KIND = "flags-compose"


def test_row_cache_removed_from_string_and_list_form():
    p = plan(example("compose.yml"))
    assert p.kind == KIND
    hits = by_id(p, ROW_CACHE)
    assert [f.line for f in hits] == [9, 17] and all(f.applied for f in hits)
    assert "row_cache_size" not in p.new_text.replace("# kvupgrade: --rocksdb.row_cache_size", "")
    assert "      # kvupgrade: --rocksdb.row_cache_size 512 -- deprecated in 2.13.0" in p.new_text
    assert_only(p, {9, 17, 18})


def test_apply_is_idempotent(tmp_path):
    before, after = apply_twice(tmp_path, "docker-compose.yml", example("compose.yml"))
    assert before != after


def test_inline_string_form_keeps_other_words():
    text = "services:\n  kv:\n    image: apache/kvrocks:2.12.1\n    command: --port 1 --rocksdb.row_cache_size 9 --workers 2\n"
    p = plan(text)
    assert p.new_text == text.replace("--rocksdb.row_cache_size 9 ", "")


def test_flow_list_drops_two_items_and_one_separator():
    text = 'services:\n  kv:\n    image: apache/kvrocks\n    command: ["--rocksdb.row_cache_size", "1", "--port", "1"]\n'
    p = plan(text, KIND)
    assert p.new_text == text.replace('"--rocksdb.row_cache_size", "1", ', "")


def test_rename_keeps_quotes_in_list_form():
    text = 'services:\n  kv:\n    image: apache/kvrocks\n    command:\n      - "--rocksdb.max_sub_compactions"\n      - "4"\n'
    p = plan(text, KIND, from_="2.9.0")
    assert p.new_text == text.replace("max_sub_compactions", "max_subcompactions")


def test_expansion_that_may_split_is_not_removed():
    text = "services:\n  kv:\n    image: apache/kvrocks\n    command: --rocksdb.row_cache_size ${ROWS} --port 1\n"
    p = plan(text, KIND)
    (f,) = by_id(p, ROW_CACHE)
    assert not f.applied and f.action == "manual" and "several words" in f.why
    assert p.new_text == text


def test_secret_flag_is_masked_everywhere():
    text = 'services:\n  kv:\n    image: apache/kvrocks:2.12.1\n    command: ["--requirepass", "hunter22", "--rocksdb.row_cache_size", "1"]\n'
    p = plan(text)
    assert "hunter22" in p.secrets
    assert "hunter22" not in json.dumps(plan_to_dict(p))


def test_list_items_keep_their_quotes_literally():
    text = "services:\n  kv:\n    image: apache/kvrocks\n    command:\n      - --requirepass\n      - \"'pw#1'\"\n"
    p = plan(text, KIND)
    (f,) = [f for f in p.findings if f.rule == "carrier/argv-literal-quotes"]
    assert f.line == 6 and "pw#1" not in f.message


def test_sample(shared_dir):
    path = shared_dir / "samples" / "compose-cluster-cli-flags.yml"
    p = plan(path.read_text(), path=str(path), from_=None)
    assert p.kind == KIND and p.from_version == "2.12.1"  # from the image tag
    ids = {(f.id, f.line) for f in p.findings}
    assert {(ROW_CACHE, 33), (ROW_CACHE, 54)} <= ids
    assert ("migrate_rate_limit/migrate-batch-rate-limit-mb@2.14.0", 36) in ids
    assert ("default_change/migrate-type@2.13.0", 35) in ids
    assert ("target_check/rocksdb.max_sub_compactions", 34) in ids
    assert ("carrier/argv-literal-quotes/requirepass", 53) in ids
    assert ("carrier/image-conf-in-volume/image", 24) in ids
    assert not p.blockers  # rate limit 0 -> the largest accepted value: a safe fix that keeps "no limit"
    assert "'s3cret#prod'" in p.secrets
    assert_only(p, {33, 36, 54, 55})


def test_library_and_cli(tmp_path):
    f = copy_example(tmp_path, "compose.yml")
    p = library_plan(f, KIND)
    assert len(by_id(p, ROW_CACHE)) == 2
    run = cli_plan(f)
    assert run.returncode == 3, run.stdout + run.stderr
    assert "rocksdb.row_cache_size" in run.stdout and "[flags-compose]" in run.stdout
