"""Fleet runs: many config files in parallel processes, streamed, isolated, recoverable.

Pipeline: ``iter_inputs`` (files, directory walks, ``--files-from``) -> ``run_files``
(worker processes, a bounded window of chunks in flight) -> a sink that renders each
per-file dict as it arrives -> a summary. Memory does not grow with the fleet: paths
are read lazily, workers return the compact per-file dicts of ``outcome_to_dict``, the
parent writes them out at once and keeps only counters (and a 16-byte digest per file
to skip duplicates).

Order: results are written in INPUT order (the order of the arguments, directory walks
sorted by name), whatever order the workers finish in, so output is reproducible and a
parallel run prints exactly what a sequential one does. The window of in-flight chunks
bounds the reordering buffer.

Isolation: every file is planned/applied on its own; a bad file (missing, binary,
malformed, unwritable, even an internal error) becomes that file's error record and is
left untouched. A worker process that dies fails only the files of its chunk.

Apply safety across the fleet: each file is replaced atomically under its per-file lock
(``api.apply_file``); with a manifest (``--backup-dir`` or ``--manifest``) every file's
entry is written durably before its replace (``manifest.Journal``).
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
import sys
import time
from collections import deque
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional

from .errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from .request import Request
    from .versions import Release

DEFAULT_INCLUDE = ("*.conf",)
# Hidden files and directories (.git, our own temp files ".x.conf.XXXX.kvupgrade") and our backups.
DEFAULT_EXCLUDE = (".*", "*.kvupgrade.bak", "*.kvupgrade")
CHUNK = 4  # files per task: amortises the inter-process round trip without hurting balance
WINDOW_PER_WORKER = 4  # chunks in flight per worker: keeps workers busy, bounds the reorder buffer


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # the cores this process may use (cgroups, taskset)
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# --------------------------------------------------------------------------------------------
# Inputs


# Carrier files a directory walk looks at when --kind is not given; taken only when their content
# mentions kvrocks and the carriers' detection names a kind (a walk meets unrelated YAML and scripts).
SNIFF_GLOBS = ("*.yaml", "*.yml", "*.service", "*.sh", "*.bash")
KIND_GLOBS = {"conf": ("*.conf",), "flags-systemd": ("*.service", "*.conf"), "flags-shell": ("*.sh", "*.bash")}
YAML_GLOBS = ("*.yaml", "*.yml")

Item = tuple[str, bool]  # (path, sniff): sniff = a walked carrier candidate, skipped unless it is one


def _have_carriers() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("upgrader.carriers") is not None
    except ImportError:
        return False


def carrier_globs(kind: Optional[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(globs taken, globs sniffed) of a directory walk for ``--kind`` (None: conf files, plus
    the carrier candidates when ``upgrader.carriers`` exists)."""
    if kind is None:
        return DEFAULT_INCLUDE, (SNIFF_GLOBS if _have_carriers() else ())
    return KIND_GLOBS.get(kind, YAML_GLOBS), ()


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
    ``{path: ..., version: ...}``) or CSV (``path,version`` rows, optional header).

    Relative paths and globs are relative to the inventory file's directory; a glob
    without '/' matches the file name. Exact paths win over globs; the first matching
    glob wins. A file no entry matches uses ``--from`` (default auto).
    """

    def __init__(self, source: str, entries: list[tuple[str, str, int]]) -> None:
        self.source = source
        self.entries = entries
        self.sources: dict[str, Optional[Release]] = {}  # entry version -> release (None: auto), by validate
        base = os.path.dirname(os.path.abspath(source))
        self.exact: dict[str, str] = {}
        self.globs: list[tuple[str, str]] = []
        for pat, ver, _ in entries:
            if any(c in pat for c in "*?["):
                self.globs.append((pat if "/" not in pat else os.path.join(base, pat), ver))
            else:
                self.exact.setdefault(os.path.normpath(os.path.join(base, pat)), ver)

    @classmethod
    def load(cls, path: str) -> "Inventory":
        from .fileio import MAX_BYTES

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
        from .request import is_auto

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
        a = os.path.abspath(path)
        r = os.path.realpath(path)
        for key in (a, r):
            if key in self.exact:
                return self.exact[key]
        for pat, ver in self.globs:
            if "/" in pat:
                if fnmatch.fnmatchcase(a, pat) or fnmatch.fnmatchcase(r, pat):
                    return ver
            elif fnmatch.fnmatchcase(os.path.basename(a), pat) or fnmatch.fnmatchcase(os.path.basename(r), pat):
                return ver
        return None


def _parse_csv(text: str, source: str) -> list[tuple[str, str, int]]:
    import csv

    out: list[tuple[str, str, int]] = []
    for n, row in enumerate(csv.reader(text.splitlines()), 1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) < 2:
            raise InputError("expected 'path,version'", source, n)
        if not out and row[1].strip().lower() in ("version", "from", "from_version", "source_version"):
            continue  # header
        out.append((row[0].strip(), row[1].strip(), n))
    return out


def _parse_yaml(text: str, source: str) -> list[tuple[str, str, int]]:
    from ruamel.yaml.error import YAMLError

    from .yamlbounds import YamlTooBig, safe_load

    try:
        data = safe_load(text)  # the safe loader, within the YAML limits (alias and merge-key bombs)
    except YamlTooBig as e:
        raise InputError(e.message, source, e.line) from None
    except YAMLError as e:
        raise InputError(f"not valid YAML: {e}", source) from None
    out: list[tuple[str, str, int]] = []
    if isinstance(data, dict):
        for k, v in data.items():
            out.append((str(k), str(v), 0))
    elif isinstance(data, list):
        for i, item in enumerate(data, 1):
            if not isinstance(item, dict):
                raise InputError(f"item {i}: expected a mapping with 'path' and 'version'", source)
            pat = item.get("path", item.get("glob"))
            ver = item.get("version", item.get("from"))
            if pat is None or ver is None:
                raise InputError(f"item {i}: expected 'path' (or 'glob') and 'version' (or 'from')", source)
            out.append((str(pat), str(ver), 0))
    elif data is not None:
        raise InputError("expected a mapping of path or glob to version, or a list of {path, version}", source)
    return out


# --------------------------------------------------------------------------------------------
# Work


@dataclass
class FleetJob:
    command: str  # plan | apply | check
    # Built once by the CLI (check: ``Request.check``); its matrix is the loaded one, which forked
    # workers inherit instead of loading their own.
    request: "Request"
    inventory: Optional[Inventory] = None
    with_diff: bool = True
    backup: bool = True
    backup_dir: Optional[str] = None
    manifest: Optional[str] = None
    run_id: Optional[str] = None
    lock_timeout: float = 30.0
    # Streaming formats are rendered by the worker that planned the file: the parent then only
    # writes strings and counts, instead of being the bottleneck of a parallel run.
    render: Optional["RenderSpec"] = None


@dataclass(frozen=True)
class RenderSpec:
    fmt: str  # a streaming format: text, json, or one whose module has render_file and render_tail
    command: str
    colour: bool
    show_diff: bool

    def body(self, f: dict[str, Any]) -> str:
        """A file's record as the sink writes it, without the separator between records."""
        if self.fmt == "json":
            from .report.escape import dumps

            return dumps(f, indent=2).replace("\n", "\n    ")
        from . import report

        mod = report.get(self.fmt)
        if self.fmt == "text":
            return mod.render_file(f, self.command, self.colour, self.show_diff)
        return mod.render_file(f, self.command, self.colour)


