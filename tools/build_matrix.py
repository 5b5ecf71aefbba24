#!/usr/bin/env python3
"""Generate version_matrix.yaml from the upstream option tables plus curated annotations.

Inputs:  <shared>/options/index.json and <shared>/options/<version>.json (README section 2),
         tools/matrix_annotations.py (references, reasons, hand-entered releases, behaviours).
Output:  version_matrix.yaml at the repository root (see docs/MATRIX.md).

Option histories are derived mechanically by diffing consecutive tables, so no table change can be
missed; annotations only decorate those events (and the build fails if one matches nothing).
The YAML is written by a tiny emitter of our own so the output is byte-stable and independent of
YAML library versions.

Usage: .venv/bin/python tools/build_matrix.py [--shared DIR] [--output FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import matrix_annotations as ann  # noqa: E402  (sibling module, path set above)

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

Version = tuple[int, ...]


def vkey(version: str) -> Version:
    return tuple(int(p) for p in version.split("."))


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


def pin_ref(entry: dict[str, Any]) -> str:
    return f"kvrocks-options-table {entry['version']} (apache/kvrocks@{entry['commit'][:8]})"


def build_releases(index: dict[str, Any]) -> list[dict[str, Any]]:
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
            "date": ann.PUBLICATION_DATES.get(version, entry["commit_date"]),
            "evidence": "source-verified",
            "table": version,
            "pin": pin,
            **eras,
        }
        if version in ann.RELEASE_NOTES:
            rel["notes"] = ann.RELEASE_NOTES[version]
        releases.append(rel)
    indexed_extra = {r["version"] for r in index.get("releases_without_table", [])}
    if indexed_extra != set(ann.RELEASES_WITHOUT_TABLE):
        raise BuildError(
            f"releases without table differ: index.json {sorted(indexed_extra)} vs "
            f"annotations {sorted(ann.RELEASES_WITHOUT_TABLE)}"
        )
    for version, extra in ann.RELEASES_WITHOUT_TABLE.items():
        releases.append({
            "version": version,
            "date": ann.PUBLICATION_DATES[version],
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
                     used: set[tuple[str, str]], default_ref: str) -> None:
    note = ann.EVENTS.get(version, {}).get(name)
    if note is None:
        event["refs"] = [default_ref]
        return
    used.add((version, name))
    unknown = set(note) - ANNOTATION_KEYS
    if unknown:
        raise BuildError(f"{version} {name}: unknown annotation keys {sorted(unknown)}")
    for field, value in note.get("fields", {}).items():
        if field not in DOMAIN_FIELDS:
            raise BuildError(f"{version} {name}: 'fields' may only hold domain fields")
        event[field] = value
    for key in ("renamed_to", "summary", "reason", "note"):
        if key in note:
            event[key] = note[key]
    event["refs"] = list(note.get("refs") or [default_ref])


def derive_histories(options_dir: Path, index: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
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
                after.update(ann.EVENTS.get(version, {}).get(name, {}).get("fields", {}))
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
            apply_annotation(event, name, version, used, default_ref)
            event["evidence"] = "source-verified"
            histories.setdefault(name, []).append(event)
        current = new_current
    stale = {(v, n) for v, events in ann.EVENTS.items() for n in events} - used
    if stale:
        raise BuildError(f"annotations match no table change: {sorted(stale)}")
    return histories


def add_hand_events(histories: dict[str, list[dict[str, Any]]]) -> None:
    for name, events in ann.HAND_EVENTS.items():
        history = histories.setdefault(name, [])
        for event in events:
            if history and vkey(event["since"]) <= vkey(history[-1]["since"]):
                raise BuildError(f"{name}: hand event {event['since']} is not after existing history")
            history.append(dict(event))


def check_events(histories: dict[str, list[dict[str, Any]]]) -> None:
    """Build-time guard for the curation rules (the tests repeat them on the output)."""
    for name, history in histories.items():
        state: dict[str, Any] | None = None
        for event in history:
            status = event.get("status")
            if status == "removed" or status == "deprecated" or "renamed_to" in event:
                if not event.get("reason"):
                    raise BuildError(f"{name} {event['since']}: {status or 'rename'} needs a reason")
                # The short form goes into the comment kvupgrade leaves in the file.
                if not event.get("summary"):
                    raise BuildError(f"{name} {event['since']}: {status or 'rename'} needs a summary")
            if state is not None and state.get("status") != "removed" and "default" in event \
                    and event.get("status") in (None, "active", "deprecated") \
                    and not event.get("reason"):
                raise BuildError(f"{name} {event['since']}: default flip needs a reason")
            state = {**(state or {}), **event}


def order_entry(event: dict[str, Any]) -> dict[str, Any]:
    extra = set(event) - set(ENTRY_KEY_ORDER)
    if extra:
        raise BuildError(f"unexpected entry keys {sorted(extra)}")
    return {k: event[k] for k in ENTRY_KEY_ORDER if k in event}


def build_options(histories: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    unknown_secret = ann.SECRET_OPTIONS - set(histories)
    unknown_refs = set(ann.OPTION_REFS) - set(histories)
    if unknown_secret or unknown_refs:
        raise BuildError(f"annotations name unknown options: {sorted(unknown_secret | unknown_refs)}")
    options = []
    for name in sorted(histories):
        option: dict[str, Any] = {"name": name, "secret": name in ann.SECRET_OPTIONS}
        if name in ann.OPTION_REFS:
            option["refs"] = list(ann.OPTION_REFS[name])
        option["history"] = [order_entry(e) for e in histories[name]]
        options.append(option)
    return options


def build_matrix(shared: Path) -> dict[str, Any]:
    options_dir = shared / "options"
    index = json.loads((options_dir / "index.json").read_text(encoding="utf-8"))
    histories = derive_histories(options_dir, index)
    add_hand_events(histories)
    check_events(histories)
    return {
        "format": FORMAT,
        "data_version": ann.DATA_VERSION,
        "releases": build_releases(index),
        "behaviours": sorted(ann.BEHAVIOURS, key=lambda b: (vkey(b["since"]), b["id"])),
        "patterns": list(ann.PATTERNS),
        "options": build_options(histories),
    }


# ----------------------------------------------------------------------------------------------
# Deterministic YAML emitter: block mappings/sequences, flow lists of scalars, JSON-quoted strings
# (a JSON string literal is a valid YAML double-quoted scalar).
# ----------------------------------------------------------------------------------------------

HEADER = """\
# GENERATED FILE - do not edit by hand.
# Generated by tools/build_matrix.py from the upstream option tables
# (../shared/kvrocks/options/*.json) plus tools/matrix_annotations.py.
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
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "version_matrix.yaml",
                        help="file to write (default: version_matrix.yaml at the repo root)")
    args = parser.parse_args(argv)
    if not (args.shared / "options" / "index.json").is_file():
        print(f"error: {args.shared}/options/index.json not found (use --shared DIR)", file=sys.stderr)
        return 2
    try:
        text = to_yaml(build_matrix(args.shared))
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    # newline="\n" keeps the bytes identical on every platform.
    with open(args.output, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
