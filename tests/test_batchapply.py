"""Batch apply (issue 15, part 2): one durability pass per chunk, records identical to apply_file's,
errors per file, the same guarantees as the per-file sequence (crash tests: test_crash_safety.py)."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path
from typing import Any, Optional

import pytest

import upgrader.batchapply as batchapply
import upgrader.fileio as fileio
from tests.test_fleet import FROM, TO, make_fleet
from upgrader import fleet
from upgrader.api import Outcome, apply_file
from upgrader.batchapply import BatchItem, apply_batch
from upgrader.carriers import plan_any
from upgrader.manifest import Journal, read_manifest
from upgrader.report.jsonout import outcome_to_dict
from upgrader.request import Request

REQ = Request.build(to=TO, from_=FROM)


@pytest.fixture(autouse=True)
def _locks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KVUPGRADE_LOCK_DIR", str(tmp_path / "locks"))


def _fleet(root: Path, n: int = 12) -> dict[str, bytes]:
    files = make_fleet(root, n)  # good files (changed and unchanged) and three bad ones
    link = root / "link.conf"
    link.symlink_to(next(p for p in files if "host0001" in p))  # the same file twice in one batch
    files[str(link)] = link.read_bytes()
    files[str(root / "missing.conf")] = b""
    return files


def _record(o: Any, root: Path) -> dict[str, Any]:
    """An outcome as its record, with the fleet's root and the backup's time stamp taken out."""
    assert isinstance(o, Outcome), o
    d = outcome_to_dict(o, REQ.matrix, with_diff=True)
    if d.get("backup"):
        d["backup"] = os.path.basename(os.path.dirname(d["backup"]))
    return {k: v.replace(str(root), "ROOT") if isinstance(v, str) else v for k, v in d.items()}


@pytest.mark.parametrize("sync", fileio.SYNC_MODES)
def test_records_and_bytes_are_those_of_apply_file_one_by_one(tmp_path: Path, sync: str) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    fa, fb = _fleet(a), _fleet(b)
    one_by_one = [apply_file(p, request=REQ, backup_dir=os.path.dirname(p) + ".bk") for p in fa]
    batch = apply_batch([BatchItem(p, REQ, os.path.dirname(p) + ".bk") for p in fb], sync=sync)
    assert [_record(o, a) for o in one_by_one] == [_record(o, b) for o in batch]
    assert sum(o.written for o in batch) >= 6 and sum(o.error is not None for o in batch) == 4  # type: ignore[union-attr]
    for pa in fa:
        if os.path.exists(pa):
            assert Path(pa).read_bytes() == (b / os.path.relpath(pa, a)).read_bytes()
    for o in batch:  # each backup holds the bytes read
        if o.backup:  # type: ignore[union-attr]
            assert Path(o.backup).read_bytes() == fb[o.path]  # type: ignore[union-attr]
    assert not [n for n in b.rglob("*") if fileio.TEMP_NAME.fullmatch(n.name)]


def test_the_same_file_twice_is_written_once_as_in_a_sequential_run(tmp_path: Path) -> None:
    p = tmp_path / "kvrocks.conf"
    make_fleet(tmp_path / "f", 1, bad=False)
    shutil.copy(next((tmp_path / "f").rglob("*.conf")), p)
    (tmp_path / "link.conf").symlink_to(p)
    out = apply_batch([BatchItem(str(p), REQ), BatchItem(str(tmp_path / "link.conf"), REQ)])
    assert [o.written for o in out] == [True, False]  # type: ignore[union-attr]
    assert [o.error for o in out] == [None, None]  # type: ignore[union-attr]


def test_locks_are_taken_in_sorted_real_path_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = list(make_fleet(tmp_path, 6, bad=False))
    taken: list[str] = []
    real_locked = batchapply.locked

    def spy(real: str, timeout: float = 30.0) -> Any:
        taken.append(real)
        return real_locked(real, timeout)

    monkeypatch.setattr(batchapply, "locked", spy)
    apply_batch([BatchItem(p, REQ) for p in reversed(files)])
    assert taken == sorted(os.path.realpath(p) for p in files)


def test_a_temp_file_that_fails_fails_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = [p for p, data in make_fleet(tmp_path, 8, bad=False).items() if b"row_cache" in data]
    victim = files[1]
    real_stage = batchapply.stage_temp

    def stage(real: str, data: bytes, mode: int, label: str, attrs_from: Optional[str] = None) -> Any:
        if real == os.path.realpath(victim):
            raise fileio.WriteError("cannot write: No space left on device; file left untouched", label)
        return real_stage(real, data, mode, label, attrs_from)

    monkeypatch.setattr(batchapply, "stage_temp", stage)
    before = {p: Path(p).read_bytes() for p in files}
    out = apply_batch([BatchItem(p, REQ) for p in files], backup=False)
    for p, o in zip(files, out):
        assert isinstance(o, Outcome)
        if p == victim:
            assert o.error == f"{p}: cannot write: No space left on device; file left untouched" and not o.written
            assert Path(p).read_bytes() == before[p]
        else:
            assert o.error is None and o.written and Path(p).read_bytes() != before[p]


def test_a_failed_sync_pass_fails_the_batch_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Disk full while syncing: nothing renamed, no temp file, no backup, no manifest record."""
    root = tmp_path / "fleet"
    files = make_fleet(root, 8, bad=False)

    def full(staged: Any, mode: Optional[str] = None) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(batchapply, "make_durable", full)
    bk = tmp_path / "bk"
    j = Journal(str(bk / "manifest.jsonl"), "run-1")
    j.start("apply", "0", TO)
    out = apply_batch([BatchItem(p, REQ, str(bk / "run-1")) for p in files], record=j.record_many)
    j.close()
    changed = [o for o in out if isinstance(o, Outcome) and o.plan is None]
    assert len(changed) >= 4
    for o in changed:
        assert o.error == f"{o.path}: cannot write: No space left on device; file left untouched"
    for p, data in files.items():
        assert Path(p).read_bytes() == data
    assert not [n for n in tmp_path.rglob("*") if fileio.TEMP_NAME.fullmatch(n.name) or n.name.endswith(".bak")]
    assert read_manifest(str(bk)).entries == []


