"""Options a site forbids (``forbidden`` in a user overlay, ``--overlay site.yaml``).

Reported as errors wherever the option is set, whatever the versions. The fix (comment
the line out) needs review: the site's reason may call for another value rather than none.
"""

from __future__ import annotations

from typing import Iterator

from upgrader.findings import Finding
from upgrader.registry import Context, Transform, commented

transform = Transform(
    __name__,
    kind="site policy",
    stage="target",
    safety="unsafe",
    why="the site's policy may call for another value, not for removing the line",
    title="Report options a site's overlay forbids",
    priority=70,
    directions=("forward", "backward"),
)


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    if not ctx.matrix.forbidden:
        return
    for ln in ctx.doc.directives():
        rule = ctx.matrix.forbidden.get(ln.norm_key)
        if rule is None:
            continue
        yield transform.finding(
            ln.norm_key, "error", f"{ln.norm_key} is forbidden by site policy: {rule['reason']}",
            line=ln, action="comment_out", references=rule.get("refs") or (),
            new_lines=[commented(ln, f"forbidden by site policy: {rule['reason']}")],
            before=ctx.shown(ln.norm_key, ln.value), evidence="site-policy",
        )
