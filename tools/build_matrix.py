#!/usr/bin/env python3
"""Generate version_matrix.yaml from the upstream option tables plus the curated facts.

Inputs:  <shared>/options/index.json and <shared>/options/<version>.json (README section 2),
         tools/facts/*.yaml (references, reasons, hand-entered releases, behaviours; loaded and
         validated against tools/facts.schema.json by tools/matrix_facts.py).
Output:  version_matrix.yaml at the repository root (see docs/MATRIX.md).

Option histories are derived mechanically by diffing consecutive tables, so no table change can be
missed; annotations only decorate those events (and the build fails if one matches nothing).
The YAML is written by a tiny emitter of our own so the output is byte-stable and independent of
YAML library versions.

Usage: .venv/bin/python tools/build_matrix.py [--shared DIR] [--facts DIR] [--output FILE]
Exit codes: 0 written; 1 the tables are inconsistent; 2 the tables are missing;
3 a facts file is malformed or disagrees with the tables (the message names file, line, entry).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import jsonschema

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from matrix_facts import FACTS_DIR, GENERAL, MATRIX_SCHEMA, Facts, FactsError, load_facts, vkey  # noqa: E402

FORMAT = 1

# Domain fields of a history entry, in output order, mapped to the table key they come from.
DOMAIN_FIELDS: dict[str, str] = {
    "type": "type",
    "default": "default",
    "min": "min",
    "max": "max",
    "enum_values": "enum_values",
    "readonly": "readonly",
    "unit": "unit",
    "ifdef": "ifdef",
    "accepted_suffixes": "accepted_suffixes",
    "shipped": "shipped_conf_value",
}
ENTRY_KEY_ORDER = [
    "since", "status", *DOMAIN_FIELDS, "renamed_to", "summary", "reason", "note", "refs", "evidence", "impact",
]
ANNOTATION_KEYS = {"refs", "summary", "reason", "note", "renamed_to", "fields"}

class BuildError(Exception):
    pass


# ----------------------------------------------------------------------------------------------
# Release-level eras (README sections 4 and 5)
# ----------------------------------------------------------------------------------------------

def release_eras(version: str) -> dict[str, Any]:
    v = vkey(version)
    if v < (2, 1, 1):
        integers = "prefix10"
    elif v < (2, 3, 0):
        integers = "strict10"
    elif v < (2, 14, 0):
        integers = "base0"
    else:
        integers = "from_chars10"  # 2.15.0-2.17.0 assumed unchanged
    if v < (2, 0, 2):
        rename = "none"
    elif v < (2, 1, 0):
        rename = "per-line"
    elif v < (2, 2, 0):
        rename = "last-wins"
    else:
        rename = "multi"
    return {
        "grammar": "legacy" if v < (2, 2, 0) else "quoted",
        "integers": integers,
        "unknown_keys": "silent" if v < (2, 5, 0) else "warn",
        "deprecated_keys": "none" if v < (2, 13, 0) else "warn",
        "cli_flags": v >= (2, 2, 0),
        "rename_command": rename,
    }


def check_release_files(index: dict[str, Any], facts: Facts) -> None:
    """Every facts file names a release index.json knows; no_table exactly on the table-less ones."""
    with_table = {entry["version"] for entry in index["versions"]}
    indexed_extra = {r["version"] for r in index.get("releases_without_table", [])}
    problems = [
        *(f"{facts.where(v, 'no_table')}: {v} has an option table"
          for v in sorted(set(facts.releases_without_table) & with_table, key=vkey)),
        *(f"{facts.where(v, 'release')}: {v} is not a release in index.json"
          for v in sorted(set(facts.sources) - with_table - indexed_extra - {GENERAL}, key=vkey)),
        *(f"{facts.where(v)}: index.json lists {v} as a release without a table; its facts file "
          f"needs no_table (evidence, table, pin), date and notes"
          for v in sorted(indexed_extra - set(facts.releases_without_table), key=vkey)),
    ]
    if problems:
        raise FactsError("\n".join(problems))


def pin_ref(entry: dict[str, Any]) -> str:
    return f"kvrocks-options-table {entry['version']} (apache/kvrocks@{entry['commit'][:8]})"


def build_releases(index: dict[str, Any], facts: Facts) -> list[dict[str, Any]]:
    releases: list[dict[str, Any]] = []
    for entry in index["versions"]:
        version = entry["version"]
        eras = release_eras(version)
        expected_grammar = {"pre-2.2.0": "legacy", "2.2.0+": "quoted"}[entry["line_grammar"]]
        if eras["grammar"] != expected_grammar:
            raise BuildError(f"{version}: grammar era disagrees with index.json line_grammar")
        short = entry["commit"][:8]
        if entry["pin"] == "tag":
            pin = f"tag {entry['tag']} {short}"
        else:
            pin = f"{entry['pin']} {short} ({entry['commit_subject'].rsplit('(', 1)[-1].rstrip(')')})"
        rel = {
            "version": version,
            "date": facts.publication_dates.get(version, entry["commit_date"]),
            "evidence": "source-verified",
            "table": version,
            "pin": pin,
            **eras,
        }
        if version in facts.release_notes:
            rel["notes"] = facts.release_notes[version]
        releases.append(rel)
    for version, extra in facts.releases_without_table.items():
        releases.append({
            "version": version,
            "date": facts.publication_dates[version],
            "evidence": extra["evidence"],
            "table": extra["table"],
            "pin": extra["pin"],
            **release_eras(version),
            "notes": extra["notes"],
        })
    releases.sort(key=lambda r: vkey(r["version"]))
    return releases


# ----------------------------------------------------------------------------------------------
# Option histories
# ----------------------------------------------------------------------------------------------

def load_table(options_dir: Path, version: str) -> dict[str, dict[str, Any]]:
    rows = json.loads((options_dir / f"{version}.json").read_text(encoding="utf-8"))
    table = {row["name"]: row for row in rows}
    if len(table) != len(rows):
        raise BuildError(f"{version}.json has duplicate option names")
    for name in table:
        if name != name.lower():
            raise BuildError(f"{version}.json: option {name!r} is not lower-case")
    return table


def table_state(table: dict[str, Any], deprecated: list[str], name: str,
                previous: dict[str, Any] | None) -> dict[str, Any] | None:
    """State of one option at a table release: status plus domain fields, or None if absent."""
    if name in table:
        row = table[name]
        state = {field: row[key] for field, key in DOMAIN_FIELDS.items()}
        state["status"] = "deprecated" if name in deprecated else "active"
        return state
    if name in deprecated:
        # Deprecated keys are dropped from the tables; keep the last known domain.
        if previous is None:
            raise BuildError(f"deprecated key {name} has no earlier definition")
        return {**previous, "status": "deprecated"}
    return None


def apply_annotation(event: dict[str, Any], name: str, version: str,
                     used: set[tuple[str, str]], default_ref: str, facts: Facts) -> None:
    note = facts.annotations.get(version, {}).get(name)
    if note is None:
        event["refs"] = [default_ref]
        return
    used.add((version, name))
    # The schema already holds these; kept so the build never emits a key it does not know.
    unknown = set(note) - ANNOTATION_KEYS
    if unknown:
        raise FactsError(f"{facts.where(version, 'annotations', name)}: unknown keys {sorted(unknown)}")
    for field, value in note.get("fields", {}).items():
        if field not in DOMAIN_FIELDS:
            raise FactsError(f"{facts.where(version, 'annotations', name, 'fields')}: "
                             f"'fields' may only hold domain fields")
        event[field] = value
    for key in ("renamed_to", "summary", "reason", "note"):
        if key in note:
            event[key] = note[key]
    event["refs"] = list(note.get("refs") or [default_ref])


def derive_histories(options_dir: Path, index: dict[str, Any],
                     facts: Facts) -> dict[str, list[dict[str, Any]]]:
    versions = sorted(index["versions"], key=lambda e: vkey(e["version"]))
    histories: dict[str, list[dict[str, Any]]] = {}
    current: dict[str, dict[str, Any]] = {}  # name -> folded state (present options only)
    used: set[tuple[str, str]] = set()
    for entry in versions:
        version = entry["version"]
        table = load_table(options_dir, version)
        deprecated = list(entry.get("deprecated_keys") or [])
        default_ref = pin_ref(entry)
        names = sorted(set(current) | set(table) | set(deprecated))
        new_current: dict[str, dict[str, Any]] = {}
        for name in names:
            before = current.get(name)
            after = table_state(table, deprecated, name, before)
            if after is not None:
                # Annotated overrides (e.g. shipped of a deprecated key) become part of the state.
                after.update(facts.annotations.get(version, {}).get(name, {}).get("fields", {}))
                new_current[name] = after
            event: dict[str, Any] = {"since": version}
            if before is None and after is None:
                continue
            if before is None:
                event["status"] = after["status"]
                event.update({f: after[f] for f in DOMAIN_FIELDS})
            elif after is None:
                event["status"] = "removed"
            else:
                if after["status"] != before["status"]:
                    event["status"] = after["status"]
                for field in DOMAIN_FIELDS:
                    if after[field] != before[field]:
                        event[field] = after[field]
                if len(event) == 1:
                    continue  # unchanged
            apply_annotation(event, name, version, used, default_ref, facts)
            event["evidence"] = "source-verified"
            histories.setdefault(name, []).append(event)
        current = new_current
    stale = sorted(((v, n) for v, notes in facts.annotations.items() for n in notes if (v, n) not in used),
                   key=lambda vn: (vkey(vn[0]), vn[1]))
    if stale:
        tables = [e["version"] for e in versions]
        lines = []
        for version, name in stale:
            span = f"{tables[tables.index(version) - 1]} -> {version} tables" if version in tables[1:] \
                else f"tables (no {version} table with an earlier one)"
            lines.append(f"{facts.where(version, 'annotations', name)}: matches no change in the {span}")
        raise FactsError("annotations that match nothing (stale or misspelt):\n" + "\n".join(lines))
    return histories


def add_hand_events(histories: dict[str, list[dict[str, Any]]], facts: Facts) -> None:
    for name, events in facts.hand_events.items():
        history = histories.setdefault(name, [])
        for event in events:
            if history and vkey(event["since"]) <= vkey(history[-1]["since"]):
                raise FactsError(f"{facts.where(event['since'], 'hand_events', name)}: "
                                 f"not after the existing history (last event {history[-1]['since']})")
            history.append(dict(event))


def event_source(facts: Facts, name: str, event: dict[str, Any]) -> str:
    """Where the explanation of `event` belongs: its hand event, else an annotation in its release's file."""
    since = event["since"]
    hand = any(e["since"] == since for e in facts.hand_events.get(name, []))
    return facts.where(since, "hand_events" if hand else "annotations", name)


