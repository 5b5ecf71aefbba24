"""Curated annotations for tools/build_matrix.py.

The option tables (../shared/kvrocks/options/<version>.json) say *what* changed between releases;
this module says *why* and *where from*: PR references, reasons, notes, secrets, release-level
behaviours, and the hand-entered facts for releases without a table (2.12.1, 2.15.0-2.17.0).

Everything here comes from ../shared/kvrocks/README.md (sections 3-9). build_matrix.py refuses
annotations that do not match a change it derives from the tables, so a stale entry fails the build
instead of silently attaching to nothing. Keep text ASCII (the generator escapes anything else).
"""

from __future__ import annotations

from typing import Any

# Bump when the curated content changes; kept fixed so regeneration is byte-identical.
DATA_VERSION = "2026.11.26"

K = "apache/kvrocks#"  # short prefix for references to apache/kvrocks PRs and issues


def refs(*numbers: int) -> list[str]:
    return [f"{K}{n}" for n in numbers]


# --------------------------------------------------------------------------------------------
# Releases
# --------------------------------------------------------------------------------------------

# Website publication dates (README section 3); other releases use the pin's commit date.
PUBLICATION_DATES: dict[str, str] = {
    "2.11.0": "2025-01-26",
    "2.11.1": "2025-02-07",
    "2.12.0": "2025-04-22",
    "2.12.1": "2025-05-06",
    "2.13.0": "2025-08-14",
    "2.14.0": "2025-11-11",
    "2.15.0": "2026-02-26",
    "2.16.0": "2026-06-21",
    "2.17.0": "2026-09-11",
}

# Releases that have no option table. `table` is the table the release is checked against.
RELEASES_WITHOUT_TABLE: dict[str, dict[str, Any]] = {
    "2.12.1": {
        "evidence": "inferred",
        "table": "2.12.0",
        "pin": "none (no tag or release-branch commit available); 2.12.0 table used",
        "notes": (
            "Believed identical to 2.12.0: the only config-touching unstable commits before it are "
            "refactors (#2881, #2891, #2911), unlikely patch-release cherry-picks. Not checkable."
        ),
    },
    "2.15.0": {
        "evidence": "release-notes",
        "table": None,
        "pin": "none (release notes and PRs only)",
        "notes": (
            "Known from release notes/PRs only. cloud-storage-* keys (draft #3348) are not released. "
            "Integer parsing assumed unchanged from 2.14.0 (from_chars, base 10)."
        ),
    },
    "2.16.0": {
        "evidence": "release-notes",
        "table": None,
        "pin": "none (release notes and PRs only)",
        "notes": (
            "Dictionary-compression settings (#3425) exist but their key names and a possible "
            "rocksdb.compression default change are unconfirmed, so no option events are recorded; "
            "see behaviour dictionary-compression. A hash-field-expiration option was withheld (ec870bc8)."
        ),
    },
    "2.17.0": {
        "evidence": "release-notes",
        "table": None,
        "pin": "none (release notes and PRs only)",
        "notes": (
            "redis-command slot migration removed (#3544); how the loader treats the keys deprecated "
            "here (warning like rocksdb.row_cache_size, or silently accepted) is unknown."
        ),
    },
}

# Extra free text for releases that have a table.
RELEASE_NOTES: dict[str, str] = {
    "2.0.0": (
        "1.3.x and 2.0.x are parallel branches: 2.0.0 (2021-04-23) predates 1.3.3 (2021-05-18); "
        "the matrix orders releases by version number, so 1.3.3 -> 2.0.0 differences are 2.0.0 events."
    ),
    "2.10.1": "No option changes; bundled RocksDB 9.6.1 -> 9.3.1 (#2614).",
    "2.11.1": "Branch 2.11 = v2.11.0 plus #2757, #2765, #2751, #2769; none touches configuration.",
    "2.12.0": (
        "Branch-cut pin, confidence high: config sources identical over the whole cut window; "
        "the spdlog switch (#2881) is not in the release."
    ),
    "2.13.0": (
        "Branch-cut pin, confidence high for the option table; the log-dir fix #3085 (unset log-dir "
        "means <dir>,stdout) may have been cherry-picked. Integers still base 0 (#3052 landed after the cut)."
    ),
    "2.14.0": (
        "Branch-cut pin, confidence moderate to high: if the cut preceded 2025-10-18, "
        "migrate-batch-rate-limit-mb would still accept 0 (#3228)."
    ),
}

# --------------------------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------------------------

# Options whose values are credentials: a planner must never print them.
SECRET_OPTIONS: frozenset[str] = frozenset({"requirepass", "masterauth", "tls-key-file-pass"})

# Option-level references (apply to the whole history).
OPTION_REFS: dict[str, list[str]] = {
    "rocksdb.row_cache_size": refs(407, 2989, 2987),
    "rocksdb.max_sub_compactions": refs(2499),
    "rocksdb.max_subcompactions": refs(2499),
    "auto-resize-block-and-sst": refs(289, 395, 3136),
    "compaction-checker-range": refs(2383),
    "migrate-type": refs(2067, 2990, 3544),
}

ROW_CACHE_REASON = (
    "RocksDB never supported DeleteRange with a row cache (facebook/rocksdb#4122: range-deleted keys "
    "stay readable through it) and since facebook/rocksdb#12512/#12710 DeleteRange returns NotSupported "
    "while a row cache is configured. Kvrocks uses DeleteRange for FLUSHDB, FLUSHALL, clearing slot "
    "ranges during slot migration, search index removal and some TDigest operations, so with a row "
    "cache these fail on 2.10.0-2.12.x (e.g. slot migration in #2987). The row cache rarely helps, so "
    "#2989 moved the key to deprecated_fields_: file lines and flags print 'is deprecated and does not "
    "take effect', CONFIG GET returns nothing and CONFIG SET is refused. Remove the key; reuse the "
    "memory via rocksdb.block_cache_size."
)

