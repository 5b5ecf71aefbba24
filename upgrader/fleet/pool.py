"""The worker pool of a fleet run: per-file isolation, worker processes, results in input order.

``run_files`` plans/applies each file on its own (``Worker.one``: a bad file, even an internal
error, is that file's error record, the file untouched) in-process for one job or one file,
else in forked worker processes fed chunks of CHUNK files (APPLY_CHUNK for an apply, whose chunk
is one batch: ``Worker.many``, ``batchapply``) with at most WINDOW_PER_WORKER chunks per worker
in flight: results come back in input order and the window bounds the reorder
buffer. A worker that dies fails only its chunk's files; the rest are redone in a new pool. A
worker never outlives its parent (PR_SET_PDEATHSIG). When the job carries a ``render``
callable (a streaming writer's ``renderer``), the worker renders each record and returns only
what the parent needs to write and count it.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from itertools import chain, islice
from typing import Any, Callable, Iterable, Iterator, Optional

from .inputs import Item, carrier_globs
from .job import FleetJob

CHUNK = 4  # files per task: amortises the inter-process round trip without hurting balance
APPLY_CHUNK = 32  # files per apply task: one durability pass each (measured: docs/RELIABILITY.md)
WINDOW_PER_WORKER = 4  # chunks in flight per worker: keeps workers busy, bounds the reorder buffer


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # the cores this process may use (cgroups, taskset)
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _compact(f: dict[str, Any], rendered: str) -> dict[str, Any]:
    """What the parent needs of a rendered record: the output, the summary counts, the exit code."""
    out: dict[str, Any] = {k: f[k] for k in ("path", "status", "exit", "changed", "error") if k in f}
    out["findings"] = [{"severity": x["severity"], "option": x["option"]} for x in f.get("findings", ())]
    out["rendered"] = rendered
    return out


def _error_dict(path: str, message: str) -> dict[str, Any]:
    return {"path": path, "status": "error", "exit": 1, "error": message, "error_line": None,
            "written": False, "backup": None}


def _skipped_dict(path: str, reason: str) -> dict[str, Any]:
    """A file a directory walk met that holds no Kvrocks settings: counted and listed (JSON), not
    failed; it does not change the exit code. A file named on the command line is never skipped."""
    return {"path": path, "status": "skipped", "exit": 0, "reason": reason, "written": False, "backup": None}


def _masked_for(path: str, message: str, matrix: Any) -> str:
    """``message`` with the secrets the file holds masked (the same scan and masking as a record)."""
    from ..redact import Redactor
    from ..secretscan import scan

    try:
        with open(path, "rb") as fh:
            text = fh.read(16 * 1024 * 1024).decode("utf-8", "surrogateescape")
    except OSError:
        return message
    return Redactor(matrix, scan(matrix, text)).free(message)


class Worker:
    """Processes files one at a time for a job (in a worker process, or in-process for one job)."""

    def __init__(self, job: FleetJob, share: bool = True) -> None:
        self.job = job
        self.journal = None
        self.nodes: Any = None  # live runs: a NodeCache, made on the first file
        # Each distinct kvrocks.conf is planned once per worker process (upgrader/plancache.py);
        # KVUPGRADE_NO_SHARE=1 plans every file on its own (comparisons, benchmarks). ``share``
        # False: a run of one file, which has nothing to share (and need not import the cache).
        self.planner: Any = None
        if share and os.environ.get("KVUPGRADE_NO_SHARE", "") in ("", "0"):
            from ..api import shared_planner

            self.planner = shared_planner()
        if job.manifest and job.command == "apply":
            from ..manifest import Journal

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
        from ..fileio import open_regular

        try:
            with open_regular(path) as fh:  # never blocks on a FIFO swapped in since the walk
                data = fh.read(4 * 1024 * 1024)
        except OSError:
            return False
        if b"kvrocks" not in data.lower() or b"\0" in data:
            return False
        try:
            from ..carriers import detect_kind
            from ..confmodel import decode

            return detect_kind(path, decode(data)) != "conf"
        except Exception:  # not a shape the carriers know: not ours to report
            return False

    def one(self, path: str, sniff: bool = False) -> Optional[dict[str, Any]]:
        """The file's record; a walked candidate with no Kvrocks settings is a skipped record."""
        from ..api import apply_file, plan_file

        j = self.job
        early = self._early(path, sniff)
        if early is not None:
            return early
        m = j.request.matrix
        try:
            req = self._request_for(path)
            seen: dict[str, Any] = {}
            if j.live is not None:
                return self.live_one(path, req)
            if j.command == "apply":
                o = apply_file(path, request=req, backup=j.backup, backup_dir=self.backup_dir_for(path),
                               lock_timeout=j.lock_timeout, before_replace=self.journal.record if self.journal else None,
                               verify=self.verifier(seen) if j.judge is not None else None,
                               planner=self.planner)
            else:
                o = plan_file(path, request=req, planner=self.planner)
                if j.judge is not None and o.plan is not None:
                    from .judging import judge_plan

                    seen["realserver"] = judge_plan(j.judge, o.plan, m)
            return self._finish(path, sniff, o, seen)
        except Exception as exc:  # isolation: a bug met on one file is that file's error, not the run's
            return self._internal(path, exc)

    def many(self, items: list[Item]) -> list[Optional[dict[str, Any]]]:
        """The records of a chunk, in order. An apply of several files goes through one batch
        (``batchapply``: one durability pass for the chunk); anything else file by file."""
        j = self.job
        if not batched(j) or len(items) <= 1:
            return [self.one(p, sniff) for p, sniff in items]
        from ..batchapply import BatchItem, apply_batch

        out: list[Optional[dict[str, Any]]] = [None] * len(items)
        batch: list[BatchItem] = []
        where: list[tuple[int, bool, dict[str, Any]]] = []
        for k, (path, sniff) in enumerate(items):
            early = self._early(path, sniff)
            if early is not None:
                out[k] = early
                continue
            try:
                seen: dict[str, Any] = {}
                batch.append(BatchItem(path, self._request_for(path), self.backup_dir_for(path),
                                       self.verifier(seen) if j.judge is not None else None))
                where.append((k, sniff, seen))
            except Exception as exc:  # isolation, as in ``one``
                out[k] = self._internal(path, exc)
        try:
            results: list[Any] = apply_batch(batch, backup=j.backup, lock_timeout=j.lock_timeout,
                                             record=self.journal.record_many if self.journal else None,
                                             planner=self.planner)
        except Exception as exc:  # a bug outside any one file: each file of the batch reports it
            results = [exc] * len(batch)
        for (k, sniff, seen), item, r in zip(where, batch, results):
            try:
                if isinstance(r, Exception):
                    raise r
                out[k] = self._finish(item.path, sniff, r, seen)
            except Exception as exc:
                out[k] = self._internal(item.path, exc)
        return out

    def _early(self, path: str, sniff: bool) -> Optional[dict[str, Any]]:
        """The record of a file settled before it is read for planning: a walked candidate with no
        Kvrocks settings (skipped), a directory."""
        if sniff and not self.is_carrier(path):
            return _skipped_dict(path, "no Kvrocks settings in a shape kvupgrade knows")
        if os.path.isdir(path):
            return _error_dict(path, f"{path}: is a directory, and no file in it matches the --include globs"
                                     f" (default: {', '.join(carrier_globs(self.job.request.kind)[0])})")
        return None

    def _request_for(self, path: str) -> Any:
        j = self.job
        return j.request if j.inventory is None else j.inventory.request_for(path, j.request)

    def _finish(self, path: str, sniff: bool, o: Any, seen: dict[str, Any]) -> dict[str, Any]:
        from ..report.jsonout import outcome_to_dict

        if sniff and o.no_content:
            return _skipped_dict(path, o.error or "no Kvrocks settings")
        o.extra.update(seen)
        return outcome_to_dict(o, self.job.request.matrix, with_diff=self.job.with_diff)

    def _internal(self, path: str, exc: BaseException) -> dict[str, Any]:
        """A bug met on one file is that file's error record, the file untouched."""
        if os.environ.get("KVUPGRADE_DEBUG"):
            import traceback

            # a traceback quotes values: masked with the file's secrets
            detail = _masked_for(path, "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
                                 self.job.request.matrix)
        else:  # no message: it could quote a secret from the file
            detail = f"{type(exc).__name__} (set KVUPGRADE_DEBUG=1 for a traceback)"
        return _error_dict(path, f"{path}: internal error, file left untouched: {detail}")

    def live_one(self, path: str, req: Any) -> dict[str, Any]:
        """plan --live / verify --live: the file against its node; a node that cannot be read, or
        whose release cannot be the plan's source, is this file's error."""
        from ..errors import KvUpgradeError
        from ..report.jsonout import outcome_to_dict
        from .liveread import NodeCache, plan_live, target_for, verify_live

        j = self.job
        assert j.live is not None
        if self.nodes is None:
            self.nodes = NodeCache(j.live)
        m = req.matrix
        try:
            target = target_for(j.live, j.inventory.node_for(path) if j.inventory is not None else None, path)
            node = self.nodes.read(target, m)
            if j.command == "verify":
                o, live, code = verify_live(path, req, node)
            else:
                o, live = plan_live(path, req, node)
                code = None
                if j.judge is not None and o.plan is not None:  # plan --live --verify-with: both
                    from .judging import judge_plan

                    o.extra["realserver"] = judge_plan(j.judge, o.plan, m)
        except KvUpgradeError as exc:
            msg = exc.render()
            return _error_dict(path, msg if msg.startswith(path) else f"{path}: {msg}")
        o.extra["live"] = live
        d = outcome_to_dict(o, m, with_diff=j.with_diff and j.command != "verify")
        if code is not None and d["status"] != "error":
            d["exit"] = code
            d["status"] = {0: "unchanged", 3: "changed", 4: "blocked"}[code]
            d["changed"] = code != 0  # the summary counts a verified file as unchanged, others not
        return d

    def verifier(self, seen: dict[str, Any]) -> Callable[[Any], None]:
        """apply --verify-with: judge the rewritten text before anything is written; a refusal is
        a WriteError, so the file is left untouched and its record says why."""
        from ..errors import WriteError
        from .judging import judge_plan, refused

        spec = self.job.judge
        assert spec is not None

        def verify(plan: Any) -> None:
            seen["realserver"] = judge_plan(spec, plan, self.job.request.matrix)
            why = refused(plan)
            if why is not None:
                raise WriteError(f"not written: {why}", plan.path)

        return verify

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
    render = _WORKER.job.render
    out = _WORKER.many(items)
    if render is None:
        return out
    return [_compact(d, render(d)) if d is not None and d["status"] != "skipped" else d for d in out]


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


