"""The version matrix: every Kvrocks release's options, loaded from version_matrix.yaml.

Each option has a history of events (``since`` + what changed). Its state in a
release is the fold of all events up to that release (docs/MATRIX.md). The file is
validated against ``version_matrix.schema.json`` when loaded; the validated result is
cached as JSON keyed by the file's hash, so a CLI run does not pay for YAML parsing
and schema validation every time.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Optional, Union

from .versions import Release, VersionError, format_version, parse_version, resolve

PACKAGE_DIR = Path(__file__).resolve().parent
SCHEMA_PATH = PACKAGE_DIR / "version_matrix.schema.json"
DOMAIN_FIELDS = (
    "status", "type", "default", "min", "max", "enum_values", "readonly",
    "unit", "ifdef", "accepted_suffixes", "shipped",
)
_COMMIT = re.compile(r"[0-9a-f]{7,40}")
_COMMIT_IN_PIN = re.compile(r"\b[0-9a-f]{7,40}\b")  # "#3243" and "v2.10.1" never match: 7+ hex digits


class MatrixError(ValueError):
    """The matrix (shipped or a user overlay) is malformed."""


def default_matrix_path() -> Path:
    # Inside a wheel the file is packaged as upgrader/data/; in a checkout it sits at the top.
    packaged = PACKAGE_DIR / "data" / "version_matrix.yaml"
    return packaged if packaged.exists() else PACKAGE_DIR.parent / "version_matrix.yaml"


class ReleaseInfo(NamedTuple):
    version: Release
    date: Optional[str]
    evidence: str
    table: Optional[str]
    grammar: str  # legacy | quoted
    integers: str  # prefix10 | strict10 | base0 | from_chars10
    unknown_keys: str  # silent | warn
    deprecated_keys: str  # none | warn
    cli_flags: bool
    rename_command: str
    pin: str = ""
    notes: str = ""

    @property
    def name(self) -> str:
        return format_version(self.version)


class OptionState(NamedTuple):
    """An option as it stands in one release."""

    name: str
    status: str  # active | deprecated
    type: str
    default: Optional[str]
    min: Optional[int] = None
    max: Optional[int] = None
    enum_values: Optional[tuple[str, ...]] = None
    readonly: bool = False
    unit: Optional[str] = None
    ifdef: Optional[str] = None
    accepted_suffixes: Optional[tuple[str, ...]] = None
    shipped: Optional[str] = None


class Event(NamedTuple):
    """One change in an option's life, as recorded in the matrix."""

    option: str
    since: Release
    changes: dict[str, Any]
    renamed_to: Optional[str] = None
    summary: str = ""  # one line, for the comment left in the file
    reason: str = ""
    note: str = ""
    refs: tuple[str, ...] = ()
    evidence: str = "source-verified"
    impact: Optional[dict[str, Any]] = None
    first: bool = False

    @property
    def since_name(self) -> str:
        return format_version(self.since)


@dataclass
class OptionLife:
    name: str
    secret: bool
    refs: tuple[str, ...]
    events: list[Event]
    _cache: dict[Release, Optional[OptionState]] = field(default_factory=dict, repr=False)

    def state_at(self, v: Release) -> Optional[OptionState]:
        if v in self._cache:
            return self._cache[v]
        n = 0  # how many events are at or before v: releases between two events share one state
        for ev in self.events:
            if ev.since > v:
                break
            n += 1
        by_count = self.__dict__.setdefault("_by_count", {})
        if n in by_count:
            state = by_count[n]
        else:
            state = by_count[n] = self._fold(n)
        self._cache[v] = state
        return state

    def _fold(self, n: int) -> Optional[OptionState]:
        merged: dict[str, Any] = {}
        for ev in self.events[:n]:
            merged.update(ev.changes)
        if not merged or merged.get("status") not in ("active", "deprecated"):
            return None
        return OptionState(
            name=self.name,
            status=merged["status"],
            type=merged.get("type", "string"),
            default=merged.get("default"),
            min=merged.get("min"),
            max=merged.get("max"),
            enum_values=tuple(merged["enum_values"]) if merged.get("enum_values") else None,
            readonly=bool(merged.get("readonly", False)),
            unit=merged.get("unit"),
            ifdef=merged.get("ifdef"),
            accepted_suffixes=tuple(merged["accepted_suffixes"]) if merged.get("accepted_suffixes") else None,
            shipped=merged.get("shipped"),
        )

    def events_between(self, lo: Release, hi: Release) -> tuple[Event, ...]:
        """Events that an upgrade from ``lo`` to ``hi`` crosses: lo < since <= hi (cached, immutable)."""
        cache = self.__dict__.setdefault("_between", {})
        hit = cache.get((lo, hi))
        if hit is None:
            hit = cache[(lo, hi)] = tuple(ev for ev in self.events if lo < ev.since <= hi)
        return hit


