"""flags-shell: scripts that exec kvrocks (or docker run a kvrocks image) with flags."""

from __future__ import annotations

from .helpers import ROW_CACHE, apply_twice, assert_only, by_id, cli_plan, copy_example, example, library_plan, plan

KIND = "flags-shell"


def test_row_cache_removed_and_continuation_fixed():
    p = plan(example("start-kvrocks.sh"))
    assert p.kind == KIND
    (f,) = by_id(p, ROW_CACHE)
    assert f.line == 10 and f.applied
    assert p.new_text.endswith('  --dir "$DATA_DIR" \\\n  --workers 8\n')
    assert_only(p, {9, 10})


def test_docker_run_image_args_and_tag_as_source():
    text = "#!/bin/bash\ndocker run -d --name kv apache/kvrocks:2.12.1 --rocksdb.row_cache_size 64 --port 6666\n"
    p = plan(text, from_=None)
    assert p.from_version == "2.12.1"
    assert p.new_text == text.replace("--rocksdb.row_cache_size 64 ", "")


def test_unquoted_expansion_makes_later_pairs_read_only():
    text = "#!/bin/sh\nkvrocks $EXTRA --rocksdb.row_cache_size 64\n"
    p = plan(text)
    (f,) = by_id(p, ROW_CACHE)
    assert not f.applied and "uncertain" in f.why
    assert p.new_text == text


def test_comments_and_other_commands_ignored():
    text = "#!/bin/sh\n# kvrocks --rocksdb.row_cache_size 1\necho kvrocks is starting; kvrocks --workers 2\n"
    p = plan(text)
    assert not by_id(p, ROW_CACHE) and p.new_text == text


def test_apply_is_idempotent(tmp_path):
    apply_twice(tmp_path, "start.sh", example("start-kvrocks.sh"))


def test_library_and_cli(tmp_path):
    f = copy_example(tmp_path, "start-kvrocks.sh")
    assert by_id(library_plan(f, KIND), ROW_CACHE)
    run = cli_plan(f)
    assert run.returncode == 3, run.stdout + run.stderr
    assert "rocksdb.row_cache_size" in run.stdout