def _compact(f: dict[str, Any], rendered: str) -> dict[str, Any]:
    """What the parent needs of a rendered record: the output, the summary counts, the exit code."""
    out: dict[str, Any] = {k: f[k] for k in ("path", "status", "exit", "changed", "error") if k in f}
    out["findings"] = [{"severity": x["severity"], "option": x["option"]} for x in f.get("findings", ())]
    out["rendered"] = rendered
    return out


def _error_dict(path: str, message: str) -> dict[str, Any]:
    return {"path": path, "status": "error", "exit": 1, "error": message, "error_line": None,
            "written": False, "backup": None}


def _masked_for(path: str, message: str, matrix: Any) -> str:
    """``message`` with the secrets the file holds masked (the same scan and masking as a record)."""
    from .redact import Redactor
    from .secretscan import scan

    try:
        with open(path, "rb") as fh:
            text = fh.read(16 * 1024 * 1024).decode("utf-8", "surrogateescape")
    except OSError:
        return message
    return Redactor(matrix, scan(matrix, text)).free(message)


class Worker:
    """Processes files one at a time for a job (in a worker process, or in-process for one job)."""

    def __init__(self, job: FleetJob) -> None:
        self.job = job
        self.journal = None
        if job.manifest and job.command == "apply":
            from .manifest import Journal

            self.journal = Journal(job.manifest, job.run_id or "")

    def backup_dir_for(self, path: str) -> Optional[str]:
        """Backups mirror the real path under <backup-dir>/<run id>/, so two files with one
        name (every host's kvrocks.conf) never race for the same backup name."""
        j = self.job
        if not j.backup_dir:
            return None
        folder = os.path.splitdrive(os.path.dirname(os.path.realpath(path)))[1].lstrip(os.sep)
        return os.path.join(j.backup_dir, j.run_id or "", folder)

    def is_carrier(self, path: str) -> bool:
        """A walked YAML/unit/script file is taken only if it configures kvrocks."""
        from .fileio import open_regular

        try:
            with open_regular(path) as fh:  # never blocks on a FIFO swapped in since the walk
                data = fh.read(4 * 1024 * 1024)
        except OSError:
            return False
        if b"kvrocks" not in data.lower() or b"\0" in data:
            return False
        try:
            from .carriers import detect_kind
            from .confmodel import decode

            return detect_kind(path, decode(data)) != "conf"
        except Exception:  # not a shape the carriers know: not ours to report
            return False

    def one(self, path: str, sniff: bool = False) -> Optional[dict[str, Any]]:
        """The file's record, or None for a sniffed candidate that is not a kvrocks carrier."""
        if sniff and not self.is_carrier(path):
            return None
        from .api import apply_file, plan_file
        from .report.jsonout import outcome_to_dict

        j = self.job
        if os.path.isdir(path):
            return _error_dict(path, f"{path}: is a directory, and no file in it matches the --include globs"
                                     f" (default: {', '.join(carrier_globs(j.request.kind)[0])})")
        m = j.request.matrix
        try:
            req = j.request if j.inventory is None else j.inventory.request_for(path, j.request)
            if j.command == "apply":
                o = apply_file(path, request=req, backup=j.backup, backup_dir=self.backup_dir_for(path),
                               lock_timeout=j.lock_timeout, before_replace=self.journal.record if self.journal else None)
            else:
                o = plan_file(path, request=req)
            return outcome_to_dict(o, m, with_diff=j.with_diff)
        except Exception as exc:  # isolation: a bug met on one file is that file's error, not the run's
            if os.environ.get("KVUPGRADE_DEBUG"):
                import traceback

                detail = _masked_for(path, traceback.format_exc(), m)  # a traceback quotes values
            else:  # no message: it could quote a secret from the file
                detail = f"{type(exc).__name__} (set KVUPGRADE_DEBUG=1 for a traceback)"
            return _error_dict(path, f"{path}: internal error, file left untouched: {detail}")

    def close(self) -> None:
        if self.journal is not None:
            self.journal.close()


