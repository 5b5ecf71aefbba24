"""Load the curated matrix facts (tools/facts/*.yaml) for tools/build_matrix.py.

The option tables (../shared/kvrocks/options/<version>.json) say *what* changed between releases;
the facts files say *why* and *where from*: PR references, reasons, notes, secrets, release-level
behaviours, and the hand-entered facts for releases without a table (2.12.1, 2.15.0-2.17.0).

Layout (docs/MATRIX.md, "Editing a fact"):
  tools/facts/general.yaml             data_version, secret options, option-level refs, key patterns
  tools/facts/releases/<version>.yaml  everything curated about one release
  tools/facts.schema.json              their JSON Schema (vocabularies from the matrix schema)

Files are read with ruamel's safe loader (plain data, duplicate keys refused) and validated with
jsonschema before the build uses them. Every error names the file, the line and the entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError

REPO_ROOT = Path(__file__).resolve().parent.parent
FACTS_DIR = REPO_ROOT / "tools" / "facts"
FACTS_SCHEMA = REPO_ROOT / "tools" / "facts.schema.json"
MATRIX_SCHEMA = REPO_ROOT / "upgrader" / "version_matrix.schema.json"

GENERAL = "general"  # key of general.yaml in Facts.sources (release files are keyed by version)

# Output key orders are fixed here, so reordering keys in a facts file cannot change the matrix.
BEHAVIOUR_KEYS = ("id", "since", "title", "description", "refs", "evidence")
PATTERN_KEYS = ("prefix", "secret", "since", "description")


class FactsError(Exception):
    """A facts file is malformed or disagrees with the tables; the message names file, line, entry."""


def vkey(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def display(path: Path) -> str:
    """Path as shown in messages: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def entry_name(path: tuple[Any, ...], data: Any) -> str:
    """'annotations > rocksdb.row_cache_size > refs > [0]'; list items of mappings show their id."""
    parts: list[str] = []
    node = data
    for key in path:
        if isinstance(key, int):
            item = node[key] if isinstance(node, list) and key < len(node) else None
            label = (item.get("id") or item.get("prefix")) if isinstance(item, dict) else None
            parts.append(f"[{key}]" + (f" ({label})" if label else ""))
        else:
            parts.append(str(key))
        node = node[key] if isinstance(node, (dict, list)) and _has(node, key) else None
    return " > ".join(parts) if parts else "(top level)"


def _has(node: Any, key: Any) -> bool:
    return key in node if isinstance(node, dict) else isinstance(key, int) and key < len(node)


@dataclass
class Source:
    """One facts file: its text and data, for locating entries in error messages."""

    path: Path
    text: str
    data: Any
    _tree: Any = None  # round-trip parse with line numbers, made only when an error is reported

    def line(self, path: tuple[Any, ...]) -> Optional[int]:
        """1-based line of the deepest entry of `path` found in the file."""
        if self._tree is None:
            self._tree = YAML(typ="rt").load(self.text)
        node, found = self._tree, None
        for key in path:
            try:
                pos = node.lc.item(key) if isinstance(key, int) else node.lc.key(key)
                node = node[key]
            except (AttributeError, KeyError, IndexError, TypeError):
                break
            found = pos[0] + 1
        return found

    def where(self, *path: Any) -> str:
        line = self.line(path)
        loc = f"{display(self.path)}:{line}" if line else display(self.path)
        return f"{loc}: {entry_name(path, self.data)}" if path else loc


@dataclass
class Facts:
    data_version: str
    secret_options: frozenset[str]
    option_refs: dict[str, list[str]]
    patterns: list[dict[str, Any]]
    publication_dates: dict[str, str] = field(default_factory=dict)
    release_notes: dict[str, str] = field(default_factory=dict)
    releases_without_table: dict[str, dict[str, Any]] = field(default_factory=dict)
    annotations: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # release -> option -> note
    hand_events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # option -> events, ascending
    behaviours: list[dict[str, Any]] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)
    releases_dir: Path = FACTS_DIR / "releases"

    def where(self, key: str, *path: Any) -> str:
        """'<file>:<line>: <entry>' for release `key` (or GENERAL); names the file to create if absent."""
        source = self.sources.get(key)
        if source is None:
            return f"{display(self.releases_dir / f'{key}.yaml')} (no such file)"
        return source.where(*path)


