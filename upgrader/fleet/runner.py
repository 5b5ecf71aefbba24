"""A fleet run: inputs -> the worker pool -> a report writer, with a progress line and the exit code.

``run`` takes the job and the items of ``inputs.iter_inputs``, picks the report writer of the
format (``report.writers.report_writer``), lets the workers render each record when the format
streams, writes every record as it arrives in input order, counts the summary, and returns
the worst per-file exit code. A file's error is said once on stderr (the text report leaves it
out; the other formats carry it as the file's record).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field, replace
from typing import IO, Any, Iterable, Optional

from .job import FleetJob
from .pool import run_files


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


@dataclass
class RunResult:
    exit: int
    summary: dict[str, Any] = field(default_factory=dict)


def run(job: FleetJob, paths: Iterable[Any], *, fmt: str, jobs: int, meta: dict[str, Any],
        show_diff: bool = True, progress: bool = True, out: Optional[IO[str]] = None,
        err: Optional[IO[str]] = None, total: Optional[int] = None) -> RunResult:
    """Process the fleet and write the report; the exit code is the worst per-file outcome."""
    from ..exitcodes import Exit, worst
    from ..report.escape import visible
    from ..report.jsonout import add_to_summary, new_summary
    from ..report.writers import report_writer

    out = out or sys.stdout
    err = err or sys.stderr
    colour = fmt == "text" and out.isatty() and not os.environ.get("NO_COLOR")
    bar = Progress(progress and err.isatty() and os.environ.get("TERM") != "dumb", err, total)
    writer = report_writer(fmt, job.command, out, colour=colour, show_diff=show_diff)
    if writer.renderer is not None:
        job = replace(job, render=writer.renderer)
    writer.begin(meta)
    summary = new_summary()
    code = Exit.OK
    try:
        for f in run_files(job, paths, jobs):
            if f["status"] == "skipped":  # counted; listed where a format lists records one by one
                summary["skipped"] = summary.get("skipped", 0) + 1
                if fmt in ("json", "jsonl"):
                    writer.file(f)
                continue
            add_to_summary(summary, f)
            code = worst([code, Exit(f["exit"])])
            bar.clear()  # the bar and the report may share one terminal
            writer.file(f)
            if f["status"] == "error":
                err.write(f"kvupgrade: error: {visible(f['error'])}\n")
            bar.add(f)
    finally:
        bar.clear()
    writer.end(summary)
    if summary["files"] == 0:
        skipped = f" ({summary['skipped']} file(s) without Kvrocks settings skipped)" if summary.get("skipped") else ""
        err.write(f"kvupgrade: error: no config files found in the given paths{skipped}\n")
        return RunResult(int(Exit.ERROR), summary)
    return RunResult(int(code), summary)
