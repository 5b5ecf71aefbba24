"""Will the target accept this config? Every active key is checked against the target release.

* a key the target does not know is ignored (a warning at startup from 2.5.0 on);
* a key the target has deprecated is ignored with a warning;
* a value outside the option's type, range or enum stops the server;
* a key the source ignored but the target reads changes behaviour on upgrade.

Commenting out a key that both releases ignore changes nothing the server does, but
the key may be a typo the operator meant to fix, so that fix needs review.
"""

from __future__ import annotations

from typing import Iterator

from upgrader.findings import Finding
from upgrader.registry import Context, Transform, commented
from upgrader.values import check_value

transform = Transform(
    __name__,
    kind="target validation",
    stage="target",
    safety="unsafe",
    why="the key may be a typo or meant for another build; commenting it out hides it",
    title="Check every active key and value against the target release",
    priority=80,
)


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    m = ctx.matrix
    tgt = m.release(ctx.target)
    src = m.release(ctx.source)
    for ln in ctx.doc.directives():
        key = ln.norm_key
        if m.pattern_for(key):
            continue
        shown = ctx.shown(key, ln.value)
        st = m.state(key, ctx.target)
        before = m.state(key, ctx.source)
        if st is None:
            loud = "ignored with a warning at startup" if tgt.unknown_keys == "warn" else "silently ignored"
            stale = before is None
            yield transform.finding(
                key, "warning",
                f"{key} is not an option of {tgt.name}: the line is {loud}"
                + (f" (it is not an option of {src.name} either)." if stale else "."),
                line=ln, action="comment_out",
                new_lines=[commented(ln, f"not an option of Kvrocks {tgt.name}")],
                before=shown,
            )
            continue
        if st.status == "deprecated":
            yield transform.finding(
                key, "warning",
                f"{key} is deprecated in {tgt.name} and does not take effect (ignored with a warning at startup).",
                line=ln, action="comment_out", safety="safe",
                why="the target ignores this key either way; the comment keeps the old value visible",
                new_lines=[commented(ln, f"deprecated in Kvrocks {tgt.name}, does not take effect")],
                before=shown,
            )
            continue
        renamed_here = ctx.original.lines[ln.lineno - 1].norm_key != key if ln.lineno <= len(ctx.original.lines) else True
        if before is None and ctx.source != ctx.target and not renamed_here:
            yield transform.finding(
                key, "warning",
                f"{key} is not an option of {src.name} (ignored there) but {tgt.name} reads it:"
                f" the value {shown} takes effect after the upgrade.",
                line=ln, before=None, after=shown,
            )
        problem = check_value(ln.value, st, tgt.integers)
        if problem:
            yield transform.finding(
                key, "error",
                f"{key} {shown} is refused by {tgt.name}: the server will not start ({problem}).",
                line=ln, action="manual", before=shown,
                why="kvupgrade cannot know which value you want; choose one the target accepts",
            )
