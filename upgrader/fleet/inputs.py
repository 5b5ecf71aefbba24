"""What a fleet run works on: the files named, directory walks (include/exclude globs, carrier
candidates to sniff), ``--files-from`` lists, and the ``--inventory`` of source versions.

Everything is lazy: ``iter_inputs`` yields (path, sniff) items in input order, each file once
(a 16-byte digest per file remembered), so a million-file walk is never held in memory.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
import sys
from itertools import chain
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional

from ..carriers.registry import CONF_GLOBS, walk_globs
from ..errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from ..request import Request
    from ..versions import Release

DEFAULT_INCLUDE = CONF_GLOBS
# Hidden files and directories (.git, our own temp files ".x.conf.XXXX.kvupgrade") and our backups.
DEFAULT_EXCLUDE = (".*", "*.kvupgrade.bak", "*.kvupgrade")

Item = tuple[str, bool]  # (path, sniff): sniff = a walked carrier candidate, skipped unless it is one


def carrier_globs(kind: Optional[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(globs taken, globs sniffed) of a directory walk for ``--kind``: the carrier registry's.
    Without a kind, carrier candidates are sniffed: taken only when their content mentions kvrocks
    and detection names a kind (a walk meets unrelated YAML and scripts)."""
    return walk_globs(kind)


def _matches(patterns: Iterable[str], name: str, rel: str) -> bool:
    """A pattern without '/' matches the name, one with '/' the path relative to the walked directory."""
    for p in patterns:
        if fnmatch.fnmatchcase(rel if "/" in p else name, p):
            return True
    return False


def walk(root: str, include: tuple[str, ...], exclude: tuple[str, ...], prune: frozenset[str] = frozenset(),
         sniff: tuple[str, ...] = ()) -> Iterator[Item]:
    """Files under ``root`` matching ``include`` (or ``sniff``) and not ``exclude``, sorted, lazily."""
    for top, dirs, files in os.walk(root, followlinks=False):
        rel_top = os.path.relpath(top, root)
        rel_top = "" if rel_top == "." else rel_top.replace(os.sep, "/") + "/"
        dirs[:] = sorted(d for d in dirs if not _matches(exclude, d, rel_top + d)
                         and os.path.realpath(os.path.join(top, d)) not in prune)
        for name in sorted(files):
            rel = rel_top + name
            if _matches(exclude, name, rel):
                continue
            take = _matches(include, name, rel)
            if not take and not (sniff and _matches(sniff, name, rel)):
                continue
            path = os.path.join(top, name)
            if _special(path):
                continue
            yield path, not take