RESP3_REASON = (
    "RESP3 support is on by default: clients that do HELLO 3 now get RESP3 replies "
    "(before, HELLO 3 was refused unless resp3-enabled yes)."
)

# Per-release annotations of the events build_matrix.py derives from consecutive tables.
# Keys: refs (replace the default table-pin reference), reason, note, renamed_to,
# fields (domain values the tables cannot supply, e.g. for a deprecated key missing from a table).
EVENTS: dict[str, dict[str, dict[str, Any]]] = {
    "1.3.1": {
        "rocksdb.max_total_wal_size": {"refs": refs(191)},
    },
    "1.3.3": {
        "rocksdb.level0_stop_writes_trigger": {"refs": refs(237, 236), "note": "backport of #236"},
    },
    "2.0.0": {
        "codis-enabled": {
            "refs": refs(217),
            "summary": "Codis compatibility was dropped",
            "reason": "Codis compatibility dropped; the codis slots* and msetbit commands are gone too.",
        },
        "repl-bind": {
            "refs": refs(200),
            "summary": "replaced by master-use-repl-port (not a rename)",
            "reason": "Removed by #200, which added master-use-repl-port; not a rename.",
        },
        "rocksdb.level0_stop_writes_trigger": {
            "refs": refs(236, 237),
            "summary": "absent from 2.0.0 (the 2.0 branch predates the backport); back in 2.0.1",
            "reason": (
                "2.0.0 was released from the 2.0 branch, which predates the 1.3.3 backport (#237); "
                "the option returns in 2.0.1 (#236)."
            ),
        },
        "master-use-repl-port": {"refs": refs(200)},
        "slave-empty-db-before-fullsync": {"refs": refs(233)},
        "max-backup-to-keep": {
            "refs": refs(232),
            "note": "values above 1 are fatal from 2.0.0 (hazard H12)",
        },
        "rocksdb.wal_ttl_seconds": {
            "refs": refs(212),
            "reason": "WAL archive retention retuned (#212): 604800 s (7 days) -> 10800 s (3 hours).",
        },
        "rocksdb.wal_size_limit_mb": {
            "refs": refs(212),
            "reason": "WAL archive size limit retuned (#212): 5120 MB -> 16384 MB.",
        },
    },
    "2.0.1": {
        "purge-backup-on-fullsync": {"refs": refs(245)},
        "rocksdb.level0_stop_writes_trigger": {"refs": refs(236)},
    },
    "2.0.2": {
        "rename-command": {"refs": refs(272), "note": "2.0.2-2.0.6: every line applies, validated per line"},
        "auto-resize-block-and-sst": {"refs": refs(289)},
        "cluster-enabled": {"refs": refs(330)},
    },
    "2.0.4": {
        "repl-workers": {"refs": refs(377), "summary": "replication worker setting dropped",
                         "reason": "Replication worker setting dropped (#377)."},
        "rocksdb.share_metadata_and_subkey_block_cache": {"refs": refs(365)},
        "db-name": {
            "refs": refs(377),
            "reason": (
                "Default placeholder renamed (#377). Replicas compare db-name, so a mixed-version "
                "pair relying on the default stops syncing (inferred, hazard H5)."
            ),
        },
        "rocksdb.target_file_size_base": {"refs": refs(368), "note": "now settable with CONFIG SET"},
    },
    "2.0.5": {
        "rocksdb.row_cache_size": {"refs": refs(407)},
        "rocksdb.enable_blob_files": {"refs": refs(395)},
        "rocksdb.min_blob_size": {"refs": refs(395)},
        "rocksdb.blob_file_size": {"refs": refs(395), "note": "value is bytes: 128 means 128 bytes"},
        "rocksdb.enable_blob_garbage_collection": {"refs": refs(395)},
        "rocksdb.blob_garbage_collection_age_cutoff": {
            "refs": refs(395),
            "note": "default 128 lies outside the 0-100 range (quirk kept from the source)",
        },
    },
    "2.0.6": {
        "max-bitmap-to-string-mb": {"refs": refs(447)},
        "fullsync-recv-file-delay": {"refs": refs(446)},
        "migrate-speed": {"refs": refs(430)},
        "migrate-pipeline-size": {"refs": refs(430)},
        "migrate-sequence-gap": {"refs": refs(430)},
        "rocksdb.level0_file_num_compaction_trigger": {"refs": refs(455)},
        "rocksdb.blob_garbage_collection_age_cutoff": {
            "refs": refs(425),
            "reason": "The 2.0.5 default 128 lay outside the 0-100 percent range; #425 set 25, the shipped value.",
        },
    },
    "2.1.0": {
        "use-rsid-psync": {"refs": refs(538)},
        "unixsocket": {"refs": refs(531)},
        "unixsocketperm": {
            "refs": refs(531),
            "note": "CONFIG GET/REWRITE print it in decimal in 2.1.0-2.2.0 (511 for 0777), fixed by #1151",
        },
        "rocksdb.max_bytes_for_level_base": {"refs": refs(497)},
        "rocksdb.max_bytes_for_level_multiplier": {"refs": refs(497)},
        "rocksdb.level_compaction_dynamic_level_bytes": {"refs": refs(497)},
        "rocksdb.blob_file_size": {
            "refs": refs(503, 611),
            "reason": (
                "The value is bytes, so the old default 128 meant 128-byte blob files; the default "
                "became 268435456 (256 MiB). 2.0.5/2.0.6 confs carrying 128 still mean 128 bytes."
            ),
        },
        "rocksdb.compression": {"refs": refs(584), "note": "adds lz4; lz4 is fatal before 2.1.0"},
        "auto-resize-block-and-sst": {
            "note": "shipped conf no longer sets it; the key has had no effect since 2.0.5 (#395)",
        },
    },
    "2.2.0": {
        **{
            name: {"refs": refs(797)}
            for name in (
                "tls-auth-clients", "tls-ca-cert-dir", "tls-ca-cert-file", "tls-cert-file",
                "tls-ciphers", "tls-ciphersuites", "tls-key-file", "tls-key-file-pass", "tls-port",
                "tls-prefer-server-ciphers", "tls-protocols", "tls-session-cache-size",
                "tls-session-cache-timeout", "tls-session-caching",
            )
        },
        **{
            f"rocksdb.write_options.{name}": {"refs": refs(885)}
            for name in ("disable_wal", "low_pri", "memtable_insert_hint_per_batch", "no_slowdown", "sync")
        },
        "bind": {
            "refs": refs(809),
            "reason": (
                "Empty bind still listens on 127.0.0.1 unless unixsocket is set, so a unix-socket-only "
                "server no longer opens TCP; cluster mode then needs a TCP bind and replication cannot use the unix socket."
            ),
        },
        "rocksdb.compression": {"refs": refs(863, 1078), "note": "adds zstd (#863) and zlib (#1078)"},
        "backup-dir": {"refs": refs(1026), "note": "now settable with CONFIG SET"},
        "rename-command": {
            "refs": refs(1047),
            "note": "multistring: every rename-command line applies (2.1.0 applied only the last)",
        },
        "log-dir": {"note": "shipped conf sets log-dir stdout (2.2.0-2.12.x)"},
    },
    "2.3.0": {
        "log-level": {"refs": refs(1230)},
        "log-retention-days": {"refs": refs(1171)},
        "persist-cluster-nodes-enabled": {"refs": refs(1239)},
        "rocksdb.read_options.async_io": {"refs": refs(1215)},
        "port": {"refs": refs(1159)},
        "tls-port": {"refs": refs(1159)},
    },
    "2.4.0": {
        "replica-announce-ip": {"refs": refs(1303)},
        "replica-announce-port": {"refs": refs(1303)},
        "force-compact-file-age": {"refs": refs(1325)},
        "force-compact-file-min-deleted-percentage": {"refs": refs(1325)},
        "rocksdb.max_background_jobs": {"refs": refs(1374)},
        "rocksdb.max_background_compactions": {
            "refs": refs(1374),
            "note": "-1 = derive from rocksdb.max_background_jobs; the shipped conf now sets -1",
        },
        "rocksdb.max_background_flushes": {
            "refs": refs(1374),
            "note": "-1 = derive from rocksdb.max_background_jobs; the shipped conf now sets -1",
        },
    },
    "2.5.0": {
        "redis-cursor-compatible": {"refs": refs(1489)},
        "rocksdb.rate_limiter_auto_tuned": {"refs": refs(1424)},
    },
    "2.5.1": {
        "rocksdb.compression": {"refs": refs(1576), "note": "enum order only; same accepted names"},
    },
    "2.6.0": {
        "tls-replication": {"refs": refs(1630)},
        "rocksdb.block_cache_size": {
            "refs": refs(1549),
            "note": (
                "0 = separate metadata and subkey caches; > 0 = one shared cache, and "
                "metadata_/subkey_block_cache_size and share_metadata_and_subkey_block_cache are ignored"
            ),
        },
        "max-io-mb": {
            "refs": refs(1713),
            "reason": "Background IO is unlimited by default: 0 now means no limit (was 500 MB/s).",
        },
        "rocksdb.block_size": {"refs": refs(1664), "reason": "RocksDB tuning defaults refreshed (#1664): 4 KiB -> 16 KiB blocks."},
        "rocksdb.max_open_files": {"refs": refs(1664), "reason": "RocksDB tuning defaults refreshed (#1664): more open files."},
        "rocksdb.max_sub_compactions": {"refs": refs(1664), "reason": "RocksDB tuning defaults refreshed (#1664): 2 subcompactions."},
        "rocksdb.cache_index_and_filter_blocks": {
            "refs": refs(1664),
            "reason": "RocksDB tuning defaults refreshed (#1664): index and filter blocks are cached in the block cache.",
        },
        "log-level": {"refs": refs(1611), "note": "now settable with CONFIG SET"},
        "bind": {"note": "shipped conf binds 127.0.0.1 instead of 0.0.0.0"},
        "rocksdb.level_compaction_dynamic_level_bytes": {
            "note": "shipped conf sets yes while the code default stays no until 2.14.0 (hazard H6)",
        },
        "rocksdb.metadata_block_cache_size": {
            "refs": refs(1549),
            "note": "shipped conf switches to rocksdb.block_cache_size 4096; this size is used only if block_cache_size = 0",
        },
        "rocksdb.subkey_block_cache_size": {
            "refs": refs(1549),
            "note": "shipped conf switches to rocksdb.block_cache_size 4096; this size is used only if block_cache_size = 0",
        },
        "rocksdb.share_metadata_and_subkey_block_cache": {
            "refs": refs(1549),
            "note": "ignored from 2.6.0 (accepted, no effect); shipped conf drops it",
        },
    },
    "2.7.0": {
        "repl-namespace-enabled": {
            "refs": refs(1776),
            "note": "one-way: cannot be switched off once namespaces exist in the DB",
        },
        "json-max-nesting-depth": {"refs": refs(1840)},
        "json-storage-format": {"refs": refs(1871)},
        "rocksdb.avoid_unnecessary_blocking_io": {"refs": refs(1903)},
        "workers": {"refs": refs(1855), "note": "now settable with CONFIG SET"},
        "persist-cluster-nodes-enabled": {"note": "shipped conf now sets it explicitly"},
    },
    "2.8.0": {
        "migrate-type": {"refs": refs(2067)},
        "migrate-batch-size-kb": {"refs": refs(2067)},
        "migrate-batch-rate-limit-mb": {"refs": refs(2067), "note": "0 = no limit (until 2.14.0)"},
        "resp3-enabled": {"refs": refs(1991)},
        "rocksdb.block_cache_type": {"refs": refs(2031)},
        "redis-cursor-compatible": {
            "note": "shipped conf sets yes in 2.8.0-2.9.0 while the code default is no (hazard H6)",
        },
    },
    "2.9.0": {
        "dbsize-scan-cron": {"refs": refs(2217)},
        "compaction-checker-cron": {
            "refs": refs(2383),
            "note": "fatal together with compaction-checker-range",
        },
        "rocksdb.compression_level": {
            "refs": refs(2171),
            "note": "32767 is the 'RocksDB decides' sentinel",
        },
        "rocksdb.read_options.async_io": {
            "refs": refs(2308),
            "reason": "Asynchronous read IO enabled by default (#2308).",
        },
        "backup-dir": {
            "refs": refs(2186),
            "reason": (
                "Representational: an empty value already meant <dir>/backup; the default now shows "
                "the path derived from the default dir. Rewrites pin it only when dir != /tmp/kvrocks."
            ),
        },
        "pidfile": {
            "refs": refs(2186),
            "reason": (
                "Representational: an empty value already meant <dir>/kvrocks.pid; the default now "
                "shows the path derived from the default dir. Rewrites pin it only when dir != /tmp/kvrocks."
            ),
        },
        "compaction-checker-range": {
            "refs": refs(2383),
            "note": (
                "shipped conf now uses compaction-checker-cron '* 0-7 * * *'; from 2.9.0 the range is "
                "cron hours 0-23 with start < stop, and setting it with compaction-checker-cron is fatal"
            ),
        },
    },
    "2.10.0": {
        "rocksdb.max_sub_compactions": {
            "refs": refs(2499),
            "renamed_to": "rocksdb.max_subcompactions",
            "summary": "renamed to rocksdb.max_subcompactions without an alias",
            "reason": (
                "Renamed without an alias (#2499): the old key becomes an unknown key (warning) and its "
                "value is lost (default 2 applies). Same range 0-16."
            ),
        },
        "rocksdb.max_subcompactions": {"refs": refs(2499), "note": "new name of rocksdb.max_sub_compactions"},
        "proto-max-bulk-len": {
            "refs": refs(2444),
            "note": "the only option taking k/m/g/t/p suffixes; REWRITE keeps the suffix (#2448)",
        },
        "txn-context-enabled": {"refs": refs(2506)},
        "rocksdb.write_options.write_batch_max_bytes": {"refs": refs(2508)},
        "redis-cursor-compatible": {
            "refs": refs(2429),
            "reason": "Redis-compatible SCAN cursors became the default (#2429); an absent key changes the cursor format clients see.",
        },
    },
    "2.11.0": {
        "socket-fd": {"refs": refs(2598)},
        "replicaof": {"refs": refs(2678), "note": "value must be 'host port' (load-time callback)"},
        "replication-connect-timeout-ms": {"refs": refs(2662)},
        "replication-recv-timeout-ms": {"refs": refs(2662)},
        "skip-block-cache-deallocation-on-close": {"refs": refs(2683)},
        "histogram-bucket-boundaries": {"refs": refs(2721), "note": "non-numeric or unsorted values are fatal"},
        "rocksdb.compression_start_level": {"refs": refs(2605, 2615)},
        "rocksdb.wal_compression": {"refs": refs(2607)},
        "rocksdb.dump_malloc_stats": {"refs": refs(2658)},
        "rocksdb.partition_filters": {"refs": refs(2688)},
    },
    "2.12.0": {
        "rocksdb.max_compaction_bytes": {"refs": refs(2802)},
        "resp3-enabled": {"refs": refs(2746), "reason": RESP3_REASON},
    },
    "2.13.0": {
        "rocksdb.row_cache_size": {
            "refs": refs(2989, 2987),
            "summary": "a row cache makes RocksDB refuse DeleteRange, which slot migration, FLUSHDB and FLUSHALL use",
            "reason": ROW_CACHE_REASON,
            "note": "2.13.0+ shipped conf no longer sets it; missing from the 2.13.0+ option tables (deprecated_fields_)",
            # The tables drop deprecated keys, so the conf value cannot come from them.
            "fields": {"shipped": None},
        },
        "slowlog-dump-logfile-level": {"refs": refs(2903)},
        "rocksdb.min_write_buffer_number_to_merge": {"refs": refs(3016)},
        "enable-blob-cache": {"refs": refs(3027)},
        "rocksdb.sst_file_delete_rate_bytes_per_sec": {"refs": refs(3040)},
        "migrate-type": {
            "refs": refs(2990, 2988),
            "reason": (
                "Slot migration ships raw key-values by default (#2990, after the migration failures of "
                "#2987/#2988). Shipped confs 2.8.0-2.12.x set redis-command explicitly, so copies of them "
                "keep the old mode (hazard H18)."
            ),
        },
        "rocksdb.max_bytes_for_level_base": {"refs": refs(3032), "note": "values >= 2^31 are fatal before 2.13.0"},
        "rocksdb.level0_slowdown_writes_trigger": {"refs": refs(3034), "note": "0 = off; fatal before 2.13.0"},
        "log-level": {"refs": refs(2881), "note": "adds debug (spdlog); debug is fatal before 2.13.0"},
        "log-retention-days": {
            "refs": refs(2881),
            "note": "no longer settable with CONFIG SET; 0 now means disabled instead of 'delete old logs now'",
        },
        "log-dir": {
            "note": (
                "shipped conf comments out log-dir stdout: a fresh 2.13.0 conf logs to files only; "
                "log-dir now accepts dest[:level],... lists"
            ),
        },
    },
    "2.14.0": {
        "auto-resize-block-and-sst": {
            "refs": refs(3136),
            "summary": "had no effect since 2.0.5; now an unknown key",
            "reason": (
                "Had no effect since 2.0.5 (#395); removed outright rather than deprecated, so a "
                "leftover line gets the unknown-key warning."
            ),
        },
        "lua-strict-key-accessing": {
            "refs": refs(3139, 3155),
            "note": "default no serialises EVAL/EVALSHA/FCALL (#3155)",
        },
        "replication-delay-bytes": {"refs": refs(3087)},
        "replication-delay-updates": {"refs": refs(3087)},
        "replication-group-sync": {"refs": refs(3092)},
        "replication-no-slowdown": {"refs": refs(3219)},
        "rocksdb.daily_offpeak_time_utc": {"refs": refs(3170)},
        "rocksdb.periodic_compaction_seconds": {
            "refs": refs(3170),
            "note": "18446744073709551614 is the 'RocksDB decides' sentinel",
        },
        "rocksdb.ttl": {"refs": refs(3170), "note": "18446744073709551614 is the 'RocksDB decides' sentinel"},
        "migrate-batch-rate-limit-mb": {
            "refs": refs(3228),
            "note": "0 ('no limit') is fatal from 2.14.0; it crashed 2.12.1 with SIGFPE (hazard H8)",
        },
        "rocksdb.level_compaction_dynamic_level_bytes": {
            "refs": refs(3144),
            "reason": (
                "Code default now matches the shipped conf (yes since 2.6.0); configs without the key "
                "(CLI-only, operator maps, generated files) switch to dynamic level sizing."
            ),
        },
    },
}

