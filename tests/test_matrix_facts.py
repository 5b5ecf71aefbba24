"""The curated matrix facts (tools/facts/*.yaml) and how tools/build_matrix.py reads them.

Building from the YAML facts reproduces the committed version_matrix.yaml byte for byte, the YAML
is what the build reads (an edited fact shows up in the output), key order inside a facts file
does not matter, and a malformed or stale facts file stops the build (exit 3) with an error that
names the file, the line and the entry, leaving the output file untouched. Tests that build the
whole matrix need ../shared/kvrocks (the `shared_dir` fixture: skipped without it, failed under CI).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType


import jsonschema
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
TOOLS = REPO_ROOT / "tools"
FACTS = TOOLS / "facts"
MATRIX_PATH = REPO_ROOT / "version_matrix.yaml"
BUILD_FAILED_ON_FACTS = 3


@pytest.fixture(scope="module")
def build() -> ModuleType:
    # tools/ is not a package (and not in the wheel); load the script as a module.
    spec = importlib.util.spec_from_file_location("build_matrix", TOOLS / "build_matrix.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def facts_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "facts"
    shutil.copytree(FACTS, copy)
    return copy


def edit(path: Path, old: str, new: str) -> int:
    """Replace the one occurrence of `old` in `path`; return its 1-based line."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def run_build(build: ModuleType, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = build.main(list(args))
    return code, capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# Schema and loading (no ../shared needed)
# ---------------------------------------------------------------------------------------------