def _special(path: str) -> bool:
    """A FIFO, socket or device (or a link to one): opening a FIFO blocks until a writer comes, a
    device may act on open, so a walk skips them whatever their name. A path that cannot be
    stat'ed (a dangling link) is kept: reading it reports why."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def iter_inputs(inputs: Iterable[str], *, files_from: Optional[str] = None, include: tuple[str, ...] = (),
                exclude: tuple[str, ...] = (), kind: Optional[str] = None, prune: Iterable[str] = (),
                stdin: Optional[IO[str]] = None) -> Iterator[Item]:
    """Every file to process, once, in input order. Named files are taken as given (a missing
    one becomes that file's error); include/exclude filter directory walks only. The file list
    is opened now (a bad ``--files-from`` fails before any work) and read lazily."""
    inc, sniff = (tuple(include), ()) if include else carrier_globs(kind)
    exc = DEFAULT_EXCLUDE + tuple(exclude)
    pruned = frozenset(os.path.realpath(p) for p in prune)
    listing: Optional[IO[str]] = None
    if files_from is not None:
        try:
            listing = (stdin or sys.stdin) if files_from == "-" else open(files_from, encoding="utf-8",
                                                                            errors="surrogateescape")
        except OSError as e:
            raise InputError(f"cannot read the file list: {e.strerror or e}", files_from) from None
    return _iter_inputs(inputs, listing, files_from != "-", inc, sniff, exc, pruned)


def _or_self(files: Iterator[Item], directory: str) -> Iterator[Item]:
    empty = True
    for f in files:
        empty = False
        yield f
    if empty:
        yield directory, False


def _iter_inputs(inputs: Iterable[str], listing: Optional[IO[str]], close: bool, inc: tuple[str, ...],
                 sniff: tuple[str, ...], exc: tuple[str, ...], pruned: frozenset[str]) -> Iterator[Item]:
    seen: set[bytes] = set()
    sources: Iterable[str] = inputs
    if listing is not None:
        sources = chain(inputs, (ln.rstrip("\r\n") for ln in listing if ln.strip()))
    try:
        for item in sources:
            items: Iterable[Item] = ((item, False),)
            if os.path.isdir(item):
                # A directory with nothing to take is reported as that path's error (a typo'd
                # --include must not look like a clean run).
                items = _or_self(walk(item, inc, exc, pruned, sniff), item)
            for p, maybe in items:
                key = hashlib.blake2b(os.path.realpath(p).encode("utf-8", "surrogateescape"), digest_size=16).digest()
                if key in seen:  # a file named twice (or reached by two walks) is done once
                    continue
                seen.add(key)
                yield p, maybe
    finally:
        if listing is not None and close:
            listing.close()


class Inventory:
    """Source versions per file from YAML (``pattern: version`` mapping, or a list of
    ``{path: ..., version: ..., node: host:port}``) or CSV (``path,version[,node]`` rows, optional
    header). ``node`` is the file's live node, read by ``plan/verify --live @inventory``.

    Relative paths and globs are relative to the inventory file's directory; a glob
    without '/' matches the file name. Exact paths win over globs; the first matching
    glob wins. A file no entry matches uses ``--from`` (default auto).
    """

    def __init__(self, source: str, entries: list[tuple[Any, ...]]) -> None:
        self.source = source
        # (pattern, version, line); a fourth item, when there, is the file's live node (host:port)
        self.entries: list[tuple[str, str, int]] = [(e[0], e[1], e[2]) for e in entries]
        self.sources: dict[str, Optional[Release]] = {}  # entry version -> release (None: auto), by validate
        base = os.path.dirname(os.path.abspath(source))
        self.exact: dict[str, tuple[str, Optional[str]]] = {}
        self.globs: list[tuple[str, str, Optional[str]]] = []
        for e in entries:
            pat, ver, node = e[0], e[1], (e[3] if len(e) > 3 else None)
            if any(c in pat for c in "*?["):
                self.globs.append((pat if "/" not in pat else os.path.join(base, pat), ver, node))
            else:
                self.exact.setdefault(os.path.normpath(os.path.join(base, pat)), (ver, node))

    @property
    def has_nodes(self) -> bool:
        return any(n for _, n in self.exact.values()) or any(n for _, _, n in self.globs)

    @classmethod
    def load(cls, path: str) -> "Inventory":
        from ..fileio import MAX_BYTES

        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read(MAX_BYTES + 1)  # no more than the size cap in memory
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"cannot read the inventory: {getattr(e, 'strerror', None) or e}", path) from None
        if len(text) > MAX_BYTES:
            raise InputError(f"inventory is larger than the limit of {MAX_BYTES} characters", path)
        entries = _parse_csv(text, path) if path.lower().endswith(".csv") else _parse_yaml(text, path)
        return cls(path, entries)

    def validate(self, resolve: Callable[[str], Any]) -> None:
        """Resolve every entry's version once, at load: an error names the entry and its line."""
        from ..request import is_auto

        for pat, ver, line in self.entries:
            if is_auto(ver):
                self.sources[ver] = None
                continue
            try:
                self.sources[ver] = resolve(ver)
            except Exception as e:  # VersionError: name the entry, not just the version
                raise InputError(f"{pat}: {e}", self.source, line or None) from None

    def request_for(self, path: str, request: "Request") -> "Request":
        """``request`` from the source release the inventory gives ``path`` (validated); a file no
        entry matches keeps the request's own (``--from``)."""
        ver = self.version_for(path)
        return request if ver is None else request.with_source(self.sources[ver])

    def version_for(self, path: str) -> Optional[str]:
        hit = self._entry(path)
        return hit[0] if hit else None

    def node_for(self, path: str) -> Optional[str]:
        """The live node (``host:port``, ``redis://…``) the inventory gives ``path``, if any."""
        hit = self._entry(path)
        return hit[1] if hit else None

    def _entry(self, path: str) -> Optional[tuple[str, Optional[str]]]:
        a = os.path.abspath(path)
        r = os.path.realpath(path)
        for key in (a, r):
            if key in self.exact:
                return self.exact[key]
        for pat, ver, node in self.globs:
            if "/" in pat:
                if fnmatch.fnmatchcase(a, pat) or fnmatch.fnmatchcase(r, pat):
                    return ver, node
            elif fnmatch.fnmatchcase(os.path.basename(a), pat) or fnmatch.fnmatchcase(os.path.basename(r), pat):
                return ver, node
        return None


def _parse_csv(text: str, source: str) -> list[tuple[Any, ...]]:
    """``path,version[,node]`` rows (an optional header; an empty version is auto)."""
    import csv

    out: list[tuple[Any, ...]] = []
    for n, row in enumerate(csv.reader(text.splitlines()), 1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) < 2:
            raise InputError("expected 'path,version'", source, n)
        if not out and row[1].strip().lower() in ("version", "from", "from_version", "source_version"):
            continue  # header
        node = row[2].strip() if len(row) > 2 and row[2].strip() else None
        out.append((row[0].strip(), row[1].strip() or "auto", n, node))
    return out


def _parse_yaml(text: str, source: str) -> list[tuple[Any, ...]]:
    from ruamel.yaml.error import YAMLError

    from ..yamlbounds import YamlTooBig, safe_load

    try:
        data = safe_load(text)  # the safe loader, within the YAML limits (alias and merge-key bombs)
    except YamlTooBig as e:
        raise InputError(e.message, source, e.line) from None
    except YAMLError as e:
        raise InputError(f"not valid YAML: {e}", source) from None
    out: list[tuple[Any, ...]] = []
    if isinstance(data, dict):
        for k, v in data.items():
            out.append((str(k), str(v), 0))
    elif isinstance(data, list):
        for i, item in enumerate(data, 1):
            if not isinstance(item, dict):
                raise InputError(f"item {i}: expected a mapping with 'path' and 'version'", source)
            pat = item.get("path", item.get("glob"))
            ver = item.get("version", item.get("from"))
            node = item.get("node")
            if pat is None or (ver is None and node is None):
                raise InputError(f"item {i}: expected 'path' (or 'glob') and 'version' (or 'from') or 'node'", source)
            out.append((str(pat), "auto" if ver is None else str(ver), 0, None if node is None else str(node)))
    elif data is not None:
        raise InputError("expected a mapping of path or glob to version, or a list of {path, version}", source)
    return out