# Hand-entered events for releases without a table (release notes / PRs only, README 7 and 8).
# First entries of new options carry every domain field; null = unknown.
MIGRATE_DEPRECATION_REASON = (
    "#3544 removed redis-command slot migration; only raw-key-value migration remains, so migrate-type "
    "has nothing to choose and migrate-speed/migrate-pipeline-size (pacing of the redis-command path) "
    "have nothing to tune. Mixed-version clusters fail against targets without APPLYBATCH."
)

HAND_EVENTS: dict[str, list[dict[str, Any]]] = {
    "redis-databases": [
        {
            "since": "2.15.0",
            "status": "active",
            "type": "int",
            "default": "0",
            "min": None,
            "max": None,
            "enum_values": None,
            "readonly": True,
            "unit": None,
            "ifdef": None,
            "accepted_suffixes": None,
            "shipped": None,
            "note": (
                "range and shipped value unconfirmed; > 0 is fatal while a non-default namespace exists "
                "or with cluster mode"
            ),
            "refs": refs(3294),
            "evidence": "release-notes",
        },
    ],
    "max-replication-lag": [
        {
            "since": "2.15.0",
            "status": "active",
            "type": "int",
            "default": None,
            "min": None,
            "max": None,
            "enum_values": None,
            "readonly": None,
            "unit": None,
            "ifdef": None,
            "accepted_suffixes": None,
            "shipped": None,
            "note": "default unconfirmed; range, readonly and shipped value unconfirmed; release assigned by merge date",
            "refs": refs(3357),
            "evidence": "release-notes",
        },
    ],
    "replication-send-timeout-ms": [
        {
            "since": "2.15.0",
            "status": "active",
            "type": "int",
            "default": None,
            "min": None,
            "max": None,
            "enum_values": None,
            "readonly": None,
            "unit": "ms",
            "ifdef": None,
            "accepted_suffixes": None,
            "shipped": None,
            "note": "default unconfirmed; range, readonly and shipped value unconfirmed; unit from the option name",
            "refs": refs(3357),
            "evidence": "release-notes",
        },
    ],
    "proto-max-bulk-len": [
        {
            "since": "2.16.0",
            "max": 4294967296,
            "note": "values above 4 GiB are fatal from 2.16.0 (hazard H12)",
            "refs": refs(3419),
            "evidence": "release-notes",
        },
    ],
    "client-output-buffer-limit": [
        {
            "since": "2.17.0",
            "status": "active",
            "type": "string",
            "default": None,
            "min": None,
            "max": None,
            "enum_values": None,
            "readonly": None,
            "unit": None,
            "ifdef": None,
            "accepted_suffixes": None,
            "shipped": None,
            "note": (
                "default unconfirmed; several classes per line (normal, pubsub; slave has no effect); "
                "readonly and shipped value unconfirmed"
            ),
            "refs": refs(3560),
            "evidence": "release-notes",
        },
    ],
    **{
        name: [
            {
                "since": "2.17.0",
                "status": "deprecated",
                "summary": "redis-command slot migration was removed; raw-key-value is the only mode",
                "reason": MIGRATE_DEPRECATION_REASON,
                "note": "loader treatment unknown",
                "refs": refs(3544),
                "evidence": "release-notes",
            },
        ]
        for name in ("migrate-type", "migrate-speed", "migrate-pipeline-size")
    },
}