def check_events(histories: dict[str, list[dict[str, Any]]], facts: Facts) -> None:
    """Build-time guard for the curation rules (the tests repeat them on the output)."""
    for name, history in histories.items():
        state: dict[str, Any] | None = None
        for event in history:
            status = event.get("status")
            if status == "removed" or status == "deprecated" or "renamed_to" in event:
                if not event.get("reason"):
                    raise FactsError(f"{event_source(facts, name, event)}: {status or 'rename'} needs a reason")
                # The short form goes into the comment kvupgrade leaves in the file.
                if not event.get("summary"):
                    raise FactsError(f"{event_source(facts, name, event)}: {status or 'rename'} needs a summary")
            if state is not None and state.get("status") != "removed" and "default" in event \
                    and event.get("status") in (None, "active", "deprecated") \
                    and not event.get("reason"):
                raise FactsError(f"{event_source(facts, name, event)}: default change needs a reason")
            state = {**(state or {}), **event}


def order_entry(event: dict[str, Any]) -> dict[str, Any]:
    extra = set(event) - set(ENTRY_KEY_ORDER)
    if extra:
        raise BuildError(f"unexpected entry keys {sorted(extra)}")
    return {k: event[k] for k in ENTRY_KEY_ORDER if k in event}


def build_options(histories: dict[str, list[dict[str, Any]]], facts: Facts) -> list[dict[str, Any]]:
    listed = facts.sources[GENERAL].data["secret_options"]
    problems = [
        *(f"{facts.where(GENERAL, 'secret_options', listed.index(name))}: unknown option {name}"
          for name in sorted(facts.secret_options - set(histories))),
        *(f"{facts.where(GENERAL, 'option_refs', name)}: unknown option"
          for name in sorted(set(facts.option_refs) - set(histories))),
    ]
    if problems:
        raise FactsError("\n".join(problems))
    options = []
    for name in sorted(histories):
        option: dict[str, Any] = {"name": name, "secret": name in facts.secret_options}
        if name in facts.option_refs:
            option["refs"] = list(facts.option_refs[name])
        option["history"] = [order_entry(e) for e in histories[name]]
        options.append(option)
    return options