def test_facts_schema_is_valid_draft_2020_12() -> None:
    schema = json.loads((TOOLS / "facts.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)


def test_facts_files_load_and_are_named_by_release(build: ModuleType) -> None:
    facts = build.load_facts(FACTS)
    files = sorted(p.stem for p in (FACTS / "releases").glob("*.yaml"))
    assert files and sorted(set(facts.sources) - {"general"}) == files
    # Spot checks that the YAML carries the curated content, not just its shape.
    assert facts.secret_options == {"requirepass", "masterauth", "tls-key-file-pass"}
    assert facts.releases_without_table["2.12.1"]["table"] == "2.12.0"
    assert "apache/kvrocks#2989" in facts.annotations["2.13.0"]["rocksdb.row_cache_size"]["refs"]
    assert facts.annotations["2.13.0"]["rocksdb.row_cache_size"]["fields"] == {"shipped": None}
    # One YAML alias serves the three migrate-* deprecations.
    reasons = {facts.hand_events[n][0]["reason"] for n in ("migrate-type", "migrate-speed", "migrate-pipeline-size")}
    assert len(reasons) == 1 and reasons.pop().startswith("#3544 removed redis-command slot migration")


# Each case: file, text to replace, replacement, what the message must name besides file and line.
MALFORMED: dict[str, tuple[str, str, str, str]] = {
    "bad reference": (
        "releases/2.13.0.yaml", "refs: [apache/kvrocks#2989, apache/kvrocks#2987]", "refs: [kvrocks-2989]",
        "annotations > rocksdb.row_cache_size > refs > [0]: 'kvrocks-2989' does not match",
    ),
    "unknown key in a behaviour": (
        "releases/2.13.0.yaml", "  - id: logging-spdlog\n", "  - id: logging-spdlog\n    colour: blue\n",
        "behaviours > [1] (logging-spdlog) > colour: Additional properties are not allowed ('colour' was unexpected)",
    ),
    "integer where the matrix needs a string": (
        "releases/2.15.0.yaml", '    default: "0"\n', "    default: 0\n",
        "hand_events > redis-databases > default: 0 is not of type 'string', 'null'",
    ),
    "unknown evidence level": (
        "releases/2.12.1.yaml", "  evidence: inferred\n", "  evidence: guessed\n",
        "no_table > evidence: 'guessed' is not one of",
    ),
    "annotation key misspelt": (
        "releases/2.0.0.yaml", '    reason: "Removed by #200', '    raeson: "Removed by #200',
        "annotations > repl-bind > raeson: Additional properties are not allowed ('raeson' was unexpected)",
    ),
    "duplicate option": (
        "releases/2.13.0.yaml", "  log-dir:\n", "  log-level:\n",
        'not valid YAML: while constructing a mapping found duplicate key "log-level"\n',
    ),
    "YAML syntax": (
        "releases/2.13.0.yaml", "    fields: {shipped: null}", "    fields: {shipped: null",
        "not valid YAML",
    ),
    "release field disagrees with the file name": (
        "releases/2.13.0.yaml", "release: 2.13.0\n", "release: 2.13.1\n",
        "release: says 2.13.1 but the file is named 2.13.0.yaml",
    ),
    "general file": (
        "general.yaml", "secret_options: [masterauth,", "secret_options: [7,",
        "secret_options > [0]: 7 is not of type 'string'",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_facts_file_names_file_line_and_entry(
        case: str, build: ModuleType, facts_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rel, old, new, expected = MALFORMED[case]
    line = edit(facts_copy / rel, old, new)
    out = tmp_path / "version_matrix.yaml"
    out.write_bytes(b"untouched\n")
    # Facts are loaded before the tables are looked for, so these need no ../shared.
    code, err = run_build(build, capsys, "--facts", str(facts_copy), "--shared", str(tmp_path / "none"),
                          "--output", str(out))
    assert code == BUILD_FAILED_ON_FACTS, err
    location = re.search(re.escape(str(facts_copy / rel)) + r":(\d+): ", err)
    assert location, err
    # The reported line is the edited one (a YAML syntax error may be noticed on the next line).
    assert int(location.group(1)) in (line, line + 1), err
    assert expected in err, err
    assert out.read_bytes() == b"untouched\n"


def test_a_stray_file_in_releases_is_refused(
        build: ModuleType, facts_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(facts_copy / "releases" / "2.13.0.yaml", facts_copy / "releases" / "2.13.0.yml")
    code, err = run_build(build, capsys, "--facts", str(facts_copy), "--output", str(tmp_path / "out.yaml"))
    assert code == BUILD_FAILED_ON_FACTS
    assert "2.13.0.yml: not a facts file" in err


# ---------------------------------------------------------------------------------------------
# Building from the facts (needs ../shared/kvrocks)
# ---------------------------------------------------------------------------------------------

def test_build_from_yaml_facts_reproduces_the_committed_matrix(
        build: ModuleType, shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "version_matrix.yaml"
    code, err = run_build(build, capsys, "--facts", str(FACTS), "--shared", str(shared_dir), "--output", str(out))
    assert code == 0, err
    assert out.read_bytes() == MATRIX_PATH.read_bytes(), "run .venv/bin/python tools/build_matrix.py"


def test_the_yaml_is_what_the_build_reads(
        build: ModuleType, shared_dir: Path, facts_copy: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    edit(facts_copy / "releases" / "2.5.1.yaml", "note: enum order only; same accepted names",
         "note: enum order only; same accepted names (edited)")
    out = tmp_path / "version_matrix.yaml"
    code, err = run_build(build, capsys, "--facts", str(facts_copy), "--shared", str(shared_dir), "--output", str(out))
    assert code == 0, err
    before = MATRIX_PATH.read_text(encoding="utf-8").splitlines()
    after = out.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after) and changed == [(
        '        note: "enum order only; same accepted names"',
        '        note: "enum order only; same accepted names (edited)"',
    )]


def test_key_order_in_a_facts_file_does_not_matter(
        build: ModuleType, shared_dir: Path, facts_copy: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    # Reviewers may reorder keys; the build fixes the output order itself.
    edit(facts_copy / "releases" / "2.14.0.yaml",
         "    refs: [apache/kvrocks#3052]\n    evidence: source-verified\n",
         "    evidence: source-verified\n    refs: [apache/kvrocks#3052]\n")
    edit(facts_copy / "general.yaml", "  - prefix: namespace.\n    secret: true\n",
         "  - secret: true\n    prefix: namespace.\n")
    out = tmp_path / "version_matrix.yaml"
    code, err = run_build(build, capsys, "--facts", str(facts_copy), "--shared", str(shared_dir), "--output", str(out))
    assert code == 0, err
    assert out.read_bytes() == MATRIX_PATH.read_bytes()


SEMANTIC: dict[str, tuple[str, str, str, str]] = {
    "stale annotation": (
        "releases/2.13.0.yaml", "  log-level:\n", "  log-levle:\n",
        "annotations > log-levle: matches no change in the 2.12.0 -> 2.13.0 tables",
    ),
    "removal without a summary": (
        "releases/2.0.0.yaml", "    summary: Codis compatibility was dropped\n", "",
        "annotations > codis-enabled: removed needs a summary",
    ),
    "unknown secret option": (
        "general.yaml", "secret_options: [masterauth, requirepass,", "secret_options: [masterauth, requirepas,",
        "secret_options > [1]: unknown option requirepas",
    ),
}


@pytest.mark.parametrize("case", sorted(SEMANTIC))
def test_facts_that_disagree_with_the_tables_name_file_and_entry(
        case: str, build: ModuleType, shared_dir: Path, facts_copy: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    rel, old, new, expected = SEMANTIC[case]
    line = edit(facts_copy / rel, old, new)
    out = tmp_path / "version_matrix.yaml"
    code, err = run_build(build, capsys, "--facts", str(facts_copy), "--shared", str(shared_dir), "--output", str(out))
    assert code == BUILD_FAILED_ON_FACTS, err
    location = re.search(re.escape(str(facts_copy / rel)) + r":(\d+): ", err)
    assert location, err
    if new:  # a deleted line is reported at its entry, which starts above it
        assert int(location.group(1)) == line, err
    assert expected in err, err
    assert not out.exists()