class Behaviour(NamedTuple):
    id: str
    since: Release
    title: str
    description: str
    refs: tuple[str, ...]
    evidence: str


class Pattern(NamedTuple):
    prefix: str
    secret: bool
    since: Release
    description: str


@dataclass
class Matrix:
    data_version: str
    releases: list[ReleaseInfo]
    options: dict[str, OptionLife]
    behaviours: list[Behaviour]
    patterns: list[Pattern]
    source: str = ""
    forbidden: dict[str, dict[str, Any]] = field(default_factory=dict)  # site policy from overlays

    # --- releases -------------------------------------------------------------
    @property
    def known(self) -> list[Release]:
        return [r.version for r in self.releases]

    def resolve(self, text: Union[str, Release]) -> Release:
        if isinstance(text, tuple):
            if text not in self.known:
                raise VersionError(f"unknown Kvrocks release {format_version(text)}")
            return text
        return resolve(text, self.known)

    def release(self, v: Release) -> ReleaseInfo:
        by_version = self.__dict__.get("_by_version")
        if by_version is None:
            by_version = self.__dict__["_by_version"] = {r.version: r for r in self.releases}
        try:
            return by_version[v]
        except KeyError:
            raise VersionError(f"unknown Kvrocks release {format_version(v)}") from None

    def release_for_commit(self, commit: str) -> Optional[ReleaseInfo]:
        """The release whose ``pin`` names this upstream commit (``tag v2.10.1 dc4d5303``,
        ``branch-cut 54929cd0 (#3243)``). A development build prints only ``unstable (commit
        54929cd0)``; the pin says which release was cut from it. Ids are compared as prefixes of
        each other (Kvrocks prints 8 hex digits, a pin may hold more), at least 7 digits."""
        want = commit.strip().lower()
        if not _COMMIT.fullmatch(want):
            return None
        for r in self.releases:
            for pinned in _COMMIT_IN_PIN.findall(r.pin.lower()):
                if pinned.startswith(want) or want.startswith(pinned):
                    return r
        return None

    def hops(self, lo: Release, hi: Release) -> list[ReleaseInfo]:
        """The releases an upgrade walks through, in order: lo < r <= hi."""
        return [r for r in self.releases if lo < r.version <= hi]

    # --- options --------------------------------------------------------------
    def state(self, key: str, v: Release) -> Optional[OptionState]:
        life = self.options.get(key)
        return life.state_at(v) if life else None

    def options_at(self, v: Release) -> dict[str, OptionState]:
        cache = self.__dict__.setdefault("_options_at", {})
        if v not in cache:
            cache[v] = {n: st for n, life in self.options.items() if (st := life.state_at(v)) is not None}
        return dict(cache[v])

    def pattern_for(self, key: str) -> Optional[Pattern]:
        cache = self.__dict__.setdefault("_pattern_cache", {})
        if key in cache:
            return cache[key]
        if len(cache) > 1 << 16:  # bounded: per-host namespace keys must not grow a fleet run's memory
            cache.clear()
        low = key.lower()
        found = next((p for p in self.patterns if low.startswith(p.prefix)), None)
        cache[key] = found
        return found

    def is_secret(self, key: str) -> bool:
        life = self.options.get(key.lower())
        if life is not None and life.secret:
            return True
        p = self.pattern_for(key)
        return bool(p and p.secret)

    def secret_keys(self) -> set[str]:
        return {n for n, life in self.options.items() if life.secret}

    def secret_needles(self) -> tuple[str, ...]:
        """Lower-case strings one of which any line setting a secret must contain (a cheap prefilter)."""
        cached = self.__dict__.get("_needles")
        if cached is None:
            cached = tuple(sorted(self.secret_keys() | {p.prefix for p in self.patterns if p.secret}))
            self.__dict__["_needles"] = cached
        return cached

    def may_hold_secret(self, line_text: str) -> bool:
        low = line_text.lower()
        return any(n in low for n in self.secret_needles())

    def window_keys(self, lo: Release, hi: Release) -> frozenset[str]:
        """Options with at least one event an upgrade from ``lo`` to ``hi`` crosses (cached): the
        only keys the event-driven transforms need to visit."""
        cache = self.__dict__.setdefault("_window_keys", {})
        hit = cache.get((lo, hi))
        if hit is None:
            by_release = self.__dict__.get("_event_keys")
            if by_release is None:
                by_release = self.__dict__["_event_keys"] = {}
                for name, life in self.options.items():
                    for ev in life.events:
                        by_release.setdefault(ev.since, set()).add(name)
            hit = cache[(lo, hi)] = frozenset().union(*(ks for v, ks in by_release.items() if lo < v <= hi))
        return hit

    def behaviours_between(self, lo: Release, hi: Release) -> list[Behaviour]:
        return [b for b in self.behaviours if lo < b.since <= hi]