def batched(job: FleetJob) -> bool:
    """An apply (not --live) writes a chunk as one batch (``batchapply``)."""
    return job.command == "apply" and job.live is None


def chunk_size(job: FleetJob) -> int:
    """Files per task: an apply batches its chunk's durability, so more per chunk."""
    return APPLY_CHUNK if batched(job) else CHUNK


def run_files(job: FleetJob, paths: Iterable[Any], jobs: int) -> Iterator[dict[str, Any]]:
    """Per-file dicts in input order. ``paths``: path strings or ``iter_inputs`` items. In-process
    for one job or one file (no pool start-up for the common single-file call), else a pool."""
    it: Iterator[Item] = ((p, False) if isinstance(p, str) else p for p in paths)
    size = chunk_size(job)
    peek = max(2, jobs * size * WINDOW_PER_WORKER)
    head = list(islice(it, peek))
    if jobs <= 1 or len(head) <= 1:
        w = Worker(job, share=len(head) > 1)
        try:
            if not batched(job) or len(head) <= 1:  # one file by one (a single apply: ``apply_file``'s sequence)
                for p, sniff in chain(head, it):
                    d = w.one(p, sniff)
                    if d is not None:
                        yield d
            else:  # an apply of many files: a batch per chunk
                for c in _chunks(chain(head, it), size):
                    for d in w.many(c):
                        if d is not None:
                            yield d
        finally:
            w.close()
        return
    workers = min(jobs, len(head))
    if len(head) < peek:  # the whole fleet is in ``head``: spread it over every worker's window
        size = max(1, -(-len(head) // (workers * WINDOW_PER_WORKER))) if batched(job) else 1
    yield from _parallel(job, chain(head, it), workers, size)


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
