"""The README's library example runs as written; its commands name real options."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest


def blocks(readme: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", readme, re.S)


def test_library_example_runs(repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    readme = (repo_root / "README.md").read_text()
    (code,) = [b for b in blocks(readme, "python") if "import upgrader" in b]
    (tmp_path / "kvrocks.conf").write_text("port 6666\nrocksdb.row_cache_size 1024\n")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "rocksdb.row_cache_size" in out and "deprecated" in out
    assert (tmp_path / "kvrocks.conf").read_text().startswith("port 6666\n# kvupgrade: rocksdb.row_cache_size 1024")
    assert [p.name for p in tmp_path.glob("*.kvupgrade.bak")]


def test_first_two_commands_are_the_newcomer_commands(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text()
    first = blocks(readme, "sh")[0].strip().splitlines()
    assert len(first) == 2
    assert "kvupgrade plan" in first[0] and "examples/fleet" in first[0]
    assert "pytest" in first[1]
    ci = (repo_root / ".ci" / "run").read_text()
    assert first[1] in ci  # .ci/run calls the README's test command
    for path in re.findall(r"examples/fleet\S*", first[0]):
        assert os.path.exists(repo_root / path), path


def test_readme_ansible_example_uses_documented_options(repo_root: Path) -> None:
    import sys

    from ruamel.yaml import YAML

    readme = (repo_root / "README.md").read_text()
    (play,) = [b for b in blocks(readme, "yaml") if "config_upgrade" in b]
    tasks = YAML(typ="safe").load(play)[0]["tasks"]
    args = next(t["kvupgrade.kvrocks.config_upgrade"] for t in tasks if "kvupgrade.kvrocks.config_upgrade" in t)
    sys.path.insert(0, str(repo_root / "ansible_collections" / "kvupgrade" / "kvrocks" / "plugins" / "modules"))
    try:
        import config_upgrade  # the module file holds the argument spec
    finally:
        sys.path.pop(0)
    assert set(args) <= set(config_upgrade.ARGUMENT_SPEC), set(args) - set(config_upgrade.ARGUMENT_SPEC)