_WORKER: Optional[Worker] = None


def _die_with_parent() -> None:
    """A worker must not outlive a killed run (it would go on editing files after the kill)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def _init_worker(job: FleetJob, parent: int) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops handing out work
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    global _WORKER
    _WORKER = Worker(job)


def _work_chunk(items: list[Item]) -> list[Optional[dict[str, Any]]]:
    assert _WORKER is not None
    spec = _WORKER.job.render
    out = [_WORKER.one(p, sniff) for p, sniff in items]
    if spec is None:
        return out
    return [_compact(d, spec.body(d)) if d is not None else None for d in out]


def _chunks(paths: Iterator[Item], size: int) -> Iterator[list[Item]]:
    while True:
        c = list(islice(paths, size))
        if not c:
            return
        yield c


def _mp_context() -> Any:
    import multiprocessing as mp

    # fork: workers inherit the loaded matrix and transforms (no per-worker start-up cost).
    if sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    return mp.get_context()


def run_files(job: FleetJob, paths: Iterable[Any], jobs: int) -> Iterator[dict[str, Any]]:
    """Per-file dicts in input order. ``paths``: path strings or ``iter_inputs`` items. In-process
    for one job or one file (no pool start-up for the common single-file call), else a pool."""
    it: Iterator[Item] = ((p, False) if isinstance(p, str) else p for p in paths)
    peek = max(2, jobs * CHUNK * WINDOW_PER_WORKER)
    head = list(islice(it, peek))
    if jobs <= 1 or len(head) <= 1:
        w = Worker(job)
        try:
            for p, sniff in chain(head, it):
                d = w.one(p, sniff)
                if d is not None:
                    yield d
        finally:
            w.close()
        return
    small = len(head) < peek  # the whole fleet is in ``head``: spread it one file per task
    yield from _parallel(job, chain(head, it), min(jobs, len(head)), 1 if small else CHUNK)


def _parallel(job: FleetJob, items: Iterator[Item], workers: int, chunk: int) -> Iterator[dict[str, Any]]:
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    ctx = _mp_context()
    # fork: workers inherit the request and its loaded matrix; spawn pickles them (the matrix is data)
    child_job = job
    window = workers * WINDOW_PER_WORKER

    def pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(child_job, os.getpid()))

    ex = pool()
    chunks = _chunks(items, chunk)
    pending: deque[tuple[list[Item], "Future[list[Optional[dict[str, Any]]]]"]] = deque()
    try:
        while True:
            while len(pending) < window:
                c = next(chunks, None)
                if c is None:
                    break
                pending.append((c, ex.submit(_work_chunk, c)))
            if not pending:
                return
            c, fut = pending.popleft()
            try:
                results = fut.result()
            except BrokenProcessPool:
                # A worker died (OOM killer, a signal): fail this chunk's files, redo the rest in a
                # new pool (safe: apply is idempotent and atomic, a redone file is just re-checked).
                results = [_error_dict(p, f"{p}: the worker process died; result unknown, run again to check it")
                           for p, _ in c]
                ex.shutdown(wait=True)
                ex = pool()
                pending = deque((cc, ex.submit(_work_chunk, cc)) for cc, _ in pending)
            for d in results:
                if d is not None:
                    yield d
    finally:
        ex.shutdown(wait=True, cancel_futures=True)


# --------------------------------------------------------------------------------------------
# Output


class Progress:
    """One self-rewriting status line on stderr, only when stderr is a terminal (never in pipes
    or CI logs, whatever FORCE_COLOR says: the gate is our own isatty check)."""

    def __init__(self, enabled: bool, err: IO[str], total: Optional[int] = None) -> None:
        self.on = enabled
        self.err = err
        self.total = total
        self.done = self.failed = self.changed = 0
        self.start = self.last = time.monotonic()
        self.shown = False

    def add(self, f: dict[str, Any]) -> None:
        self.done += 1
        self.failed += f["status"] == "error"
        self.changed += bool(f.get("changed"))
        now = time.monotonic()
        if self.on and now - self.last >= 0.1:
            self.last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        rate = self.done / max(now - self.start, 1e-6)
        of = f"/{self.total}" if self.total else ""
        self.err.write(f"\r\033[Kkvupgrade: {self.done}{of} files, {self.changed} changed, {self.failed} failed,"
                       f" {rate:.0f} files/s")
        self.err.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.err.write("\r\033[K")
            self.err.flush()
            self.shown = False


def render_table(s: dict[str, Any], command: str) -> str:
    """The end-of-run table for text output: counts, findings by severity and by option."""
    verb = "changed" if command == "apply" else ("to change" if command == "plan" else "with changes")
    rows = [("files scanned", s["files"]), (verb, s["changed"]), ("unchanged", s["unchanged"]),
            ("failed", s["failed"]), ("blocked", s["blocked"])]
    sev = s["findings"]
    out = ["", "Summary", *[f"  {k:<16}{v:>8}" for k, v in rows],
           "", "Findings by severity", *[f"  {k:<16}{sev.get(k, 0):>8}" for k in ("error", "warning", "info")]]
    if s["by_option"]:
        from .report.escape import visible
        from .report.text import shorten

        # Option names come from the configs: shown escaped and shortened, or one huge key would
        # pad every row of the table to its length.
        shown = {opt: shorten(visible(opt)) for opt in s["by_option"]}
        out += ["", "Findings by option"]
        width = max(16, max(len(k) for k in shown.values()) + 2)
        for opt, n in sorted(s["by_option"].items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(f"  {shown[opt]:<{width}}{n:>8}")
    return "\n".join(out) + "\n"


class Sink:
    """Writes each file's record as it arrives, then the end of the document."""

    def __init__(self, fmt: str, command: str, meta: dict[str, Any], out: IO[str], colour: bool = False,
                 show_diff: bool = True) -> None:
        from . import report

        self.fmt, self.command, self.meta, self.out = fmt, command, meta, out
        self.colour, self.show_diff = colour, show_diff
        self.mod = report.get(fmt)
        self.n = 0
        self.shown = 0  # text: files written to out (an error goes to stderr only)
        self.collected: Optional[list[dict[str, Any]]] = None
        self.streams = fmt in ("text", "json") or (hasattr(self.mod, "render_file") and hasattr(self.mod, "render_tail"))
        self.spec = RenderSpec(fmt, command, colour, show_diff) if self.streams else None
        if not self.streams:
            self.collected = []  # a whole-document format (e.g. HTML) needs the list
        elif fmt == "json":
            from .report.escape import dumps
            from .report.jsonout import SCHEMA

            head = dumps({"schema": SCHEMA, **meta, "command": command}, indent=2)
            self.out.write(head[:-2] + ',\n  "files": [')

    def file(self, f: dict[str, Any]) -> None:
        first = self.n == 0
        self.n += 1
        if self.fmt == "text" and f["status"] == "error":
            return  # run() says it once, on stderr; the summary counts it as failed
        if self.collected is not None:
            self.collected.append(f)
            self.out.flush()
            return
        assert self.spec is not None
        body = f["rendered"] if "rendered" in f else self.spec.body(f)  # a worker may have rendered it
        if self.fmt == "json":
            self.out.write(("\n    " if first else ",\n    ") + body)
        elif self.fmt == "text":
            self.out.write(body if not self.shown else "\n" + body)
            self.shown += 1
        else:
            self.out.write(body)
        self.out.flush()

    def finish(self, summary: dict[str, Any]) -> None:
        if self.collected is not None:
            self.out.write(self.mod.render(self.collected, summary, self.command, self.meta, colour=self.colour))
        elif self.fmt == "json":
            from .report.escape import dumps

            tail = dumps(summary, indent=2).replace("\n", "\n  ")
            self.out.write(("\n  ]" if self.n else "]") + ',\n  "summary": ' + tail + "\n}\n")
        elif self.fmt == "text":
            # Same closing line as a single-file report, then the fleet table.
            self.out.write(("\n" if self.shown else "") + self.mod.render_summary(summary, self.command))
            if self.n > 1:
                self.out.write(render_table(summary, self.command))
        else:
            self.out.write(self.mod.render_tail(summary, self.command, self.meta))
        self.out.flush()


