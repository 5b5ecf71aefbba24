"""H7, files that pin every default (written by CONFIG REWRITE up to 2.6.0, or auto resize).

Up to 2.6.0 CONFIG REWRITE appended every known option, defaults included (the 30-minute
auto resize rewrote the file up to 2.0.4). Such a file never follows a later default
change. default_change reports each option set to its old default; this transform adds
one info line when the file looks rewritten, so the operator sees why there are many.
Report only: whether to follow the new defaults is a per-option decision.
"""

from __future__ import annotations

from typing import Iterator

from upgrader.findings import Finding
from upgrader.registry import Context, Transform
from upgrader.values import ValueProblem, read_value

transform = Transform(
    __name__,
    kind="file pins every default",
    stage="window",
    safety="display",
    why="whether to follow each new default is the operator's choice",
    title="A file written by an old CONFIG REWRITE pins defaults that later change",
    priority=65,
)

LAST_FULL_REWRITE = (2, 6, 0)  # 2.7.0 appends only non-defaults (#1882)
SHARE = 0.8  # a rewritten file sets (nearly) every option of its release


def _at_default(ctx: Context, key: str, value: str) -> bool:
    st = ctx.state(key, ctx.source)
    if st is None or st.default is None:
        return False
    era = ctx.matrix.release(ctx.source).integers
    try:
        return read_value(value, st, era).canonical == read_value(st.default, st, era).canonical
    except ValueProblem:
        return False


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    if ctx.source > LAST_FULL_REWRITE:
        return
    known = ctx.matrix.options_at(ctx.source)
    # What a rewrite appends: every option with a non-empty value (OpenSSL-only ones aside).
    appended = [k for k, st in known.items() if st.default and not st.ifdef]
    eff = ctx.effective()
    set_known = [k for k in eff if k in known]
    if not appended or len(set_known) < SHARE * len(appended):
        return
    stale = sorted(k for k in set_known if _at_default(ctx, k, eff[k].value)
                   and (after := ctx.state(k, ctx.target)) is not None
                   and after.default not in (None, known[k].default))
    if not stale:
        return
    yield transform.finding(
        "*", "info",
        f"The file sets {len(set_known)} of the {len(known)} options of {ctx.matrix.release(ctx.source).name},"
        " defaults included, like a CONFIG REWRITE up to 2.6.0: options pinned at an old default do not follow"
        f" the new one ({', '.join(stale)}). See the default_change findings for each.",
        evidence="inferred",
    )
