"""flags-systemd: ``ExecStart=`` with continuation lines."""

from __future__ import annotations

from .helpers import ROW_CACHE, apply_twice, assert_only, by_id, cli_plan, copy_example, example, library_plan, plan

KIND = "flags-systemd"


def test_row_cache_line_dropped():
    p = plan(example("kvrocks.service"))
    assert p.kind == KIND
    (f,) = by_id(p, ROW_CACHE)
    assert f.line == 11 and f.applied
    assert_only(p, {11})
    assert "    --bind 127.0.0.1 \\\n    --workers 4\n" in p.new_text


def test_last_line_removal_takes_the_dangling_backslash():
    text = "[Service]\nExecStart=/usr/bin/kvrocks -c /etc/k.conf \\\n    --workers 4 \\\n    --rocksdb.row_cache_size 8\nRestart=always\n"
    p = plan(text, KIND)
    assert p.new_text == "[Service]\nExecStart=/usr/bin/kvrocks -c /etc/k.conf \\\n    --workers 4\nRestart=always\n"


def test_crlf_and_inline_pairs():
    text = "[Service]\r\nExecStart=/usr/bin/kvrocks --rocksdb.row_cache_size 8 --workers 4\r\n"
    p = plan(text, KIND)
    assert p.new_text == "[Service]\r\nExecStart=/usr/bin/kvrocks --workers 4\r\n"


def test_flags_before_2_2_0_are_a_blocker():
    text = "[Service]\nExecStart=/usr/bin/kvrocks -c /etc/k.conf --workers 4\n"
    p = plan(text, KIND, from_="2.1.0")
    (f,) = [f for f in p.findings if f.rule == "carrier/flags-need-2.2.0"]
    assert f.severity == "error" and f.line == 2 and p.blockers


def test_unquoted_variable_blocks_removal():
    text = "[Service]\nExecStart=/usr/bin/kvrocks --rocksdb.row_cache_size $ROWS --workers 4\n"
    p = plan(text, KIND)
    (f,) = by_id(p, ROW_CACHE)
    assert not f.applied and f.action == "manual"
    assert p.new_text == text


def test_apply_is_idempotent(tmp_path):
    apply_twice(tmp_path, "kvrocks.service", example("kvrocks.service"))


def test_sample(shared_dir):
    path = shared_dir / "samples" / "systemd-kvrocks-override.conf"
    text = path.read_text()
    p = plan(text, KIND, path=str(path), from_="2.1.0")
    ids = {(f.id, f.line) for f in p.findings}
    assert ("carrier/flags-need-2.2.0/argv", 16) in ids
    assert ("rename/rocksdb.max_sub_compactions@2.10.0", 21) in ids
    assert ("value_domain/log-retention-days@2.13.0", 19) in ids
    assert ("logging_switch/log-dir@2.13.0", 18) in ids
    # systemd removes the quotes: one argv word "10.0.4.21 6666", no grammar finding for it
    assert not [f for f in p.findings if f.option == "slaveof"]
    assert_only(p, {21})
    auto = plan(text, path=str(path), from_=None)
    assert auto.kind == KIND and auto.from_version >= "2.2.0"


def test_library_and_cli(tmp_path):
    f = copy_example(tmp_path, "kvrocks.service")
    p = library_plan(f, KIND)
    assert by_id(p, ROW_CACHE)
    run = cli_plan(f)
    assert run.returncode == 3, run.stdout + run.stderr
    assert "rocksdb.row_cache_size" in run.stdout
