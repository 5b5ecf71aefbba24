"""H14, ``redis-databases`` > 0 with namespaces or cluster mode (2.15.0, apache/kvrocks#3294).

2.15.0 adds ``redis-databases`` (read-only, default 0) and its ``finish()`` check refuses a
value > 0 while any non-default namespace exists or with ``cluster-enabled yes`` (release
notes / PR only). Report only: dropping either side changes what the node serves.
Namespaces kept in the DB (``repl-namespace-enabled yes``) are invisible in the file, so
a file without namespace lines can still fail: the finding says so.
"""

from __future__ import annotations

from typing import Iterator

from upgrader.findings import Finding
from upgrader.registry import Context, Transform
from upgrader.values import ValueProblem, read_int

transform = Transform(
    __name__,
    kind="redis-databases conflict",
    stage="hop",
    safety="display",
    why="either redis-databases or the namespaces/cluster mode must go, and which one is the operator's choice",
    title="redis-databases > 0 with namespaces or cluster mode (fatal from 2.15.0)",
    since=(2, 15, 0),
    priority=45,
)

KEY = "redis-databases"


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    eff = ctx.effective()
    ln = eff.get(KEY)
    if ln is None:
        return
    try:
        n = read_int(ln.value, ctx.hi_release.integers)
    except ValueProblem:
        return  # target_check reports the refused value
    if n <= 0:
        return
    spaces = [x for x in ctx.doc.directives() if x.key.lower().startswith("namespace.")]
    cluster = eff.get("cluster-enabled")
    clustered = cluster is not None and cluster.value.lower() == "yes"
    if spaces or clustered:
        what = " and ".join(w for w, on in ((f"{len(spaces)} namespace line(s)", spaces), ("cluster-enabled yes", clustered)) if on)
        yield transform.finding(
            KEY, "error", f"{KEY} {n} with {what}: 2.15.0+ refuse to start (finish() check).",
            since=transform.since, line=ln, action="manual", references=["apache/kvrocks#3294"], evidence="release-notes",
        )
    elif (ra := eff.get("repl-namespace-enabled")) is not None and ra.value.lower() == "yes":
        yield transform.finding(
            KEY, "warning",
            f"{KEY} {n} with repl-namespace-enabled yes: namespaces live in the DB, and any non-default one makes"
            " 2.15.0+ refuse to start. Check NAMESPACE GET * before upgrading.",
            since=transform.since, line=ln, references=["apache/kvrocks#3294"], evidence="release-notes",
        )
