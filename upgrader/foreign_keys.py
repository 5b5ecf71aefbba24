"""Keys of other projects that turn up in kvrocks.conf files (Redis, KeyDB, Dragonfly): curated
data (upgrader/data/foreign_keys.yaml, shipped in the wheel), not matrix facts, since no Kvrocks
release reads them. transforms/unknown_keys.py names them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "foreign_keys.yaml"
PROJECTS = {"redis": "Redis", "keydb": "KeyDB", "dragonfly": "Dragonfly"}


@lru_cache(maxsize=1)
def foreign_keys() -> dict[str, tuple[str, str]]:
    """key (lower-case) -> (project, what it does there)."""
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(DATA.read_text(encoding="utf-8"))
    return {k.lower(): (PROJECTS[p], what) for p, keys in data.items() for k, what in keys.items()}
