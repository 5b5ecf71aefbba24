from .tools import findings, silent

RULE = "ignored_block_cache"


def test_share_flag_ignored_from_2_6():
    (f,) = findings(RULE, "rocksdb.share_metadata_and_subkey_block_cache yes\n", from_="2.5.1", to="2.6.0")
    assert f.severity == "info" and f.since == "2.6.0" and "separate" in f.message and f.safety == "display"


def test_split_sizes_ignored_with_shared_cache():
    text = "rocksdb.block_cache_size 4096\nrocksdb.metadata_block_cache_size 2048\nrocksdb.subkey_block_cache_size 2048\n"
    fs = findings(RULE, text, from_="2.5.0", to="2.7.0")
    assert sorted(f.option for f in fs) == ["rocksdb.metadata_block_cache_size", "rocksdb.subkey_block_cache_size"]
    assert all(f.severity == "warning" and "4096 MB" in f.message for f in fs)


def test_noop_split_sizes_while_block_cache_size_is_default_zero():
    silent(RULE, "rocksdb.metadata_block_cache_size 2048\n", from_="2.5.0", to="2.14.0")


def test_noop_target_before_change():
    silent(RULE, "rocksdb.share_metadata_and_subkey_block_cache yes\n", from_="2.0.4", to="2.5.1")


def test_noop_source_already_past_change():
    silent(RULE, "rocksdb.block_cache_size 4096\nrocksdb.metadata_block_cache_size 2048\n"
           "rocksdb.share_metadata_and_subkey_block_cache yes\n", from_="2.6.0", to="2.14.0")
