"""The rollback manifest of fleet applies, and ``kvupgrade rollback``.

The manifest is JSON Lines (``manifest.jsonl``), appended to by every apply run that
uses the same backup directory: one ``{"type": "run", ...}`` line per run, then one
``{"type": "file", ...}`` line per file the run is about to replace. A file line is
written and fsynced *before* its file is replaced, so a run killed at any moment
leaves a manifest that describes every file that may have changed: rollback then
restores each file whose content is the recorded 'after' and skips each file still
at its 'before' (killed between manifest line and replace). Appending (not rewriting)
keeps this durable without a rewrite of the whole document per file, and lets a
rerun that finishes a killed run share the manifest, so one rollback undoes both.

Rollback walks the entries newest first, so a file changed by several runs goes back
step by step to its first original. It refuses, per file, content that is neither the
recorded 'after' nor 'before' (someone edited the file since) unless ``force``.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import socket
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

from .confmodel import encode
from .errors import InputError, KvUpgradeError, WriteError
from .fileio import Source, fsync_dir, locked, open_regular, sweep_temps, write_all, write_atomic

MANIFEST_NAME = "manifest.jsonl"
FORMAT = "kvupgrade/manifest/v1"

try:  # POSIX: serialise appends from parallel workers and concurrent runs
    import fcntl
except ImportError:  # pragma: no cover - Windows: O_APPEND writes of one line are enough there
    fcntl = None  # type: ignore[assignment]


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_path(backup_dir: str) -> str:
    return os.path.join(backup_dir, MANIFEST_NAME)





class Journal:
    """Appends manifest lines durably. One instance per process (each worker opens its own fd)."""

    def __init__(self, path: str, run_id: str) -> None:
        self.path = path
        self.run_id = run_id
        self._fd: Optional[int] = None

    def _open(self) -> int:
        if self._fd is None:
            # Read too: the torn-line check. O_CREAT matters only where _create cannot link.
            self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        return self._fd

    def _create(self, line: bytes) -> bool:
        """Create the manifest already holding ``line``: written to a temp file, then hard-linked into
        place, so no reader or crash ever sees it empty, and a failed first write leaves no manifest.
        False: it exists (another run made it meanwhile) or links are not supported; append then."""
        import tempfile

        folder = os.path.dirname(self.path) or "."
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(self.path) + ".", suffix=".kvupgrade")
        try:
            try:
                write_all(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                return False
            except OSError as exc:
                if exc.errno in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                    return False  # a file system without hard links
                raise
            fsync_dir(folder)  # the manifest's own directory entry must survive a crash too
            return True
        finally:
            try:
                os.unlink(tmp)
            except OSError:
                pass

    def append(self, record: dict[str, Any], for_path: Optional[str] = None) -> None:
        self.append_many([record], for_path)

    def append_many(self, records: list[dict[str, Any]], for_path: Optional[str] = None) -> None:
        """Append ``records`` as lines in one write and one fsync: durable together, or (disk full)
        none of them (a crash may still tear the last line; readers skip a torn line)."""
        if not records:
            return
        line = b"".join((json.dumps(r, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8", "surrogateescape")
                        for r in records)
        try:
            if self._fd is None and not os.path.exists(self.path) and self._create(line):
                return
            fd = self._open()
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                size = os.fstat(fd).st_size
                # A run killed mid-line left a torn last line: end it, so this record stays parseable.
                torn = bool(size) and os.pread(fd, 1, size - 1) != b"\n"
                try:
                    write_all(fd, (b"\n" if torn else b"") + line)
                    os.fsync(fd)
                except OSError:
                    # Disk full part-way: take our partial line back (we hold the lock), so the
                    # manifest is as it was, not torn by us.
                    try:
                        os.ftruncate(fd, size)
                    except OSError:
                        pass
                    raise
            finally:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        except OSError as exc:
            raise WriteError(f"cannot write the manifest {self.path}: {exc.strerror or exc}; file left untouched",
                             for_path) from None

    def start(self, command: str, tool_version: str, to: str, extra: Optional[dict[str, Any]] = None) -> None:
        self.append({"type": "run", "format": FORMAT, "run_id": self.run_id,
                     "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "command": command, "to": to,
                     "tool_version": tool_version, "host": socket.gethostname(), "pid": os.getpid(),
                     "cwd": os.getcwd(), **(extra or {})})

    def entry(self, src: Source, new_text: str, backup: Optional[str]) -> dict[str, Any]:
        """The ``file`` record of ``src`` about to be replaced by ``new_text``."""
        if backup is None:
            raise WriteError("a manifest needs a backup of every file; file left untouched", src.path)
        return {"type": "file", "run_id": self.run_id, "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "path": os.path.abspath(src.path), "realpath": src.real, "backup": os.path.abspath(backup),
                "sha256_before": src.digest, "sha256_after": sha256(encode(new_text)), "mode": f"{src.mode:04o}"}

    def record(self, src: Source, new_text: str, backup: Optional[str]) -> None:
        """The ``before_replace`` hook of ``api.apply_file``: durable before the file changes."""
        self.append(self.entry(src, new_text, backup), src.path)

    def record_many(self, items: list[tuple[Source, str, Optional[str]]]) -> None:
        """The batch form of ``record`` (``batchapply``): every file's record in one durable append.
        Raises WriteError (naming no file: the caller gives it to each file) when it cannot."""
        self.append_many([self.entry(src, new_text, backup) for src, new_text, backup in items])

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@dataclass
class Damaged:
    """A record that parses as JSON but is not a valid manifest record: its file (if it names one)
    cannot be restored from it, so rollback reports it as that file's error."""

    line: int
    path: Optional[str]  # the file it names, when that much is readable
    run_id: Optional[str]
    reason: str