# --- loading ------------------------------------------------------------------------

def _v(text: Any, where: str) -> Release:
    try:
        return parse_version(str(text))
    except VersionError as exc:
        raise MatrixError(f"{where}: {exc}") from None


def build(data: dict[str, Any], source: str = "") -> Matrix:
    """Turn validated plain data into a Matrix."""
    releases = [
        ReleaseInfo(
            version=_v(r["version"], "releases"),
            date=r.get("date"),
            evidence=r["evidence"],
            table=r.get("table"),
            grammar=r["grammar"],
            integers=r["integers"],
            unknown_keys=r["unknown_keys"],
            deprecated_keys=r["deprecated_keys"],
            cli_flags=bool(r["cli_flags"]),
            rename_command=r["rename_command"],
            pin=r.get("pin") or "",
            notes=r.get("notes") or "",
        )
        for r in data["releases"]
    ]
    releases.sort(key=lambda r: r.version)
    options: dict[str, OptionLife] = {}
    for o in data["options"]:
        name = o["name"]
        if name in options:
            raise MatrixError(f"option {name!r} is defined twice")
        events = []
        for i, e in enumerate(o["history"]):
            where = f"option {name!r} history[{i}]"
            changes = {k: e[k] for k in DOMAIN_FIELDS if k in e}
            events.append(
                Event(
                    option=name,
                    since=_v(e["since"], where),
                    changes=changes,
                    renamed_to=e.get("renamed_to"),
                    summary=e.get("summary") or "",
                    reason=e.get("reason") or "",
                    note=e.get("note") or "",
                    refs=tuple(e.get("refs") or ()),
                    evidence=e.get("evidence") or "source-verified",
                    impact=e.get("impact"),
                    first=(i == 0),
                )
            )
        if any(b.since < a.since for a, b in zip(events, events[1:])):
            raise MatrixError(f"option {name!r}: history is not in release order")
        options[name] = OptionLife(name=name, secret=bool(o.get("secret")), refs=tuple(o.get("refs") or ()), events=events)
    behaviours = [
        Behaviour(
            id=b["id"], since=_v(b["since"], f"behaviour {b['id']}"), title=b["title"],
            description=b["description"], refs=tuple(b.get("refs") or ()), evidence=b["evidence"],
        )
        for b in data.get("behaviours") or []
    ]
    patterns = [
        Pattern(prefix=p["prefix"], secret=bool(p.get("secret")), since=_v(p["since"], "patterns"),
                description=p.get("description") or "")
        for p in data.get("patterns") or []
    ]
    forbidden = {str(f["option"]).lower(): f for f in data.get("forbidden") or []}
    return Matrix(
        data_version=str(data.get("data_version", "")), releases=releases, options=options,
        behaviours=behaviours, patterns=patterns, source=source, forbidden=forbidden,
    )


def validate(data: Any, source: str) -> None:
    """Validate plain data against the JSON Schema; errors name the entry and field."""
    import jsonschema  # imported here: only needed when the cache misses

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = list(validator.iter_errors(data))
    if not errors:
        return
    first = jsonschema.exceptions.best_match(errors)
    shown = [first] + [e for e in errors if e is not first][:2]
    parts = []
    for err in shown:
        path = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        hint = ""
        if len(err.absolute_path) >= 2 and err.absolute_path[0] == "options" and isinstance(data, dict):
            try:
                hint = f" (option {data['options'][err.absolute_path[1]]['name']!r})"
            except (KeyError, IndexError, TypeError):
                hint = ""
        parts.append(f"at {path}{hint}: {err.message}")
    more = f" (+{len(errors) - len(shown)} more)" if len(errors) > len(shown) else ""
    raise MatrixError(f"{source}: invalid: " + "; ".join(parts) + more)