def build_matrix(shared: Path, facts: Facts | None = None) -> dict[str, Any]:
    facts = facts if facts is not None else load_facts()
    options_dir = shared / "options"
    index = json.loads((options_dir / "index.json").read_text(encoding="utf-8"))
    check_release_files(index, facts)
    histories = derive_histories(options_dir, index, facts)
    add_hand_events(histories, facts)
    check_events(histories, facts)
    matrix = {
        "format": FORMAT,
        "data_version": facts.data_version,
        "releases": build_releases(index, facts),
        "behaviours": sorted(facts.behaviours, key=lambda b: (vkey(b["since"]), b["id"])),
        "patterns": list(facts.patterns),
        "options": build_options(histories, facts),
    }
    # Safety net: whatever the facts say, never write a matrix kvupgrade would refuse to load.
    schema = json.loads(MATRIX_SCHEMA.read_text(encoding="utf-8"))
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(matrix))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path)
        raise BuildError(f"generated matrix fails {MATRIX_SCHEMA.name} at {where}: {error.message[:300]}")
    return matrix


# ----------------------------------------------------------------------------------------------
# Deterministic YAML emitter: block mappings/sequences, flow lists of scalars, JSON-quoted strings
# (a JSON string literal is a valid YAML double-quoted scalar).
# ----------------------------------------------------------------------------------------------

