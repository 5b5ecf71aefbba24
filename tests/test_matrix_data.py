"""Data tests for version_matrix.yaml.

(a) schema validity, (b) the folded option histories reproduce every upstream option table,
(c) every difference between consecutive tables is an event of the later release and no event is
invented, (d) references, reasons, renames and evidence levels, (e) regeneration is byte-identical.
Tests that read ../shared/kvrocks use the `shared_dir` fixture (tests/conftest.py): skipped when the
directory is missing, failed under CI=true.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import jsonschema
import pytest
from ruamel.yaml import YAML

REPO_ROOT = Path(__file__).resolve().parent.parent
MATRIX_PATH = REPO_ROOT / "version_matrix.yaml"
SCHEMA_PATH = REPO_ROOT / "upgrader" / "version_matrix.schema.json"

DOMAIN = ("type", "default", "min", "max", "enum_values", "readonly", "unit", "ifdef",
          "accepted_suffixes", "shipped")
TABLE_KEY = {field: field for field in DOMAIN} | {"shipped": "shipped_conf_value"}
CHANGE_FIELDS = ("status",) + DOMAIN
HAND_RELEASES = ("2.15.0", "2.16.0", "2.17.0")


def vkey(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def fold(history: list[dict[str, Any]], version: str) -> Optional[dict[str, Any]]:
    """State at `version`: merge of entries with since <= version; None if absent or removed."""
    state: dict[str, Any] = {}
    for entry in history:
        if vkey(entry["since"]) <= vkey(version):
            state.update({k: entry[k] for k in CHANGE_FIELDS if k in entry})
    if not state or state.get("status") == "removed":
        return None
    return state


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def matrix() -> dict[str, Any]:
    return YAML(typ="safe").load(MATRIX_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def options(matrix: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["name"]: o for o in matrix["options"]}


@pytest.fixture(scope="module")
def index(shared_dir: Path) -> dict[str, Any]:
    return json.loads((shared_dir / "options" / "index.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tables(shared_dir: Path, index: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    out = {}
    for entry in index["versions"]:
        rows = json.loads((shared_dir / "options" / entry["options_file"]).read_text(encoding="utf-8"))
        out[entry["version"]] = {row["name"]: row for row in rows}
    return out


@pytest.fixture(scope="module")
def deprecated_keys(index: dict[str, Any]) -> dict[str, set[str]]:
    return {e["version"]: set(e.get("deprecated_keys") or []) for e in index["versions"]}


def table_releases(matrix: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in matrix["releases"] if r["table"] is not None]


# ---------------------------------------------------------------------------------------------
# (a) schema and structure
# ---------------------------------------------------------------------------------------------

def test_schema_is_valid_draft_2020_12() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)


def test_matrix_validates_against_schema(matrix: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(matrix), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message[:300]}" for e in errors[:20])
    # The shipped matrix carries every section (the schema leaves them optional for overlays).
    assert {"behaviours", "patterns", "options"} <= set(matrix)


def test_schema_rejects_unknown_fields(matrix: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    bad = json.loads(json.dumps(matrix))
    bad["options"][0]["history"][0]["colour"] = "blue"
    assert not validator.is_valid(bad)
    bad = json.loads(json.dumps(matrix))
    bad["releases"][0]["integers"] = "base16"
    assert not validator.is_valid(bad)
    bad = json.loads(json.dumps(matrix))
    bad["options"][0]["history"].append({"since": "2.17.0", "evidence": "inferred"})  # empty event
    assert not validator.is_valid(bad)


def test_releases_sorted_and_unique(matrix: dict[str, Any]) -> None:
    versions = [r["version"] for r in matrix["releases"]]
    assert versions == sorted(versions, key=vkey)
    assert len(versions) == len(set(versions))


def test_options_sorted_lowercase_unique(matrix: dict[str, Any]) -> None:
    names = [o["name"] for o in matrix["options"]]
    assert names == sorted(names)
    assert len(names) == len(set(names))
    assert all(n == n.lower() for n in names)


def test_histories_well_formed(matrix: dict[str, Any]) -> None:
    known = {r["version"] for r in matrix["releases"]}
    problems = []
    for option in matrix["options"]:
        name, history = option["name"], option["history"]
        sinces = [e["since"] for e in history]
        if sinces != sorted(sinces, key=vkey) or len(set(sinces)) != len(sinces):
            problems.append(f"{name}: since not strictly ascending: {sinces}")
        state: dict[str, Any] = {}
        for i, entry in enumerate(history):
            if entry["since"] not in known:
                problems.append(f"{name} {entry['since']}: not a release in `releases`")
            starts = i == 0 or state.get("status") == "removed"
            if starts and entry.get("status") != "removed":
                # First entry and re-activations carry the full domain.
                missing = [f for f in ("status",) + DOMAIN if f not in entry]
                if missing or entry["status"] not in ("active", "deprecated"):
                    problems.append(f"{name} {entry['since']}: (re)activation lacks {missing}")
            elif i > 0:
                changed = [f for f in CHANGE_FIELDS if f in entry and entry[f] != state.get(f)]
                same = [f for f in CHANGE_FIELDS if f in entry and entry[f] == state.get(f)]
                if not changed and "renamed_to" not in entry:
                    problems.append(f"{name} {entry['since']}: empty event")
                if same:
                    problems.append(f"{name} {entry['since']}: fields restate the old value: {same}")
            if entry.get("status") == "removed" and set(entry) & set(DOMAIN):
                problems.append(f"{name} {entry['since']}: removal carries domain fields")
            state.update({k: entry[k] for k in CHANGE_FIELDS if k in entry})
    assert not problems, "\n".join(problems)


def test_release_eras(matrix: dict[str, Any]) -> None:
    # README sections 4 and 5: one expected value per era boundary.
    expected = {
        "1.3.0": ("legacy", "prefix10", "silent", "none", False, "none"),
        "2.0.2": ("legacy", "prefix10", "silent", "none", False, "per-line"),
        "2.1.0": ("legacy", "prefix10", "silent", "none", False, "last-wins"),
        "2.2.0": ("quoted", "strict10", "silent", "none", True, "multi"),
        "2.3.0": ("quoted", "base0", "silent", "none", True, "multi"),
        "2.5.0": ("quoted", "base0", "warn", "none", True, "multi"),
        "2.12.1": ("quoted", "base0", "warn", "none", True, "multi"),
        "2.13.0": ("quoted", "base0", "warn", "warn", True, "multi"),
        "2.14.0": ("quoted", "from_chars10", "warn", "warn", True, "multi"),
        "2.17.0": ("quoted", "from_chars10", "warn", "warn", True, "multi"),
    }
    releases = {r["version"]: r for r in matrix["releases"]}
    keys = ("grammar", "integers", "unknown_keys", "deprecated_keys", "cli_flags", "rename_command")
    for version, values in expected.items():
        assert tuple(releases[version][k] for k in keys) == values, version


# ---------------------------------------------------------------------------------------------
# (b) fold vs tables
# ---------------------------------------------------------------------------------------------

def test_releases_cover_all_tables(matrix: dict[str, Any], index: dict[str, Any]) -> None:
    versions = {r["version"]: r for r in matrix["releases"]}
    with_table = {e["version"] for e in index["versions"]}
    without = {e["version"] for e in index["releases_without_table"]}
    assert set(versions) == with_table | without
    for v in with_table:
        assert versions[v]["table"] == v
    assert versions["2.12.1"]["table"] == "2.12.0"
    for v in HAND_RELEASES:
        assert versions[v]["table"] is None


def test_fold_reproduces_every_table(matrix, options, tables, deprecated_keys) -> None:
    problems = []
    for release in table_releases(matrix):
        version, table = release["version"], tables[release["table"]]
        deprecated = deprecated_keys[release["table"]]
        folded = {n: s for n, o in options.items() if (s := fold(o["history"], version)) is not None}
        if set(folded) != set(table) | deprecated:
            problems.append(
                f"{version}: names differ: matrix-only {sorted(set(folded) - set(table) - deprecated)}, "
                f"table-only {sorted(set(table) | deprecated - set(folded))}"
            )
        marked = {n for n, s in folded.items() if s["status"] == "deprecated"}
        if marked != deprecated:
            problems.append(f"{version}: deprecated {sorted(marked)} != index {sorted(deprecated)}")
        for name, row in table.items():
            state = folded.get(name)
            if state is None:
                continue
            for field in DOMAIN:
                if state.get(field) != row[TABLE_KEY[field]]:
                    problems.append(
                        f"{version} {name}.{field}: matrix {state.get(field)!r} != table {row[TABLE_KEY[field]]!r}"
                    )
    assert not problems, "\n".join(problems[:50])


# ---------------------------------------------------------------------------------------------
# (c) every table difference is an event of the later release, and nothing else is
# ---------------------------------------------------------------------------------------------

def expected_changes(prev_t, prev_d, cur_t, cur_d) -> set[tuple[str, str]]:
    changes: set[tuple[str, str]] = set()
    for name in set(prev_t) | prev_d | set(cur_t) | cur_d:
        before = name in prev_t or name in prev_d
        after = name in cur_t or name in cur_d
        if not before and not after:
            continue
        if before != after:
            changes.add((name, "status"))
            if after and name in cur_t:
                changes.update((name, f) for f in DOMAIN)
            continue
        if (name in prev_d) != (name in cur_d):
            changes.add((name, "status"))
        if name in prev_t and name in cur_t:
            changes.update((name, f) for f in DOMAIN if prev_t[name][TABLE_KEY[f]] != cur_t[name][TABLE_KEY[f]])
    return changes


def matrix_changes(options, version: str, cur_t) -> set[tuple[str, str]]:
    changes: set[tuple[str, str]] = set()
    for name, option in options.items():
        for entry in option["history"]:
            if entry["since"] != version:
                continue
            for field in CHANGE_FIELDS:
                # Domain values of a key missing from the table (deprecated) are not table facts.
                if field in entry and (field == "status" or name in cur_t):
                    changes.add((name, field))
    return changes


def test_every_table_difference_is_an_event(matrix, options, tables, deprecated_keys) -> None:
    releases = table_releases(matrix)
    first = releases[0]
    first_names = {n for n, o in options.items() if o["history"][0]["since"] == first["version"]}
    assert first_names == set(tables[first["table"]])
    problems = []
    for prev, cur in zip(releases, releases[1:]):
        expected = expected_changes(tables[prev["table"]], deprecated_keys[prev["table"]],
                                    tables[cur["table"]], deprecated_keys[cur["table"]])
        actual = matrix_changes(options, cur["version"], tables[cur["table"]])
        if expected - actual:
            problems.append(f"{prev['version']} -> {cur['version']}: missing {sorted(expected - actual)}")
        if actual - expected:
            problems.append(f"{prev['version']} -> {cur['version']}: invented {sorted(actual - expected)}")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------
# (d) references, reasons, renames, evidence
# ---------------------------------------------------------------------------------------------

def test_every_later_event_has_refs(matrix: dict[str, Any]) -> None:
    missing = [
        f"{o['name']} {e['since']}"
        for o in matrix["options"]
        for e in o["history"][1:]
        if not (e.get("refs") or o.get("refs"))
    ]
    assert not missing


def test_table_pin_refs_name_the_release(matrix: dict[str, Any], index: dict[str, Any]) -> None:
    pins = {e["version"]: f"kvrocks-options-table {e['version']} (apache/kvrocks@{e['commit'][:8]})"
            for e in index["versions"]}
    bad = [
        f"{o['name']} {e['since']}: {ref}"
        for o in matrix["options"] for e in o["history"] for ref in e.get("refs", [])
        if ref.startswith("kvrocks-options-table") and ref != pins.get(e["since"])
    ]
    assert not bad, bad


def test_removals_deprecations_renames_and_default_flips_have_reasons(matrix: dict[str, Any]) -> None:
    missing = []
    for option in matrix["options"]:
        state: dict[str, Any] = {}
        for i, entry in enumerate(option["history"]):
            flip = i > 0 and state.get("status") != "removed" and "default" in entry
            if entry.get("status") in ("removed", "deprecated") and i > 0 or "renamed_to" in entry or flip:
                if not entry.get("reason"):
                    missing.append(f"{option['name']} {entry['since']}")
            state.update({k: entry[k] for k in CHANGE_FIELDS if k in entry})
    assert not missing, missing


def test_renames_point_to_active_options(matrix, options) -> None:
    renames = [(o["name"], e) for o in matrix["options"] for e in o["history"] if "renamed_to" in e]
    assert ("rocksdb.max_sub_compactions", "rocksdb.max_subcompactions", "2.10.0") in {
        (n, e["renamed_to"], e["since"]) for n, e in renames
    }
    for name, entry in renames:
        assert entry.get("status") == "removed", name
        target = options.get(entry["renamed_to"])
        assert target is not None, entry["renamed_to"]
        state = fold(target["history"], entry["since"])
        assert state is not None and state["status"] == "active", entry["renamed_to"]


def test_release_evidence(matrix: dict[str, Any]) -> None:
    releases = {r["version"]: r for r in matrix["releases"]}
    assert all(r.get("evidence") for r in matrix["releases"])
    assert releases["2.12.1"]["evidence"] == "inferred"
    for version in HAND_RELEASES:
        assert releases[version]["evidence"] == "release-notes"
    for version, release in releases.items():
        if release["table"] == version:
            assert release["evidence"] == "source-verified", version


def test_hand_entered_events_are_release_notes(matrix: dict[str, Any]) -> None:
    for option in matrix["options"]:
        for entry in option["history"]:
            if entry["since"] in HAND_RELEASES:
                assert entry["evidence"] == "release-notes", (option["name"], entry["since"])
            if entry.get("default", "") is None or entry.get("readonly", False) is None:
                # Unknown values are only allowed where the source was not read.
                assert entry["evidence"] == "release-notes", (option["name"], entry["since"])
    # No option events at 2.12.1.
    assert not [o["name"] for o in matrix["options"] for e in o["history"] if e["since"] == "2.12.1"]


def test_hand_entered_facts(options) -> None:
    rd = fold(options["redis-databases"]["history"], "2.15.0")
    assert rd is not None and rd["type"] == "int" and rd["default"] == "0" and rd["readonly"] is True
    assert fold(options["redis-databases"]["history"], "2.14.0") is None
    for name in ("max-replication-lag", "replication-send-timeout-ms"):
        first = options[name]["history"][0]
        assert (first["since"], first["type"], first["default"]) == ("2.15.0", "int", None)
        assert "default unconfirmed" in first["note"]
    assert fold(options["proto-max-bulk-len"]["history"], "2.15.0")["max"] == 18446744073709551615
    assert fold(options["proto-max-bulk-len"]["history"], "2.16.0")["max"] == 4294967296
    cobl = options["client-output-buffer-limit"]["history"][0]
    assert (cobl["since"], cobl["type"], cobl["default"]) == ("2.17.0", "string", None)
    for name in ("migrate-type", "migrate-speed", "migrate-pipeline-size"):
        last = options[name]["history"][-1]
        assert (last["since"], last["status"]) == ("2.17.0", "deprecated")
        assert "apache/kvrocks#3544" in last["refs"] and "loader treatment unknown" in last["note"]
        assert fold(options[name]["history"], "2.16.0")["status"] == "active"


@pytest.mark.parametrize(
    ("option", "since", "ref"),
    [
        ("rocksdb.row_cache_size", "2.13.0", "apache/kvrocks#2989"),
        ("rocksdb.row_cache_size", "2.13.0", "apache/kvrocks#2987"),
        ("rocksdb.max_sub_compactions", "2.10.0", "apache/kvrocks#2499"),
        ("rocksdb.max_sub_compactions", "2.6.0", "apache/kvrocks#1664"),
        ("max-io-mb", "2.6.0", "apache/kvrocks#1713"),
        ("redis-cursor-compatible", "2.10.0", "apache/kvrocks#2429"),
        ("resp3-enabled", "2.12.0", "apache/kvrocks#2746"),
        ("migrate-type", "2.13.0", "apache/kvrocks#2990"),
        ("rocksdb.level_compaction_dynamic_level_bytes", "2.14.0", "apache/kvrocks#3144"),
        ("migrate-batch-rate-limit-mb", "2.14.0", "apache/kvrocks#3228"),
        ("auto-resize-block-and-sst", "2.14.0", "apache/kvrocks#3136"),
        ("rocksdb.max_bytes_for_level_base", "2.13.0", "apache/kvrocks#3032"),
        ("rocksdb.level0_slowdown_writes_trigger", "2.13.0", "apache/kvrocks#3034"),
        ("log-level", "2.13.0", "apache/kvrocks#2881"),
        ("log-retention-days", "2.13.0", "apache/kvrocks#2881"),
        ("rocksdb.wal_ttl_seconds", "2.0.0", "apache/kvrocks#212"),
        ("db-name", "2.0.4", "apache/kvrocks#377"),
        ("rocksdb.read_options.async_io", "2.9.0", "apache/kvrocks#2308"),
        ("proto-max-bulk-len", "2.16.0", "apache/kvrocks#3419"),
    ],
)
def test_known_references(options, option: str, since: str, ref: str) -> None:
    entries = [e for e in options[option]["history"] if e["since"] == since]
    assert entries and ref in entries[0]["refs"]


def test_row_cache_deprecation(options) -> None:
    history = options["rocksdb.row_cache_size"]["history"]
    assert fold(history, "2.12.1")["status"] == "active"
    event = next(e for e in history if e["since"] == "2.13.0")
    assert event["status"] == "deprecated" and "DeleteRange" in event["reason"]
    assert fold(history, "2.14.0")["status"] == "deprecated"


def test_secrets(matrix, options) -> None:
    secret = {o["name"] for o in matrix["options"] if o["secret"]}
    assert {"requirepass", "masterauth", "tls-key-file-pass"} <= secret
    assert all(any(w in n for w in ("pass", "auth", "token", "secret")) for n in secret)
    namespace = [p for p in matrix["patterns"] if p["prefix"] == "namespace."]
    assert namespace and namespace[0]["secret"] is True


def test_required_behaviours(matrix: dict[str, Any]) -> None:
    expected = {
        "grammar-quoted": ("2.2.0", "apache/kvrocks#849"),
        "integers-strict": ("2.2.0", "apache/kvrocks#897"),
        "integers-base0": ("2.3.0", "apache/kvrocks#1159"),
        "integers-from-chars": ("2.14.0", "apache/kvrocks#3052"),
        "unknown-key-warning": ("2.5.0", "apache/kvrocks#1498"),
        "deprecated-key-warning": ("2.13.0", "apache/kvrocks#2989"),
        "cli-flags": ("2.2.0", "apache/kvrocks#1037"),
        "rename-command-last-wins": ("2.1.0", "apache/kvrocks#507"),
        "rename-command-multi": ("2.2.0", "apache/kvrocks#1047"),
        "namespace-case": ("2.1.0", "apache/kvrocks#642"),
        "compaction-checker-range-cron": ("2.9.0", "apache/kvrocks#2383"),
        "log-dir-stdout": ("2.14.0", "apache/kvrocks#3085"),
        "lua-strict-key-accessing": ("2.14.0", "apache/kvrocks#3155"),
        "redis-command-migration-removed": ("2.17.0", "apache/kvrocks#3544"),
        "dictionary-compression": ("2.16.0", "apache/kvrocks#3425"),
        "redis-databases-finish-checks": ("2.15.0", None),
        "repl-namespace-one-way": ("2.7.0", "apache/kvrocks#1776"),
        "rewrite-every-start": ("2.7.0", None),
    }
    behaviours = {b["id"]: b for b in matrix["behaviours"]}
    assert len(behaviours) == len(matrix["behaviours"])
    for bid, (since, ref) in expected.items():
        assert bid in behaviours, bid
        assert behaviours[bid]["since"] == since, bid
        if ref:
            assert ref in behaviours[bid]["refs"], bid
    for bid in ("dictionary-compression", "redis-command-migration-removed", "redis-databases-finish-checks"):
        assert behaviours[bid]["evidence"] == "release-notes"


# ---------------------------------------------------------------------------------------------
# (e) regeneration
# ---------------------------------------------------------------------------------------------

def test_regeneration_is_byte_identical(shared_dir: Path, repo_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "version_matrix.yaml"
    proc = subprocess.run(
        [sys.executable, str(repo_root / "tools" / "build_matrix.py"), "--shared", str(shared_dir),
         "--output", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == MATRIX_PATH.read_bytes(), (
        "version_matrix.yaml is stale: run .venv/bin/python tools/build_matrix.py"
    )
