"""Apply to many files with one durability pass per batch (a fleet apply's chunk).

``api.apply_file`` makes each file durable on its own: fsync of the backup, of the manifest line,
of the temp file, of the directory (about 4 per file). A batch does the same steps for all its
files at once, in this order (docs/RELIABILITY.md, "Batched durability", gives the argument):

1. take every file's lock, in the order of the sorted real paths (two runs never deadlock);
2. per file: read under the lock, plan, verify hook, write the backup and the temp file, unsynced;
3. one durability pass over all of them (``fileio.make_durable``: one syncfs per file system);
4. the manifest records of every file about to be renamed: one append, one fsync;
5. per file: re-check the digest, rename;
6. make the renames durable: one syncfs per file system (or an fsync of each distinct directory);
   release the locks.

Errors stay per file: a file that fails at step 2 or 5 gets its own record and the others go on;
a failed durability pass or manifest append fails the files that had reached it (temp files
removed, nothing renamed). Each record is the one ``apply_file`` would give, in input order.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Union

from .api import FILE_ERRORS, Outcome, Planner, error_outcome
from .carriers import plan_any
from .confmodel import encode
from .errors import WriteError
from .fileio import (Source, Staged, commit_temp, locked, make_durable, read_source, resolve, stage_backup, stage_temp,
                     sweep_temps, sync_dirs)
from .findings import Plan
from .request import Request

# The manifest's hook (``Journal.record_many``): every (source, new text, backup) of the files about
# to be renamed, durable when it returns.
Recorder = Callable[[list[tuple[Source, str, Optional[str]]]], None]
# A file's result: its record, or the exception of a bug met on it (the caller reports it as that
# file's internal error, as it does for ``apply_file``).
Result = Union[Outcome, Exception]

# Test-only fault points (tests/test_crash_safety.py): ``KVUPGRADE_TEST_KILL=<point>[:<n>]`` SIGKILLs
# this process's whole group the n-th time (default 1st) this process reaches ``point``.
KILL_POINTS = ("staged", "synced", "journaled", "renamed", "before-dirsync")
_REACHED: dict[str, int] = {}


def _fault(point: str) -> None:
    spec = os.environ.get("KVUPGRADE_TEST_KILL")
    if not spec:
        return
    name, _, nth = spec.partition(":")
    if name != point:
        return
    _REACHED[point] = _REACHED.get(point, 0) + 1
    if _REACHED[point] == int(nth or 1):
        import signal

        os.killpg(os.getpgid(0), signal.SIGKILL)


@dataclass
class BatchItem:
    path: str
    request: Request
    backup_dir: Optional[str] = None
    verify: Optional[Callable[[Plan], None]] = None  # as apply_file's: may refuse (raise) before the backup


class _File:
    """One file's progress through the batch."""

    def __init__(self, item: BatchItem) -> None:
        self.item = item
        self.real: Optional[str] = None
        self.text: Optional[str] = None  # what was read: an error record masks its secrets
        self.src: Optional[Source] = None
        self.plan: Optional[Plan] = None
        self.backup: Optional[Staged] = None
        self.temp: Optional[Staged] = None
        self.result: Optional[Result] = None

    def fail(self, exc: Exception) -> None:
        """This file's record is the error (its temp file removed; a backup stays, as apply_file's)."""
        if self.temp is not None:
            self.temp.discard()
            self.temp = None
        if self.backup is not None:
            self.backup.close()
        self.result = (error_outcome(self.item.path, exc, self.text, self.item.request.matrix)
                       if isinstance(exc, FILE_ERRORS) else exc)


