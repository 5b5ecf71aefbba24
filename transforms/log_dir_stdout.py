"""H5, an unset ``log-dir`` also logs to stdout from 2.14.0 (apache/kvrocks#3085).

The option's default text does not change (so default_change is silent), but its meaning
does: 2.13.0 and older log to files in ``dir`` when ``log-dir`` is unset; 2.14.0 logs to
``<dir>`` and stdout. Report only (info): a file that wants files only can set ``log-dir``
to the directory explicitly. On a rollback below 2.14.0 the other way round: stdout goes quiet.
"""

from __future__ import annotations

from typing import Iterator

from upgrader.findings import Finding
from upgrader.registry import Context, Transform

transform = Transform(
    __name__,
    kind="unset log-dir meaning",
    stage="window",
    safety="display",
    why="report only: whether stdout logging is welcome depends on the deployment",
    title="Unset log-dir logs to stdout too from 2.14.0",
    since=(2, 14, 0),
    priority=60,
    directions=("forward", "backward"),
)


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    if "log-dir" in ctx.effective():
        return
    if ctx.backward:
        yield transform.finding(
            "log-dir", "info",
            "log-dir is not set: 2.14.0 logs to <dir> and stdout; below 2.14.0 the server logs to files in dir only,"
            " so after the rollback stdout (a container's log, the systemd journal) gets no log lines."
            " Set log-dir stdout if something reads them there (the server then writes no log files).",
            since=transform.since, references=["apache/kvrocks#3085"],
        )
        return
    yield transform.finding(
        "log-dir", "info",
        "log-dir is not set: up to 2.13.0 the server logs to files in dir only; from 2.14.0 it logs to <dir> and"
        " stdout (a container or systemd journal sees every log line). Set log-dir to the directory to keep files only.",
        since=transform.since, references=["apache/kvrocks#3085"],
    )
