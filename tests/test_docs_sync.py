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


def test_reliability_page_names_only_tests_that_exist(repo_root: Path) -> None:
    """docs/RELIABILITY.md cites test files and test functions as proof: each must exist."""
    text = (repo_root / "docs" / "RELIABILITY.md").read_text(encoding="utf-8")
    files = set(re.findall(r"\btests/[\w/]+\.py\b", text))
    missing_files = sorted(f for f in files if not (repo_root / f).is_file())
    assert not missing_files, missing_files
    defined: set[str] = set()
    for path in (repo_root / "tests").rglob("*.py"):
        defined.update(re.findall(r"^\s*def (test_\w+)", path.read_text(encoding="utf-8"), re.M))
    named = set(re.findall(r"`(test_\w+)", text))
    assert named, "the page names no test"
    assert not sorted(named - defined), sorted(named - defined)


def test_every_output_format_module_is_registered_and_offered(repo_root: Path) -> None:
    """A module of upgrader/report/ that renders a whole run (``render``) is a format: it is in
    report.FORMATS, which is also what --format offers; nothing else is."""
    import ast

    from upgrader import cli, report

    renderers = set()
    for path in (repo_root / "upgrader" / "report").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(n, ast.FunctionDef) and n.name == "render" for n in tree.body):
            renderers.add(f"upgrader.report.{path.stem}")
    assert renderers == set(report.FORMATS.values())
    assert [f.value for f in cli.Format] == list(report.FORMATS)
