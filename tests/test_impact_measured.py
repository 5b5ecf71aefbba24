"""Benchmark citations: every cited id is a heading of benchmarks/rocksdb/README.md, and the
ratios kvupgrade prints are exactly those in benchmarks/rocksdb/results.json."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from upgrader.impact import measured


def test_measured_table_only_uses_known_ids() -> None:
    assert set(measured.MEASURED) <= set(measured.IDS)
    assert set(measured.PATHS) <= set(measured.IDS)
    for id_, metrics in measured.MEASURED.items():
        assert set(metrics) <= set(measured.PATHS[id_]), id_


def test_transcription_matches_results_json(repo_root: Path) -> None:
    path = repo_root / "benchmarks" / "rocksdb" / "results.json"
    if not path.exists():
        assert not measured.MEASURED, "MEASURED has numbers but benchmarks/rocksdb/results.json is missing"
        pytest.skip("benchmarks/rocksdb/results.json not produced yet: impact claims stay qualitative")
    assert measured.extract(json.loads(path.read_text())) == measured.MEASURED


def test_cited_ids_are_readme_headings(repo_root: Path) -> None:
    readme = repo_root / "benchmarks" / "rocksdb" / "README.md"
    if not readme.exists():
        pytest.skip("benchmarks/rocksdb/README.md not written yet: the cited headings cannot be checked")
    headings = {re.sub(r"[^a-z0-9 -]", "", h.strip().lower()).replace(" ", "-")
                for h in re.findall(r"^#+\s+(.+)$", readme.read_text(), re.M)}
    missing = [i for i in measured.MEASURED if i not in headings]
    assert not missing, f"cited but not a heading of {readme}: {missing}"
