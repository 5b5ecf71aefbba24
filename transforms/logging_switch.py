"""H13, the logging switch of 2.13.0 (spdlog, apache/kvrocks#2881).

* ``log-retention-days 0``: up to 2.12.x "delete old logs now", from 2.13.0 "disabled";
  the option also becomes read-only (value_domain reports that).
* ``log-dir`` with ``,`` or ``:``: before 2.13.0 one path (a directory literally named
  ``a,b:level``, inferred); from 2.13.0 a list of ``dest[:level]`` destinations.

Report only: the old meaning cannot be written in the new syntax. A rollback below 2.13.0 meets
the same two changes the other way round.
"""

from __future__ import annotations

from typing import Iterator

from upgrader.findings import Finding
from upgrader.registry import Context, Transform
from upgrader.values import ValueProblem, read_int

transform = Transform(
    __name__,
    kind="logging switch",
    stage="hop",
    safety="display",
    why="the old meaning has no equivalent in the new logging options",
    title="log-retention-days 0 and log-dir lists change meaning in 2.13.0",
    since=(2, 13, 0),
    priority=45,
    directions=("forward", "backward"),
)

REFS = ["apache/kvrocks#2881"]


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    eff = ctx.effective()
    ret = eff.get("log-retention-days")
    if ret is not None:
        try:
            zero = read_int(ret.value, ctx.start_release.integers) == 0
        except ValueProblem:
            zero = False
        if zero and ctx.backward:
            yield transform.finding(
                "log-retention-days", "warning",
                "log-retention-days 0 means 'retention disabled' from 2.13.0; below 2.13.0 it means 'delete old log"
                " files right away', so after the rollback old logs are deleted. Set a number of days to keep them.",
                since=transform.since, line=ret, references=REFS,
            )
        elif zero:
            yield transform.finding(
                "log-retention-days", "warning",
                "log-retention-days 0 meant 'delete old log files right away' up to 2.12.x; from 2.13.0 it means"
                " 'retention disabled', so old logs are no longer deleted. Set a number of days to keep deleting them.",
                since=transform.since, line=ret, references=REFS,
            )
    log_dir = eff.get("log-dir")
    if log_dir is not None and ("," in log_dir.value or ":" in log_dir.value) and ctx.backward:
        yield transform.finding(
            "log-dir", "warning",
            f"log-dir {log_dir.value!r}: from 2.13.0 a list of destinations 'dest[:level],...'; below 2.13.0 one"
            " directory name (inferred), so after the rollback logs go elsewhere. Set one directory.",
            since=transform.since, line=log_dir, references=REFS, evidence="inferred",
        )
    elif log_dir is not None and ("," in log_dir.value or ":" in log_dir.value):
        yield transform.finding(
            "log-dir", "warning",
            f"log-dir {log_dir.value!r}: before 2.13.0 this is one directory name (inferred); from 2.13.0 it is a"
            " list of destinations 'dest[:level],...', so logs go elsewhere.",
            since=transform.since, line=log_dir, references=REFS, evidence="inferred",
        )