@dataclass
class RunResult:
    exit: int
    summary: dict[str, Any] = field(default_factory=dict)


def run(job: FleetJob, paths: Iterable[Any], *, fmt: str, jobs: int, meta: dict[str, Any],
        show_diff: bool = True, progress: bool = True, out: Optional[IO[str]] = None,
        err: Optional[IO[str]] = None, total: Optional[int] = None) -> RunResult:
    """Process the fleet and write the report; the exit code is the worst per-file outcome."""
    from .exitcodes import Exit, worst
    from .report.escape import visible
    from .report.jsonout import add_to_summary, new_summary

    out = out or sys.stdout
    err = err or sys.stderr
    colour = fmt == "text" and out.isatty() and not os.environ.get("NO_COLOR")
    bar = Progress(progress and err.isatty() and os.environ.get("TERM") != "dumb", err, total)
    sink = Sink(fmt, job.command, meta, out, colour=colour, show_diff=show_diff)
    if sink.spec is not None:
        job = replace(job, render=sink.spec)
    summary = new_summary()
    code = Exit.OK
    try:
        for f in run_files(job, paths, jobs):
            add_to_summary(summary, f)
            code = worst([code, Exit(f["exit"])])
            bar.clear()  # the bar and the report may share one terminal
            sink.file(f)
            if f["status"] == "error":
                err.write(f"kvupgrade: error: {visible(f['error'])}\n")
            bar.add(f)
    finally:
        bar.clear()
    if summary["files"] == 0:
        sink.finish(summary)
        err.write("kvupgrade: error: no config files found in the given paths\n")
        return RunResult(int(Exit.ERROR), summary)
    sink.finish(summary)
    return RunResult(int(code), summary)
