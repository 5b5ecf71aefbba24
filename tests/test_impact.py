"""Resource model and per-finding impact, checked to the megabyte against hand calculations.

Hand calculations use the formulas of docs/IMPACT.md: block cache (block_cache_size, or
metadata + subkey when it is 0 / before 2.6.0) + row cache + write_buffer_size x
max_write_buffer_number x column families (5 up to 2.1.0, 6 from 2.2.0 with stream,
7 from 2.9.0 with search).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from upgrader.api import plan_source_text
from upgrader.findings import Plan
from upgrader.impact import measured
from upgrader.impact.columns import column_families
from upgrader.planner import plan_text
from upgrader.report import text as text_report
from upgrader.report.jsonout import plan_to_dict

MINIMAL = "port 6666\nbind 0.0.0.0\ndir /data\n"  # a generated config: everything else is code defaults


def finding(plan: Plan, option: str):  # type: ignore[no-untyped-def]
    hits = [f for f in plan.findings if f.option == option]
    assert hits, f"no finding on {option}: {[f.option for f in plan.findings]}"
    return hits[0]


def conf_value(text: str, key: str) -> int:
    """The value the shipped conf sets (so the hand calculation below is tied to the file)."""
    m = re.search(rf"^{re.escape(key)} (\S+)$", text, re.M)
    assert m, key
    return int(m.group(1))


@pytest.fixture(scope="module")
def row_cache_conf(shared_dir: Path) -> str:
    text = (shared_dir / "confs" / "2.12.0.conf").read_text()
    assert text.count("\nrocksdb.row_cache_size 0\n") == 1
    return text.replace("\nrocksdb.row_cache_size 0\n", "\nrocksdb.row_cache_size 1024\n")


def test_row_cache_case_to_the_megabyte(row_cache_conf: str) -> None:
    # Hand calculation from the shipped 2.12.0 conf.
    block = conf_value(row_cache_conf, "rocksdb.block_cache_size")
    wbs = conf_value(row_cache_conf, "rocksdb.write_buffer_size")
    wbn = conf_value(row_cache_conf, "rocksdb.max_write_buffer_number")
    assert (block, wbs, wbn) == (4096, 64, 4)
    buffers = 64 * 4 * 7  # 7 column families on 2.12.1 and 2.13.0
    before, after = 4096 + 1024 + buffers, 4096 + 0 + buffers
    assert (buffers, before, after) == (1792, 6912, 5888)

    plan = plan_text(row_cache_conf, from_="2.12.1", to="2.13.0")
    imp = plan.impact
    assert imp is not None and imp["schema"] == "kvupgrade/impact/v1"
    assert imp["memory_mb"] == {"before": 6912, "after": 5888, "delta": -1024}
    items = {q["id"]: q["value"] for q in imp["before"]["memory"]["items"]}
    assert items == {"block_cache": 4096, "row_cache": 1024, "write_buffers": 1792}
    items = {q["id"]: q["value"] for q in imp["after"]["memory"]["items"]}
    assert items == {"block_cache": 4096, "row_cache": 0, "write_buffers": 1792}
    assert imp["advice"][0] == ("row cache 1024 MB released; to keep the memory budget add it to"
                                " rocksdb.block_cache_size (4096 → 5120)")
    assert [c["id"] for c in imp["changes"] if c["area"] == "memory"] == ["row_cache"]

    f = finding(plan, "rocksdb.row_cache_size").impact
    assert f["resource"] == "memory" and f["direction"] == "down"
    assert f["magnitude"] == {"mb": -1024} and f["quantitative"] is True
    assert "4096 → 5120" in f["text"]
    assert any(c["basis"] == "config" for c in f["claims"])
    read_claims = [c for c in f["claims"] if c["basis"] != "config"]
    assert read_claims and all(c["basis"] == "qualitative" or c["basis"].startswith(measured.README + "#rowcache-")
                               for c in read_claims)


def test_row_cache_still_ignored_when_the_line_is_kept(row_cache_conf: str) -> None:
    # Even if the fix is deselected, 2.13.0 ignores the key: the model counts 0 MB.
    from upgrader.settings import Settings

    plan = plan_text(row_cache_conf, from_="2.12.1", to="2.13.0", settings=Settings(ignore=frozenset({"comment_out"})))
    assert plan.impact["memory_mb"]["after"] == 5888
    row = next(q for q in plan.impact["after"]["memory"]["items"] if q["id"] == "row_cache")
    assert "deprecated in 2.13.0" in row["formula"]


def test_minimal_config_2_13_to_2_14() -> None:
    # Code defaults both sides: block_cache_size 0 -> metadata 2048 + subkey 2048 = 4096 MB;
    # row cache 0; write buffers 64 x 4 x 7 = 1792 MB; total 5888 MB, unchanged.
    plan = plan_text(MINIMAL, from_="2.13.0", to="2.14.0")
    imp = plan.impact
    assert imp["memory_mb"] == {"before": 5888, "after": 5888, "delta": 0}
    block = next(q for q in imp["after"]["memory"]["items"] if q["id"] == "block_cache")
    assert block["value"] == 4096 and "metadata 2048 + subkey 2048" in block["formula"]
    assert imp["advice"] == []
    changed = {(c["area"], c["id"]): (c["before"], c["after"]) for c in imp["changes"]}
    assert changed[("compaction", "dynamic_level_bytes")] == (False, True)  # default flip no -> yes (#3144)
    assert changed[("throughput", "scripts_exclusive")] == (False, True)  # lua-strict-key-accessing no (#3155)
    dyn = finding(plan, "rocksdb.level_compaction_dynamic_level_bytes").impact
    assert dyn["resource"] == "compaction"
    assert "Level sizing turns dynamic" in dyn["text"]
    assert "(was static: L1 256 MB, x10 per level)" in dyn["text"]  # 268435456 bytes, multiplier 10
    wa = measured.ratio("dynlevel", "write_amp")
    assert dyn["cites"] == [measured.cite("dynlevel")] and f"write amplification {wa:.2f}x" in dyn["text"]
    assert dyn["direction"] == "none"  # the measured ratio (1.02x) is inside the noise band


def test_minimal_config_2_5_1_to_2_6_0() -> None:
    # 2.5.1: metadata 2048 + subkey 2048 (shared) = 4096; 6 column families: 64 x 4 x 6 = 1536.
    # 2.6.0: block_cache_size default 0 -> the same pair, 4096; max-io-mb 500 -> 0 (unlimited, #1713).
    plan = plan_text(MINIMAL, from_="2.5.1", to="2.6.0")
    imp = plan.impact
    assert imp["memory_mb"] == {"before": 4096 + 1536, "after": 4096 + 1536, "delta": 0}
    io = finding(plan, "max-io-mb").impact
    assert io["direction"] == "up" and io["magnitude"] == {"limit_before": "500 MB/s", "limit_after": "unlimited"}
    sub = finding(plan, "rocksdb.max_sub_compactions").impact
    assert sub["magnitude"] == {"threads": 1} and sub["direction"] == "up"  # 1 -> 2 subcompactions (#1664)


def test_column_family_added_grows_the_budget() -> None:
    # 2.8.0 -> 2.9.0: the search column family (counted from 2.9.0) adds 64 x 4 = 256 MB of write buffers.
    assert [len(column_families(v)) for v in [(2, 1, 0), (2, 2, 0), (2, 8, 0), (2, 9, 0)]] == [5, 6, 6, 7]
    plan = plan_text(MINIMAL, from_="2.8.0", to="2.9.0")
    imp = plan.impact
    assert imp["memory_mb"]["delta"] == 256
    assert imp["advice"] == ["memory budget grows by 256 MB (write buffers (memtables) 1536 MB → 1792 MB);"
                             " check the host has room"]
    assert any("2.8.0 may already have the 'search' column family" in n for n in imp["before"]["notes"])


def test_row_cache_with_split_block_caches_suggests_block_cache_size() -> None:
    plan = plan_text(MINIMAL + "rocksdb.row_cache_size 512\n", from_="2.12.1", to="2.13.0")
    assert plan.impact["memory_mb"] == {"before": 4096 + 512 + 1792, "after": 4096 + 1792, "delta": -512}
    assert plan.impact["advice"][0] == ("row cache 512 MB released; to keep the memory budget set"
                                        " rocksdb.block_cache_size 4608 (it replaces the metadata + subkey caches,"
                                        " 4096 MB)")


def test_share_flag_before_2_6_and_ignored_pair_after() -> None:
    old = plan_text(MINIMAL + "rocksdb.share_metadata_and_subkey_block_cache no\nrocksdb.metadata_block_cache_size"
                    " 1024\n", from_="2.5.1", to="2.5.1")
    block = next(q for q in old.impact["before"]["memory"]["items"] if q["id"] == "block_cache")
    assert block["value"] == 1024 + 2048 and "two caches" in block["formula"]
    new = plan_text(MINIMAL + "rocksdb.block_cache_size 8192\nrocksdb.subkey_block_cache_size 100\n",
                    from_="2.12.1", to="2.12.1")
    assert new.impact["memory_mb"]["after"] == 8192 + 1792
    assert any("rocksdb.subkey_block_cache_size ignored" in n for n in new.impact["after"]["notes"])


def test_migrate_type_default_flip_is_qualitative() -> None:
    plan = plan_text(MINIMAL, from_="2.12.1", to="2.13.0")
    imp = finding(plan, "migrate-type").impact
    assert imp["quantitative"] is False and imp["resource"] == "migration"
    assert "redis-command (limit 4096 keys/s) to raw-key-value (limit 16 MB/s)" in imp["text"]
    assert any(c["basis"] == "qualitative" for c in imp["claims"])


@pytest.mark.parametrize("version", ["2.0.4", "2.5.1", "2.8.0", "2.10.1", "2.12.0", "2.13.0"])
def test_every_finding_has_a_sourced_impact(shared_dir: Path, version: str) -> None:
    plan = plan_text((shared_dir / "confs" / f"{version}.conf").read_text(), from_=version, to="2.14.0")
    assert plan.findings
    allowed = {"config", "qualitative"} | {measured.cite(i) for i in measured.IDS}
    for f in plan.findings:
        imp = f.impact
        assert imp is not None, f.id
        assert imp["direction"] in ("up", "down", "none")
        assert imp["text"] and imp["claims"]
        assert all(c["basis"] in allowed for c in imp["claims"]), imp["claims"]
        if imp["quantitative"]:
            assert imp["magnitude"], f.id
    assert plan.impact["memory_mb"]["before"] > 0


def test_json_and_text_carry_impact(row_cache_conf: str) -> None:
    plan = plan_source_text(row_cache_conf, from_="2.12.1", to="2.13.0", path="kvrocks.conf")
    d = plan_to_dict(plan)
    assert d["impact"]["memory_mb"]["delta"] == -1024
    assert all("impact" in x for x in d["findings"])
    f = {"status": "changed", "path": "kvrocks.conf", "written": False, "backup": None, **d}
    plain = text_report.render_file(f, "plan", colour=False)
    assert "Impact: memory budget 6912 MB -> 5888 MB (-1024 MB)" in plain
    assert "advice: row cache 1024 MB released" in plain
    assert "\033[" not in plain
    assert "\033[" in text_report.render_file(f, "plan", colour=True)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_cli_text_and_json_show_impact(tmp_path: Path, row_cache_conf: str, fmt: str) -> None:
    p = tmp_path / "kvrocks.conf"
    p.write_text(row_cache_conf)
    r = subprocess.run([sys.executable, "-m", "upgrader", "plan", "--from", "2.12.1", "--to", "2.13.0", "--format",
                        fmt, str(p)], capture_output=True, text=True, timeout=60, env={**os.environ, "NO_COLOR": "1"})
    assert r.returncode == 3, r.stderr
    if fmt == "json":
        f = json.loads(r.stdout)["files"][0]
        assert f["impact"]["memory_mb"] == {"before": 6912, "after": 5888, "delta": -1024}
        row = next(x for x in f["findings"] if x["option"] == "rocksdb.row_cache_size")
        assert row["impact"]["magnitude"] == {"mb": -1024}
    else:
        assert "Impact: memory budget 6912 MB -> 5888 MB (-1024 MB)" in r.stdout
        assert "\033[" not in r.stdout  # not a TTY: no colour