# --------------------------------------------------------------------------------------------
# Key families and release-level behaviours
# --------------------------------------------------------------------------------------------

PATTERNS: list[dict[str, Any]] = [
    {
        "prefix": "namespace.",
        "secret": True,
        "since": "1.3.0",
        "description": (
            "namespace.<name> <token>: token per namespace (the token is a password). Prefix matched "
            "case-insensitively; repeated lines accumulate and a repeated token keeps the last name. "
            "2.0.x lower-cases <name>, 2.1.0+ keeps its case (#642). Needs a non-empty requirepass; a "
            "token equal to requirepass/masterauth is fatal (2.1.0+); with cluster-enabled yes fatal "
            "(2.0.6+). Never warned as unknown. From 2.7.0 with repl-namespace-enabled yes the tokens "
            "live in the DB and file lines are merged, then removed by a startup rewrite (#1776)."
        ),
    },
]

BEHAVIOURS: list[dict[str, Any]] = [
    {
        "id": "no-config-file-defaults",
        "since": "2.0.1",
        "title": "No -c: code defaults instead of ../kvrocks.conf",
        "description": (
            "Without -c, 1.3.x and 2.0.0 read ../kvrocks.conf; from 2.0.1 the server runs on code "
            "defaults with a warning and CONFIG REWRITE needs a file."
        ),
        "refs": refs(264),
        "evidence": "source-verified",
    },
    {
        "id": "codis-commands-removed",
        "since": "2.0.0",
        "title": "Codis slots* and msetbit commands removed",
        "description": (
            "With codis-enabled gone, the codis slots* commands and msetbit no longer exist; "
            "rename-command or profiling-sample-commands naming them is fatal (hazard H10)."
        ),
        "refs": refs(217),
        "evidence": "source-verified",
    },
    {
        "id": "rename-command-per-line",
        "since": "2.0.2",
        "title": "rename-command: every line applies",
        "description": (
            "rename-command OLD NEW (OLD \"\" disables) is introduced; in 2.0.2-2.0.6 every line applies "
            "and is validated per line."
        ),
        "refs": refs(272),
        "evidence": "source-verified",
    },
    {
        "id": "profiling-sample-commands-fatal",
        "since": "2.0.4",
        "title": "Unknown command in profiling-sample-commands is fatal",
        "description": "A profiling-sample-commands entry naming a command Kvrocks does not support stops startup.",
        "refs": refs(378),
        "evidence": "source-verified",
    },
    {
        "id": "auto-resize-inert",
        "since": "2.0.5",
        "title": "auto-resize-block-and-sst has no effect",
        "description": (
            "The 30-minute automatic block/SST resize (which also rewrote the config file) is gone; the "
            "key is accepted but does nothing until its removal in 2.14.0 (#3136)."
        ),
        "refs": refs(395),
        "evidence": "source-verified",
    },
    {
        "id": "namespace-cluster-fatal",
        "since": "2.0.6",
        "title": "Namespaces with cluster mode are fatal; NAMESPACE changes rewrite the file",
        "description": (
            "cluster-enabled yes together with namespace.* lines stops startup (#430). NAMESPACE "
            "ADD/SET/DEL rewrite the config file, dropping all namespace.* lines and appending the current "
            "ones (#423); REWRITE keeps rename-command lines verbatim (#429)."
        ),
        "refs": refs(430, 423, 429),
        "evidence": "source-verified",
    },
    {
        "id": "rename-command-last-wins",
        "since": "2.1.0",
        "title": "rename-command: only the last line applies",
        "description": (
            "Validation moved after the whole file is read (#507); in 2.1.0 only the last rename-command "
            "line applies, and a namespace token equal to the password is fatal."
        ),
        "refs": refs(507),
        "evidence": "source-verified",
    },
    {
        "id": "namespace-case",
        "since": "2.1.0",
        "title": "Namespace names keep their case",
        "description": (
            "2.0.x lower-cased namespace.<name>; 2.1.0+ keep the case (#642). Data keys are prefixed with "
            "the name, so mixed-case namespaces created on 2.0.x map elsewhere on 2.1.0+ (inferred)."
        ),
        "refs": refs(642),
        "evidence": "source-verified",
    },
    {
        "id": "grammar-quoted",
        "since": "2.2.0",
        "title": "Quotes, escapes and inline # comments in config lines",
        "description": (
            "ParseConfigLine: leading blanks allowed, an unquoted value runs to the first # anywhere and "
            "is trimmed; values starting with a quote are unquoted with escape processing. Before 2.2.0 "
            "quotes and # were literal (hazard H1: requirepass ab#c becomes ab)."
        ),
        "refs": refs(849),
        "evidence": "source-verified",
    },
    {
        "id": "integers-strict",
        "since": "2.2.0",
        "title": "Integers: whole string, base 10",
        "description": (
            "Integer values must be entirely numeric (trailing text such as 64MB or '6666 # c' is fatal: "
            "encounter non-integer characters); up to 2.1.0 std::stoll took the numeric prefix."
        ),
        "refs": refs(897),
        "evidence": "source-verified",
    },
    {
        "id": "cli-flags",
        "since": "2.2.0",
        "title": "--key value command-line flags",
        "description": (
            "Any key (dotted, read-only, namespace.<name>) can be given as --key value after the file; "
            "pairs apply in order and win over the file. Values are raw argv (no quote or # processing, "
            "empty applied); --key=value is not supported. -c - reads stdin. Up to 2.1.0 any other flag "
            "prints usage and the server does not start."
        ),
        "refs": refs(1037),
        "evidence": "source-verified",
    },
    {
        "id": "rename-command-multi",
        "since": "2.2.0",
        "title": "rename-command is a multistring: every line applies",
        "description": "rename-command becomes a multistring option; every line applies again (2.1.0 applied only the last).",
        "refs": refs(1047),
        "evidence": "source-verified",
    },
    {
        "id": "cluster-needs-tcp-bind",
        "since": "2.2.0",
        "title": "Cluster mode and replication need a TCP listen address",
        "description": (
            "finish() rejects cluster mode without a TCP listen address (node is in cluster mode, but TCP "
            "listen address wasn't specified) and replication over a unix socket."
        ),
        "refs": refs(809),
        "evidence": "source-verified",
    },
    {
        "id": "integers-base0",
        "since": "2.3.0",
        "title": "Integers: whole string, base 0 (strtol)",
        "description": (
            "Integers are parsed with base 0: 010 = 8, 0x10 = 16, 08 is fatal (hazard H2). Out-of-range "
            "values fail with 'out of numeric range'."
        ),
        "refs": refs(1159),
        "evidence": "source-verified",
    },
    {
        "id": "error-format-lines",
        "since": "2.3.0",
        "title": "Load errors name the line",
        "description": (
            "Fatal errors read 'Failed to load config. Error: at line #L<n>: ...' (malformed line, failed "
            "to set value of field); the 'No config file specified' warning was reworded (match its prefix)."
        ),
        "refs": refs(1217),
        "evidence": "source-verified",
    },
    {
        "id": "unknown-key-warning",
        "since": "2.5.0",
        "title": "Unknown keys print a warning",
        "description": (
            "Unknown keys are still ignored but print WARNING: '<key>' at line <n> is not a valid "
            "configuration key. (stdout, lower-cased key, line -1 for flags); before 2.5.0 they were "
            "ignored silently."
        ),
        "refs": refs(1498),
        "evidence": "source-verified",
    },
    {
        "id": "block-cache-size-shared",
        "since": "2.6.0",
        "title": "rocksdb.block_cache_size supersedes separate metadata/subkey caches",
        "description": (
            "rocksdb.share_metadata_and_subkey_block_cache is ignored; metadata_/subkey_block_cache_size "
            "are used only when rocksdb.block_cache_size is 0 (shipped conf sets 4096)."
        ),
        "refs": refs(1549),
        "evidence": "source-verified",
    },
    {
        "id": "rewrite-non-defaults-only",
        "since": "2.7.0",
        "title": "CONFIG REWRITE appends only non-default values",
        "description": (
            "Known keys absent from the file are appended only when they differ from the code default "
            "(#1882), escaped (#1880). Files rewritten by 2.6.0 or older pin every default (hazard H7)."
        ),
        "refs": refs(1882, 1880),
        "evidence": "source-verified",
    },
    {
        "id": "rewrite-every-start",
        "since": "2.7.0",
        "title": "Config file rewritten at every start",
        "description": (
            "2.7.0 and 2.8.0 rewrite the config file at every start with a config file (#1776): read-only "
            "mounts fail with 'rename file encounter error', inline comments are lost and CLI overrides "
            "are baked in (hazard H16). Narrowed in 2.9.0 (see rewrite-startup-narrowed)."
        ),
        "refs": refs(1776),
        "evidence": "source-verified",
    },
    {
        "id": "repl-namespace-one-way",
        "since": "2.7.0",
        "title": "repl-namespace-enabled moves namespaces into the DB, one way",
        "description": (
            "With repl-namespace-enabled yes, namespace tokens live in the DB; file lines are merged then "
            "removed by a startup rewrite. Once namespaces exist in the DB the option cannot be switched "
            "off (cannot switch off repl_namespace_enabled when namespaces exist in db)."
        ),
        "refs": refs(1776),
        "evidence": "source-verified",
    },
    {
        "id": "analyze-command-only-2-8",
        "since": "2.8.0",
        "title": "ANALYZE exists only in 2.8.0",
        "description": (
            "ANALYZE was added (#1943) and removed again before 2.9.0 (#2220); rename-command or "
            "profiling-sample-commands naming it is fatal elsewhere."
        ),
        "refs": refs(1943, 2220),
        "evidence": "source-verified",
    },
    {
        "id": "compaction-checker-range-cron",
        "since": "2.9.0",
        "title": "compaction-checker-range validated as cron hours",
        "description": (
            "compaction-checker-range must be hours 0-23 with start < stop (0-24 or equal bounds are "
            "fatal), and setting it together with compaction-checker-cron is fatal. Convert to "
            "compaction-checker-cron '* A-B * * *' (hazard H9)."
        ),
        "refs": refs(2383),
        "evidence": "source-verified",
    },
    {
        "id": "cron-lists-ranges",
        "since": "2.9.0",
        "title": "Cron fields accept lists, ranges and steps",
        "description": "compact-cron, bgsave-cron and the other cron options accept lists, ranges and steps.",
        "refs": refs(2377, 2360),
        "evidence": "source-verified",
    },
    {
        "id": "rewrite-startup-narrowed",
        "since": "2.9.0",
        "title": "Startup rewrite only for namespace migration",
        "description": (
            "The startup rewrite happens only when the file has namespace.* lines and "
            "repl-namespace-enabled yes, and not in cluster mode."
        ),
        "refs": refs(2347, 2221),
        "evidence": "source-verified",
    },
    {
        "id": "dir-derived-paths",
        "since": "2.9.0",
        "title": "backup-dir and pidfile derived defaults shown; pinned only when dir changes",
        "description": (
            "backup-dir and pidfile defaults show /tmp/kvrocks/...; rewrites pin them only when dir is not "
            "/tmp/kvrocks (up to 2.8.0 any rewrite pinned them, after which they no longer follow dir)."
        ),
        "refs": refs(2186),
        "evidence": "source-verified",
    },
    {
        "id": "rewrite-keeps-unit-suffix",
        "since": "2.10.0",
        "title": "CONFIG REWRITE keeps int-with-unit suffixes",
        "description": "proto-max-bulk-len values keep their k/m/g/t/p suffix when rewritten.",
        "refs": refs(2448),
        "evidence": "source-verified",
    },
    {
        "id": "row-cache-deleterange",
        "since": "2.10.0",
        "title": "Row cache breaks DeleteRange-based operations",
        "description": (
            "With rocksdb.row_cache_size > 0 the bundled RocksDB (9.6.1 in 2.10.0 onward) rejects "
            "DeleteRange, so FLUSHDB, FLUSHALL and slot migration fail on 2.10.0-2.12.x; older releases "
            "risk stale reads through the row cache (inferred). Treat a non-zero value as a blocker."
        ),
        "refs": ["facebook/rocksdb#12512", "facebook/rocksdb#12710", f"{K}2987"],
        "evidence": "inferred",
    },
    {
        "id": "config-get-glob",
        "since": "2.11.0",
        "title": "CONFIG GET accepts glob patterns",
        "description": "CONFIG GET matches glob patterns.",
        "refs": refs(2592),
        "evidence": "source-verified",
    },
    {
        "id": "deprecated-key-warning",
        "since": "2.13.0",
        "title": "Deprecated keys print a warning and do not take effect",
        "description": (
            "Keys in deprecated_fields_ (exactly rocksdb.row_cache_size in 2.13.0/2.14.0) are ignored "
            "with WARNING: '<key>' at line <n> is deprecated and does not take effect. (stdout); "
            "CONFIG GET returns nothing, CONFIG SET is refused, REWRITE keeps the line."
        ),
        "refs": refs(2989),
        "evidence": "source-verified",
    },
    {
        "id": "logging-spdlog",
        "since": "2.13.0",
        "title": "spdlog logging: log-dir lists, new format",
        "description": (
            "log-dir accepts dest[:level],... lists, log format and file names change, log-retention-days "
            "0 means disabled (hazard H13). The shipped conf comments out log-dir stdout."
        ),
        "refs": refs(2881),
        "evidence": "source-verified",
    },
    {
        "id": "integers-from-chars",
        "since": "2.14.0",
        "title": "Integers: whole string, base 10 via std::from_chars",
        "description": (
            "Integers are parsed in base 10 again: 010 = 10, while 0x10 and a leading + are fatal "
            "(hazard H2). Assumed unchanged in 2.15.0-2.17.0."
        ),
        "refs": refs(3052),
        "evidence": "source-verified",
    },
    {
        "id": "log-dir-stdout",
        "since": "2.14.0",
        "title": "Unset log-dir logs to <dir> and stdout",
        "description": (
            "When log-dir is not set, logs go to <dir>,stdout instead of <dir> only. The fix may also be "
            "in 2.13.0 (possible cherry-pick)."
        ),
        "refs": refs(3085),
        "evidence": "source-verified",
    },
    {
        "id": "lua-strict-key-accessing",
        "since": "2.14.0",
        "title": "EVAL/FCALL run exclusively unless lua-strict-key-accessing yes",
        "description": (
            "With the default lua-strict-key-accessing no, EVAL/EVALSHA/FCALL run exclusively, a "
            "throughput change caused by an absent key (hazard H19)."
        ),
        "refs": refs(3155, 3139),
        "evidence": "source-verified",
    },
    {
        "id": "redis-databases-finish-checks",
        "since": "2.15.0",
        "title": "redis-databases rejected with namespaces or cluster mode",
        "description": (
            "finish() rejects redis-databases > 0 while any non-default namespace exists and together "
            "with cluster mode (cluster mode and redis-databases cannot be enabled at the same time)."
        ),
        "refs": refs(3294),
        "evidence": "release-notes",
    },
    {
        "id": "dictionary-compression",
        "since": "2.16.0",
        "title": "Dictionary compression settings (unconfirmed keys)",
        "description": (
            "2.16.0 adds RocksDB dictionary-compression settings; their key names and a possible change "
            "of the rocksdb.compression default are unconfirmed, so the matrix records no option for them."
        ),
        "refs": refs(3425),
        "evidence": "release-notes",
    },
    {
        "id": "redis-command-migration-removed",
        "since": "2.17.0",
        "title": "redis-command slot migration removed",
        "description": (
            "Slot migration always uses raw key-values (APPLYBATCH); against older targets it fails with "
            "destination node doesn't support the APPLYBATCH command. migrate-type, migrate-speed and "
            "migrate-pipeline-size are deprecated (loader treatment unknown)."
        ),
        "refs": refs(3544),
        "evidence": "release-notes",
    },
    {
        "id": "admin-only-debug-commands",
        "since": "2.17.0",
        "title": "Debug and cache commands admin-only; client commands namespace-scoped",
        "description": (
            "DEBUG, FLUSHMEMTABLE, FLUSHBLOCKCACHE and _db_name are admin-only (#3570); CLIENT "
            "LIST/INFO/KILL are scoped to the caller's namespace (#3536)."
        ),
        "refs": refs(3570, 3536),
        "evidence": "release-notes",
    },
]