def test_a_failed_manifest_append_renames_nothing(tmp_path: Path) -> None:
    files = make_fleet(tmp_path / "fleet", 8, bad=False)

    def refuse(items: Any) -> None:
        raise fileio.WriteError("cannot write the manifest M: No space left on device; file left untouched")

    out = apply_batch([BatchItem(p, REQ) for p in files], record=refuse)
    errors = [o.error for o in out if isinstance(o, Outcome) and o.error]
    assert len(errors) >= 4
    assert all(e.endswith(": cannot write the manifest M: No space left on device; file left untouched") for e in errors)
    for p, data in files.items():
        assert Path(p).read_bytes() == data
    assert not [n for n in tmp_path.rglob("*") if fileio.TEMP_NAME.fullmatch(n.name)]


def test_a_concurrent_change_fails_that_file_only(tmp_path: Path) -> None:
    """Another writer changes one file after it was read: its record says so, its temp file is
    removed and the other writer's content stays; the other files are written."""
    files = [p for p, data in make_fleet(tmp_path, 6, bad=False).items() if b"row_cache" in data]
    victim = files[0]

    def planner(text: str, request: Request, path: Optional[str]) -> Any:
        plan = plan_any(text, request, path)
        if path == victim:
            Path(victim).write_text("port 1\n")  # e.g. Kvrocks' own CONFIG REWRITE
        return plan

    out = apply_batch([BatchItem(p, REQ) for p in files], backup=False, planner=planner)
    assert isinstance(out[0], Outcome) and out[0].error is not None and "changed since it was read" in out[0].error
    assert Path(victim).read_text() == "port 1\n"
    assert all(isinstance(o, Outcome) and o.written for o in out[1:])
    assert not [n for n in tmp_path.rglob("*") if fileio.TEMP_NAME.fullmatch(n.name)]


def test_a_bug_on_one_file_is_that_files_result(tmp_path: Path) -> None:
    files = list(make_fleet(tmp_path, 4, bad=False))

    def planner(text: str, request: Request, path: Optional[str]) -> Any:
        if path == files[2]:
            raise ZeroDivisionError("a bug")
        return plan_any(text, request, path)

    out = apply_batch([BatchItem(p, REQ) for p in files], planner=planner)
    assert isinstance(out[2], ZeroDivisionError)
    assert all(isinstance(o, Outcome) and o.error is None for i, o in enumerate(out) if i != 2)