def _read_yaml(text: str, source: str, bounded: bool = False) -> Any:
    """``bounded``: a site overlay is loaded within the YAML limits of upgrader/limits.py (alias and
    merge-key bombs); the matrix itself is the project's data, larger than those limits."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from .yamlbounds import YamlTooBig, safe_load

    try:
        # the safe loader: no arbitrary object construction
        return safe_load(text) if bounded else YAML(typ="safe").load(text)
    except YamlTooBig as exc:
        raise MatrixError(f"{source}: {exc.message}") from None
    except YAMLError as exc:
        raise MatrixError(f"{source}: not valid YAML: {exc}") from None


def _cache_dir() -> Optional[Path]:
    base = os.environ.get("KVUPGRADE_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    if os.environ.get("KVUPGRADE_NO_CACHE"):
        return None
    return Path(base) / "kvupgrade"


def load_data(path: Union[str, Path]) -> dict[str, Any]:
    """Read and validate a matrix file, using the JSON cache when the file is unchanged."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MatrixError(f"{path}: cannot read matrix: {exc.strerror}") from None
    digest = hashlib.sha256(raw + SCHEMA_PATH.read_bytes()).hexdigest()[:32]
    cache = _cache_dir()
    cached = cache / f"matrix-{digest}.json" if cache else None
    if cached is not None and cached.exists():
        try:
            return json.loads(cached.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MatrixError(f"{path}: matrix is not UTF-8 text") from None
    data = _read_yaml(text, str(path))
    validate(data, str(path))
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(tmp, cached)
        except OSError:
            pass  # a read-only home only costs speed
    return data


def _overlay_shape(overlay: Any, source: str) -> None:
    """Structural checks before merging, so a malformed overlay fails with a clear message."""
    if not isinstance(overlay, dict):
        raise MatrixError(f"{source}: an overlay is a mapping with 'options', 'behaviours', 'patterns' and/or 'forbidden'")
    unknown = set(overlay) - {"options", "behaviours", "patterns", "forbidden", "format", "data_version"}
    if unknown:
        raise MatrixError(f"{source}: unknown overlay section(s): {', '.join(sorted(map(str, unknown)))}")
    for i, o in enumerate(overlay.get("options") or []):
        if not isinstance(o, dict) or not isinstance(o.get("name"), str):
            raise MatrixError(f"{source}: options[{i}] needs a 'name'")
        if not isinstance(o.get("history"), list) or not o["history"]:
            raise MatrixError(f"{source}: option {o['name']!r} needs a non-empty 'history' list")
        for e in o["history"]:
            if not isinstance(e, dict) or "since" not in e:
                raise MatrixError(f"{source}: option {o['name']!r}: every history entry needs 'since'")


def merge_overlay(base: dict[str, Any], overlay: dict[str, Any], source: str) -> dict[str, Any]:
    """Add a site's own options, events, behaviours and policy; duplicates are rejected."""
    _overlay_shape(overlay, source)
    merged = json.loads(json.dumps(base))
    by_name = {o["name"]: o for o in merged["options"]}
    for o in overlay.get("options") or []:
        if o["name"] in by_name:
            existing = by_name[o["name"]]
            seen = {str(e["since"]) for e in existing["history"]}
            for e in o["history"]:
                if str(e["since"]) in seen:
                    raise MatrixError(f"{source}: option {o['name']!r} already has an event at {e['since']}")
            try:
                existing["history"] = sorted(existing["history"] + o["history"],
                                             key=lambda e: parse_version(str(e["since"])))
            except VersionError as exc:
                raise MatrixError(f"{source}: option {o['name']!r}: {exc}") from None
            existing["secret"] = bool(existing.get("secret")) or bool(o.get("secret"))
        else:
            new = dict(o)
            new.setdefault("secret", False)
            merged["options"].append(new)
            by_name[new["name"]] = new
    ids = {b["id"] for b in merged.get("behaviours") or []}
    for b in overlay.get("behaviours") or []:
        if isinstance(b, dict) and b.get("id") in ids:
            raise MatrixError(f"{source}: behaviour {b['id']!r} is already defined")
        merged.setdefault("behaviours", []).append(b)
    merged["patterns"] = (merged.get("patterns") or []) + list(overlay.get("patterns") or [])
    merged["forbidden"] = (merged.get("forbidden") or []) + list(overlay.get("forbidden") or [])
    return merged


_DEFAULT: Optional[Matrix] = None


def load_matrix(path: Union[str, Path, None] = None, overlays: Iterable[Union[str, Path]] = ()) -> Matrix:
    """Load the shipped matrix (cached per process) or ``path``, plus user overlays."""
    global _DEFAULT
    overlays = list(overlays)
    if path is None and not overlays and _DEFAULT is not None:
        return _DEFAULT
    src = Path(path) if path is not None else default_matrix_path()
    data = load_data(src)
    for ov in overlays:
        ov_path = Path(ov)
        try:
            ov_text = ov_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise MatrixError(f"{ov_path}: cannot read overlay: {exc}") from None
        ov_data = _read_yaml(ov_text, str(ov_path), bounded=True)
        # Merge, then validate the result: an overlay may add later events to an existing
        # option without repeating its full first entry.
        data = merge_overlay(data, ov_data, str(ov_path))
        validate(data, str(ov_path))
    m = build(data, source=str(src))
    if path is None and not overlays:
        _DEFAULT = m
    return m
