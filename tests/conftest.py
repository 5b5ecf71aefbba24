"""Shared fixtures: the repository root and the read-only reference data in ../shared/kvrocks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_dir(repo_root: Path) -> Path:
    """<repo>/../shared/kvrocks; skipped when absent, except under CI where it is mandatory."""
    path = (repo_root / ".." / "shared" / "kvrocks").resolve()
    if not (path / "options" / "index.json").is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("../shared is required under CI")
        pytest.skip(f"reference data not found at {path} (../shared/kvrocks next to the repo)")
    return path


@pytest.fixture(scope="session")
def kvrocks_bins() -> "dict[tuple[int, int, int], Path]":
    """Real Kvrocks binaries by release, decompressed once into <repo>/.cache/kvrocks-bin
    (tests/realbins.py); skipped when ../shared has none, except under CI where they are mandatory."""
    from tests.realbins import unpacked

    return unpacked()