class _Counts:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: dict[str, int] = {"fsync": 0, "fdatasync": 0, "syncfs": 0}
        real_fsync, real_fdatasync = os.fsync, os.fdatasync
        real_syncfs = fileio._syncfs_func()
        monkeypatch.setattr(fileio, "_syncfs_func", lambda: real_syncfs)  # no cache: patched per test

        def count(name: str, fn: Any) -> Any:
            def wrapped(*a: Any) -> Any:
                self.calls[name] += 1
                return fn(*a)
            return wrapped

        monkeypatch.setattr(os, "fsync", count("fsync", real_fsync))
        monkeypatch.setattr(os, "fdatasync", count("fdatasync", real_fdatasync))
        if real_syncfs is not None:
            monkeypatch.setattr(fileio, "_syncfs_func", lambda: count("syncfs", real_syncfs))


def test_a_batch_makes_a_constant_number_of_sync_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """syncfs mode: one syncfs before the manifest, one manifest fsync, one syncfs after the renames,
    whatever the number of files (per file: 4 fsyncs with apply_file)."""
    if fileio._syncfs_func() is None:
        pytest.skip("no syncfs here (not Linux 5.8+)")
    if fileio._fs_types().get(os.stat(tmp_path).st_dev) not in fileio.SYNCFS_TYPES:
        pytest.skip("the temp directory's file system is not one whose syncfs is trusted")
    files = [p for p, data in make_fleet(tmp_path / "fleet", 24, bad=False).items() if b"row_cache" in data]
    bk = tmp_path / "bk"
    j = Journal(str(bk / "manifest.jsonl"), "run-1")
    j.start("apply", "0", TO)
    n = _Counts(monkeypatch)
    out = apply_batch([BatchItem(p, REQ, str(bk / "run-1" / str(i))) for i, p in enumerate(files)],
                      record=j.record_many, sync="syncfs")
    j.close()
    assert all(isinstance(o, Outcome) and o.written for o in out) and len(out) >= 12
    assert n.calls == {"fsync": 1, "fdatasync": 0, "syncfs": 2}
    assert len(read_manifest(str(bk)).entries) == len(files)


@pytest.mark.parametrize("why", ["no syncfs", "KVUPGRADE_SYNC=fsync", "a file system not trusted"])
def test_the_fsync_fallback_syncs_each_file_and_each_backup_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                       why: str) -> None:
    files = [p for p, data in make_fleet(tmp_path / "fleet", 12, bad=False).items() if b"row_cache" in data]
    n = _Counts(monkeypatch)
    if why == "no syncfs":
        monkeypatch.setattr(fileio, "_syncfs_func", lambda: None)  # not Linux, or before 5.8
        assert fileio.sync_mode() == "fsync"
    elif why == "KVUPGRADE_SYNC=fsync":
        monkeypatch.setenv("KVUPGRADE_SYNC", "fsync")
        assert fileio.sync_mode() == "fsync"
    else:
        monkeypatch.setattr(fileio, "_fs_types", lambda: {})  # e.g. NFS or FUSE, where syncfs may do nothing
    out = apply_batch([BatchItem(p, REQ, str(tmp_path / "bk")) for p in files])
    assert all(isinstance(o, Outcome) and o.written for o in out)
    dirs = {os.path.dirname(p) for p in files}
    # each backup and temp file, the one backup directory, each edited directory once; no syncfs
    assert n.calls == {"fsync": 2 * len(files) + 1 + len(dirs), "fdatasync": 0, "syncfs": 0}


def test_fleet_apply_goes_through_the_batch_and_a_single_file_does_not(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    files = list(make_fleet(tmp_path, 10, bad=False))
    job = fleet.FleetJob(command="apply", request=REQ, backup=False, with_diff=False)
    seen: list[int] = []
    real = batchapply.apply_batch

    def spy(items: Any, **kw: Any) -> Any:
        seen.append(len(items))
        return real(items, **kw)

    monkeypatch.setattr(batchapply, "apply_batch", spy)
    recs = list(fleet.run_files(job, files, jobs=1))
    assert [r["path"] for r in recs] == files and sum(seen) == len(files) and max(seen) > 1
    seen.clear()
    one = list(fleet.run_files(job, files[:1], jobs=1))  # `kvupgrade apply FILE`: apply_file's sequence
    assert seen == [] and one[0]["status"] == "unchanged"