def validator() -> jsonschema.Draft202012Validator:
    # The facts schema $refs the matrix schema by its $id, so both go into one registry.
    schemas = [json.loads(p.read_text(encoding="utf-8")) for p in (FACTS_SCHEMA, MATRIX_SCHEMA)]
    registry: Registry = Registry().with_resources(
        (s["$id"], DRAFT202012.create_resource(s)) for s in schemas
    )
    return jsonschema.Draft202012Validator(schemas[0], registry=registry)


def error_path(error: jsonschema.ValidationError) -> tuple[Any, ...]:
    """Path of a schema error; an unexpected key is located at itself, not at its parent."""
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        extra = [k for k in error.instance if k not in error.schema.get("properties", {})]
        if extra:
            return (*path, extra[0])
    return path


def read_source(path: Path, check: jsonschema.Draft202012Validator) -> Source:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FactsError(f"{display(path)}: cannot read: {exc}") from None
    try:
        data = YAML(typ="safe", pure=True).load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        # ruamel appends the values to a duplicate-key message; the key and line are what helps.
        problem = str(exc.problem or "").split(" with value ", 1)[0]
        what = " ".join(str(s) for s in (exc.context, problem) if s)
        raise FactsError(f"{display(path)}{line}: not valid YAML: {what}") from None
    source = Source(path, text, data)
    if not isinstance(data, dict):
        raise FactsError(f"{display(path)}: expected a mapping at the top level")
    errors = sorted(check.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        lines = [f"{source.where(*error_path(e))}: {e.message[:300]}" for e in errors[:10]]
        more = f"\n({len(errors) - 10} more)" if len(errors) > 10 else ""
        raise FactsError("invalid facts file:\n" + "\n".join(lines) + more)
    return source


def load_facts(facts_dir: Path = FACTS_DIR) -> Facts:
    """Read and validate general.yaml and releases/*.yaml; return the facts as plain data."""
    check = validator()
    general_path = facts_dir / "general.yaml"
    releases_dir = facts_dir / "releases"
    if not general_path.is_file() or not releases_dir.is_dir():
        raise FactsError(f"{display(facts_dir)}: expected general.yaml and releases/ (see docs/MATRIX.md)")
    general = read_source(general_path, check)
    if "release" in general.data:
        raise FactsError(f"{general.where('release')}: general.yaml holds no release (use releases/)")
    g = general.data
    facts = Facts(
        data_version=g["data_version"],
        secret_options=frozenset(g["secret_options"]),
        option_refs={name: list(refs) for name, refs in g["option_refs"].items()},
        patterns=[{k: p[k] for k in PATTERN_KEYS} for p in g["patterns"]],
        sources={GENERAL: general},
        releases_dir=releases_dir,
    )
    sources: list[Source] = []
    for path in sorted(releases_dir.iterdir()):
        if path.suffix != ".yaml" or not path.is_file():
            raise FactsError(f"{display(path)}: not a facts file (expected releases/<version>.yaml)")
        source = read_source(path, check)
        if "release" not in source.data:
            raise FactsError(f"{display(path)}: missing 'release: {path.stem}'")
        if source.data["release"] != path.stem:
            raise FactsError(f"{source.where('release')}: says {source.data['release']} "
                             f"but the file is named {path.name}")
        sources.append(source)
    # Version order, so hand events of one option append in release order.
    for source in sorted(sources, key=lambda s: vkey(s.data["release"])):
        add_release(facts, source)
    return facts


def add_release(facts: Facts, source: Source) -> None:
    data = source.data
    version = data["release"]
    facts.sources[version] = source
    if "date" in data:
        facts.publication_dates[version] = data["date"]
    if "no_table" in data:
        facts.releases_without_table[version] = {**data["no_table"], "notes": data["notes"]}
    elif "notes" in data:
        facts.release_notes[version] = data["notes"]
    if "annotations" in data:
        facts.annotations[version] = data["annotations"]
    for name, event in data.get("hand_events", {}).items():
        facts.hand_events.setdefault(name, []).append({"since": version, **event})
    for behaviour in data.get("behaviours", []):
        full = {**behaviour, "since": version}
        facts.behaviours.append({k: full[k] for k in BEHAVIOUR_KEYS})