@dataclass
class Manifest:
    path: str
    runs: list[dict[str, Any]]
    entries: list[dict[str, Any]]
    problems: list[str]  # unparsable lines (a torn last line of a killed run), reported not fatal
    damaged: list[Damaged] = field(default_factory=list)


_ENTRY_KEYS = ("path", "realpath", "backup", "sha256_before", "sha256_after", "mode")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_MODE = re.compile(r"[0-7]{3,4}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 24 else text[:24] + "..."


def entry_problem(rec: dict[str, Any]) -> Optional[str]:
    """Why a ``file`` record cannot be used for a restore, or None when it is intact. Pure: checks
    the shape only (hashes and modes are never echoed whole; they are not secrets, but a damaged
    line can hold anything)."""
    missing = [k for k in _ENTRY_KEYS if k not in rec]
    if missing:
        return f"missing field(s): {', '.join(missing)}"
    wrong = [k for k in _ENTRY_KEYS if not isinstance(rec[k], str)]
    if "run_id" in rec and not isinstance(rec["run_id"], str):
        wrong.append("run_id")
    if wrong:
        return f"field(s) not a string: {', '.join(wrong)}"
    for k in ("path", "realpath", "backup"):
        if not rec[k] or "\x00" in rec[k]:
            return f"{k} is empty or holds a NUL byte"
    for k in ("realpath", "backup"):
        if not os.path.isabs(rec[k]):
            return f"{k} is not an absolute path"
    for k in ("sha256_before", "sha256_after"):
        if not _HEX64.fullmatch(rec[k]):
            return f"{k} is not a sha256 (64 hex digits)"
    if not _MODE.fullmatch(rec["mode"]):
        return f"bad mode {_short(rec['mode'])} (expected octal permission bits such as 0644)"
    return None


def read_manifest(path: str) -> Manifest:
    if os.path.isdir(path):
        path = manifest_path(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise InputError("no such manifest", path) from None
    except OSError as exc:
        raise InputError(f"cannot read the manifest: {exc.strerror or exc}", path) from None
    runs: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    problems: list[str] = []
    damaged: list[Damaged] = []
    for n, line in enumerate(raw.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line.decode("utf-8", "surrogateescape"))
        except ValueError:
            problems.append(f"{path}:{n}: not a JSON line (torn by a killed run?), skipped")
            continue
        if not isinstance(rec, dict):
            damaged.append(Damaged(n, None, None, f"not a manifest record (a JSON {type(rec).__name__})"))
        elif rec.get("type") == "run":
            if isinstance(rec.get("run_id"), str):
                runs.append(rec)
            else:  # restores nothing by itself: its files' records are checked on their own
                problems.append(f"{path}:{n}: a run record without a run id, skipped")
        elif rec.get("type") == "file":
            why = entry_problem(rec)
            if why is None:
                entries.append({**rec, "sha256_before": rec["sha256_before"].lower(),
                                "sha256_after": rec["sha256_after"].lower()})
            else:
                shown = rec.get("path") if isinstance(rec.get("path"), str) else None
                rid = rec.get("run_id") if isinstance(rec.get("run_id"), str) else None
                damaged.append(Damaged(n, shown, rid, why))
        else:
            damaged.append(Damaged(n, None, None, f"not a manifest record (type {_short(rec.get('type'))})"))
    if not runs and not entries and not damaged:
        raise InputError("not a kvupgrade manifest (no run or file records)", path)
    return Manifest(path, runs, entries, problems, damaged)


@dataclass
class Restore:
    path: str
    realpath: str
    status: str  # restored | unchanged | refused | error
    message: str
    runs: list[str]

    @property
    def ok(self) -> bool:
        return self.status in ("restored", "unchanged")

    def to_dict(self) -> dict[str, Any]:
        return {"type": "file", "path": self.path, "realpath": self.realpath, "status": self.status,
                "message": self.message, "runs": self.runs}


def _write_bytes_atomic(real: str, data: bytes, mode: int, current: Optional[bytes], backup: str) -> None:
    """Put ``data`` at ``real`` atomically; when the file exists it must still hold ``current``.
    A deleted file gets the backup's extended attributes (the backup kept the original's)."""
    write_atomic(real, data, mode, sha256(current) if current is not None else None, real, attrs_from=backup)


def _restore_file(real: str, chain: list[dict[str, Any]], force: bool, dry_run: bool,
                  lock_timeout: float) -> Restore:
    """Undo ``chain`` (this file's entries, newest first) under the file's lock."""
    shown = chain[0]["path"]
    runs = [e.get("run_id", "") for e in chain]
    restored = False
    notes: list[str] = []
    sweep_temps(os.path.dirname(real))  # temp files of a killed run on this directory
    with locked(real, lock_timeout):
        for e in chain:
            try:
                with open_regular(real) as fh:
                    current: Optional[bytes] = fh.read()
            except FileNotFoundError:
                current = None
            except OSError as exc:
                return Restore(shown, real, "error", f"cannot read: {exc.strerror or exc}", runs)
            digest = sha256(current) if current is not None else None
            if digest == e["sha256_before"]:
                notes.append(f"run {e.get('run_id')}: already at its content before the run")
                continue  # killed between manifest line and replace, or already rolled back
            if digest != e["sha256_after"] and not force:
                what = "was deleted" if current is None else "changed"
                return Restore(shown, real, "refused",
                               f"the file {what} since run {e.get('run_id')} wrote it (neither its content before nor"
                               f" after that run); left as it is (--force restores the backup anyway)", runs)
            try:
                with open_regular(e["backup"]) as fh:
                    old = fh.read()
            except OSError as exc:
                return Restore(shown, real, "error", f"cannot read the backup {e['backup']}: {exc.strerror or exc}", runs)
            if sha256(old) != e["sha256_before"]:
                return Restore(shown, real, "error",
                               f"the backup {e['backup']} does not match the recorded hash; file left as it is", runs)
            if not dry_run:
                try:
                    _write_bytes_atomic(real, old, int(e["mode"], 8), current, e["backup"])
                except KvUpgradeError as exc:
                    return Restore(shown, real, "error", exc.message, runs)
            restored = True
            forced = " (forced: the file had changed since)" if digest != e["sha256_after"] else ""
            notes.append(f"run {e.get('run_id')}: {'would restore' if dry_run else 'restored'} {e['backup']}{forced}")
    return Restore(shown, real, "restored" if restored else "unchanged", "; ".join(notes), runs)


def rollback(man: Manifest, *, force: bool = False, run_id: Optional[str] = None, dry_run: bool = False,
             lock_timeout: float = 30.0) -> Iterator[Restore]:
    """Restore every file the manifest's runs (or run ``run_id``) touched; one result per file."""
    entries = [e for e in man.entries if run_id is None or e.get("run_id") == run_id]
    chains: dict[str, list[dict[str, Any]]] = {}
    for e in reversed(entries):  # newest first, so several runs unwind in order
        chains.setdefault(e["realpath"], []).append(e)
    order = dict.fromkeys(e["realpath"] for e in entries)  # report in the order the runs touched files
    for real in order:
        chain = chains[real]
        try:
            yield _restore_file(real, chain, force, dry_run, lock_timeout)
        except KvUpgradeError as exc:  # e.g. the lock is held by a running apply
            yield Restore(chain[0]["path"], real, "error", exc.message, [e.get("run_id", "") for e in chain])
    # Damaged records come last, after every intact entry was restored: each is an error (exit 1),
    # because whatever file it recorded is not restored from it.
    for d in man.damaged:
        if run_id is not None and d.run_id is not None and d.run_id != run_id:
            continue
        where = f"{man.path}:{d.line}"
        yield Restore(d.path or where, "", "error", f"{where}: damaged manifest record, not restored: {d.reason}",
                      [d.run_id] if d.run_id else [])