def apply_batch(items: Sequence[BatchItem], *, backup: bool = True, lock_timeout: float = 30.0,
                record: Optional[Recorder] = None, planner: Optional[Planner] = None,
                sync: Optional[str] = None) -> list[Result]:
    """Plan and write each item's file; one result per item, in input order. ``record``: the
    manifest hook (it needs a backup of every file). ``sync``: a ``fileio.SYNC_MODES`` mode (default
    ``fileio.sync_mode()``). Files that resolve to one real file are done one after the other,
    as a sequential run would (the second finds the first's work done). ``planner``: as for
    ``api.apply_file`` (default ``plan_any``; a fleet's ``shared_planner()``)."""
    if planner is None:
        planner = plan_any
    files = [_File(item) for item in items]
    for f in files:
        try:
            f.real = resolve(f.item.path)
        except Exception as exc:  # noqa: BLE001 - per file, whatever it is
            f.fail(exc)
    pending = [f for f in files if f.result is None]
    while pending:
        seen: set[str] = set()
        now: list[_File] = []
        later: list[_File] = []
        for f in pending:
            (later if f.real in seen else now).append(f)
            seen.add(f.real or "")
        _round(now, backup, lock_timeout, record, planner, sync)
        pending = later
    return [f.result if f.result is not None else RuntimeError("no result") for f in files]


def _stage(f: _File, backup: bool, planner: Planner) -> None:
    """Step 2 for one file, under its lock: read, plan, verify, write backup and temp file."""
    src = read_source(f.item.path)  # read under the lock: another run may have just finished
    f.text = src.text
    f.src = src
    plan = planner(src.text, f.item.request, f.item.path)
    f.plan = plan
    if not plan.changed:
        f.result = Outcome(f.item.path, plan=plan)
        return
    if f.item.verify is not None:
        f.item.verify(plan)
    if backup:
        f.backup = stage_backup(src, f.item.backup_dir)
    f.temp = stage_temp(src.real, encode(plan.new_text), src.mode, src.path)


def _round(files: list[_File], backup: bool, lock_timeout: float, record: Optional[Recorder],
           planner: Planner, sync: Optional[str]) -> None:
    """Steps 1-6 for files with distinct real paths."""
    for folder in dict.fromkeys(os.path.dirname(f.real or "") for f in files):
        sweep_temps(folder)  # temp files of a killed run on these directories (before any lock)
    with ExitStack() as locks:
        for f in sorted(files, key=lambda f: f.real or ""):
            try:
                locks.enter_context(locked(f.real or "", lock_timeout))
            except Exception as exc:  # noqa: BLE001
                f.fail(exc)
        try:
            _write(files, backup, record, planner, sync)
        finally:
            for f in files:  # an unexpected exception: nothing half-done stays behind
                if f.temp is not None:
                    f.temp.discard()
                if f.backup is not None:
                    f.backup.close()


def _write(files: list[_File], backup: bool, record: Optional[Recorder], planner: Planner,
           sync: Optional[str]) -> None:
    for f in files:
        if f.result is None:
            try:
                _stage(f, backup, planner)
            except Exception as exc:  # noqa: BLE001
                f.fail(exc)
    staged = [f for f in files if f.result is None and f.temp is not None]
    if not staged:
        return
    _fault("staged")
    try:
        make_durable([s for f in staged for s in (f.backup, f.temp) if s is not None], sync)
    except OSError as exc:
        # Nothing is renamed: the backups are removed too (one that is not known durable could be
        # short after a crash, and would look like a good one).
        for f in staged:
            if f.backup is not None:
                f.backup.discard()
                f.backup = None
            f.fail(WriteError(f"cannot write: {exc.strerror or exc}; file left untouched", f.item.path))
        return
    _fault("synced")
    for f in staged:
        if f.backup is not None:
            f.backup.close()
    if record is not None:
        try:
            record([(f.src, f.plan.new_text, f.backup.path if f.backup else None)  # type: ignore[union-attr,misc]
                    for f in staged])
        except Exception as exc:  # noqa: BLE001
            for f in staged:
                f.fail(WriteError(exc.message, f.item.path) if isinstance(exc, WriteError) else exc)
            return
    _fault("journaled")
    folders: dict[str, None] = {}
    for f in staged:
        temp, f.temp = f.temp, None
        assert temp is not None and f.src is not None
        try:
            commit_temp(temp, f.src.digest, sync_dir=False)  # a failure removes the temp file
        except Exception as exc:  # noqa: BLE001
            f.fail(exc)
            continue
        f.result = Outcome(f.item.path, plan=f.plan, written=True, backup=f.backup.path if f.backup else None)
        folders[os.path.dirname(f.src.real) or "."] = None
        _fault("renamed")
    _fault("before-dirsync")
    sync_dirs(list(folders), sync)
