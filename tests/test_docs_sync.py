"""docs/TRANSFORMS.md and the transform registry list the same transforms (both directions)."""

from __future__ import annotations

import re
from pathlib import Path

from upgrader.registry import load_transforms


def documented(repo_root: Path) -> dict[str, str]:
    text = (repo_root / "docs" / "TRANSFORMS.md").read_text()
    return {m.group(1): m.group(2) for m in re.finditer(r"^### `([a-z0-9_]+)` \((hop|window|target)\)$", text, re.M)}


def test_every_transform_is_documented_and_vice_versa(repo_root: Path) -> None:
    registry = load_transforms()
    docs = documented(repo_root)
    assert set(docs) == set(registry), (set(docs) ^ set(registry))
    for name, stage in docs.items():
        assert registry[name].stage == stage, name


def test_every_transform_declares_safety_and_why() -> None:
    for name, t in load_transforms().items():
        assert t.safety in ("safe", "unsafe", "display"), name
        assert t.why and t.title and t.kind, name