HEADER = """\
# GENERATED FILE - do not edit by hand.
# Generated by tools/build_matrix.py from the upstream option tables
# (../shared/kvrocks/options/*.json) plus the curated facts in tools/facts/*.yaml.
# Regenerate from the repository root with:
#   .venv/bin/python tools/build_matrix.py [--shared ../shared/kvrocks]
# Format: docs/MATRIX.md; schema: upgrader/version_matrix.schema.json.
"""


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=True)
    raise BuildError(f"cannot emit scalar {value!r}")


def is_scalar_list(value: Any) -> bool:
    return isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value)


def emit_mapping(mapping: dict[str, Any], indent: int, out: list[str], first_prefix: str = "") -> None:
    pad = " " * indent
    for i, (key, value) in enumerate(mapping.items()):
        lead = first_prefix if i == 0 and first_prefix else pad
        if isinstance(value, dict):
            out.append(f"{lead}{key}:")
            emit_mapping(value, indent + 2, out)
        elif is_scalar_list(value):
            out.append(f"{lead}{key}: [{', '.join(scalar(v) for v in value)}]")
        elif isinstance(value, list):
            out.append(f"{lead}{key}:")
            emit_sequence(value, indent + 2, out)
        else:
            out.append(f"{lead}{key}: {scalar(value)}")


def emit_sequence(items: list[Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for item in items:
        if not isinstance(item, dict):
            raise BuildError("block sequences may only hold mappings")
        emit_mapping(item, indent + 2, out, first_prefix=f"{pad}- ")


def to_yaml(matrix: dict[str, Any]) -> str:
    out: list[str] = []
    emit_mapping(matrix, 0, out)
    return HEADER + "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=REPO_ROOT / ".." / "shared" / "kvrocks",
                        help="directory holding options/ (default: ../shared/kvrocks from the repo root)")
    parser.add_argument("--facts", type=Path, default=FACTS_DIR,
                        help="directory holding general.yaml and releases/ (default: tools/facts)")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "version_matrix.yaml",
                        help="file to write (default: version_matrix.yaml at the repo root)")
    args = parser.parse_args(argv)
    try:
        # Facts first: a malformed facts file is reported even without the tables.
        facts = load_facts(args.facts)
        if not (args.shared / "options" / "index.json").is_file():
            print(f"error: {args.shared}/options/index.json not found (use --shared DIR)", file=sys.stderr)
            return 2
        text = to_yaml(build_matrix(args.shared, facts))
    except FactsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    write_atomically(args.output, text)
    return 0


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` in one step, so an interrupted build never leaves a half-written matrix."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644  # mkstemp would leave 0600
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        # newline="\n" keeps the bytes identical on every platform.
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


if __name__ == "__main__":
    sys.exit(main())
