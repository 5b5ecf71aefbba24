from upgrader.settings import MARKER

from .tools import findings, noop, silent, transformed

RULE = "comment_out"


def test_row_cache_commented_with_reason():
    plan = transformed(
        RULE,
        """\
        port 6666
        rocksdb.row_cache_size 1024
        workers 8
        """,
        f"""\
        port 6666
        {MARKER} rocksdb.row_cache_size 1024  -- deprecated in 2.13.0: a row cache makes RocksDB refuse DeleteRange, which slot migration, FLUSHDB and FLUSHALL use (apache/kvrocks#2989, apache/kvrocks#2987)
        workers 8
        """,
        from_="2.12.1", to="2.13.0",
    )
    (f,) = [f for f in plan.findings if f.rule == RULE]
    assert f.id == "comment_out/rocksdb.row_cache_size@2.13.0"
    assert f.severity == "warning" and f.line == 2 and f.applied and f.action == "comment_out"
    assert "apache/kvrocks#2989" in f.references
    assert "DeleteRange" in f.message


def test_every_occurrence_and_indentation_kept():
    plan = transformed(
        RULE,
        "  rocksdb.row_cache_size 10\r\nport 1\r\nrocksdb.row_cache_size 20\r\n",
        f"  {MARKER} rocksdb.row_cache_size 10  -- deprecated in 2.13.0: a row cache makes RocksDB refuse DeleteRange, which slot migration, FLUSHDB and FLUSHALL use (apache/kvrocks#2989, apache/kvrocks#2987)\r\n"
        "port 1\r\n"
        f"{MARKER} rocksdb.row_cache_size 20  -- deprecated in 2.13.0: a row cache makes RocksDB refuse DeleteRange, which slot migration, FLUSHDB and FLUSHALL use (apache/kvrocks#2989, apache/kvrocks#2987)\r\n",
        from_="2.12.0", to="2.14.0",
    )
    assert len([f for f in plan.findings if f.rule == RULE]) == 2


def test_removed_option_2_14():
    fs = findings(RULE, "auto-resize-block-and-sst yes\n", from_="2.13.0", to="2.14.0")
    assert [f.since for f in fs] == ["2.14.0"]
    assert "removed" in fs[0].message


def test_noop_target_before_change():
    silent(RULE, "rocksdb.row_cache_size 1024\n", from_="2.11.0", to="2.12.1")


def test_noop_source_already_past_change():
    # 2.13.0 -> 2.14.0 does not cross the deprecation; the target check reports it instead.
    silent(RULE, "rocksdb.row_cache_size 1024\n", from_="2.13.0", to="2.14.0")


def test_commented_line_is_not_touched_again():
    noop(RULE, f"{MARKER} rocksdb.row_cache_size 1024  -- deprecated in 2.13.0\n", from_="2.12.0", to="2.14.0")
