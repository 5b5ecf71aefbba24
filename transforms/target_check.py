"""Will the target accept this config? Every active key is checked against the target release.

* a key the target does not know is ignored (a warning at startup from 2.5.0 on);
* a key the target has deprecated is ignored with a warning;
* a value outside the option's type, range or enum stops the server;
* a key the source ignored but the target reads changes behaviour on upgrade.

Commenting out a key that both releases ignore changes nothing the server does. When no
release reads the key (a typo, a made-up key) that keeps the meaning exactly: safe. When some
other release reads it, the line may be meant for that release (a file prepared for a later
upgrade, checked against an older target): commenting it out would lose the setting there, so
that fix needs review.
"""

from __future__ import annotations

from typing import Iterator

from upgrader.findings import Finding
from upgrader.matrix import Matrix
from upgrader.quoting import cut
from upgrader.registry import Context, Transform, commented
from upgrader.values import check_value

from . import newer_release_keys, unknown_keys, unit_values

transform = Transform(
    __name__,
    kind="target validation",
    stage="target",
    safety="unsafe",
    why="another Kvrocks release reads this key: the line may be meant for it, and commenting it out loses it there",
    title="Check every active key and value against the target release",
    priority=80,
    directions=("forward", "backward"),
)


def _hash_cut(ctx: Context) -> Iterator[Finding]:
    """H1 on 2.2.0+: an unquoted '#' glued to a value (or right after the key) cuts it there."""
    if ctx.matrix.release(ctx.target).grammar != "quoted":
        return
    for ln in ctx.doc.active():
        c = ln.comment_start
        if c is None or not ln.key or ln.quoted:
            continue
        if ctx.state(ln.norm_key, ctx.target) is None and not ctx.matrix.pattern_for(ln.norm_key):
            continue
        key = ln.norm_key
        if ln.kind == "skipped" and ln.text[ln.key_span[1]:c].strip(" \t") == "":
            yield transform.finding(
                key, "warning",
                f"{cut(key)}: the value starts with '#', which 2.2.0+ read as a comment: the line sets nothing and"
                + (" no password is set." if ctx.matrix.is_secret(key) else f" {cut(key)} keeps its default.")
                + " Quote the value if '#' belongs to it.",
                line=ln, action="manual", why="whether '#' belongs to the value is not in the file",
            )
        elif ln.kind == "directive" and c > 0 and ln.text[c - 1] not in " \t":
            yield transform.finding(
                key, "warning",
                f"{cut(key)}: the value is cut at a '#' with no blank before it; 2.2.0+ read only"
                f" {ctx.shown(key, ln.value)}. Quote the value if '#' belongs to it.",
                line=ln, action="manual", before=ctx.shown(key, ln.value),
                why="whether '#' belongs to the value is not in the file",
            )


def reading_releases(m: Matrix, key: str) -> str:
    """'2.12.0 to 2.14.0': the first and last release that read ``key``; '' when none does."""
    life = m.options.get(key)
    names = [r.name for r in m.releases if life is not None and life.state_at(r.version) is not None]
    if not names:
        return ""
    return names[0] if len(names) == 1 else f"{names[0]} to {names[-1]}"


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    yield from _hash_cut(ctx)
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
        if st is None and (unknown_keys.handles(ctx, ln) or newer_release_keys.handles(ctx, ln)):
            continue  # a more specific owner names what the key is (issue 12 items 7, 8)
        if st is None:
            loud = "ignored with a warning at startup" if tgt.unknown_keys == "warn" else "silently ignored"
            # `check` plans from the target to itself: there the source is the target, said once.
            stale = before is None and src.version != tgt.version
            span = reading_releases(m, key)
            yield transform.finding(
                key, "warning",
                f"{cut(key)} is not an option of {tgt.name}: the line is {loud}"
                + (f" (it is not an option of {src.name} either)" if stale else "")
                + (f"; Kvrocks {span} read it." if span else "; no Kvrocks release reads it."),
                line=ln, action="comment_out",
                new_lines=[commented(ln, f"not an option of Kvrocks {tgt.name}")],
                before=shown, safety=None if span else "safe",
                why=None if span else ("no Kvrocks release reads this key: the target ignores the line either way,"
                                       " and the comment keeps it visible"),
            )
            continue
        if st.status == "deprecated":
            yield transform.finding(
                key, "warning",
                f"{cut(key)} is deprecated in {tgt.name} and does not take effect (ignored with a warning at startup).",
                line=ln, action="comment_out", safety="safe",
                why="the target ignores this key either way; the comment keeps the old value visible",
                new_lines=[commented(ln, f"deprecated in Kvrocks {tgt.name}, does not take effect")],
                before=shown,
            )
            continue
        was = ctx.original.line_at(ln.lineno)
        renamed_here = was is None or was.norm_key != key
        if before is None and ctx.source != ctx.target and not renamed_here:
            # A behaviour change with nothing to fix in the file, like a default flip: info. (It is
            # also what a rerun with the old --from sees for keys an earlier apply renamed.)
            yield transform.finding(
                key, "info",
                f"{cut(key)} is not an option of {src.name} (ignored there) but {tgt.name} reads it:"
                f" the value {shown} takes effect after the {ctx.verb}.",
                line=ln, before=None, after=shown,
            )
        problem = check_value(ln.value, st, tgt.integers)
        if problem and unit_values.handles(ctx, ln):
            continue  # the unit/range owner says the release's real reading (issue 12 item 9)
        if problem:
            yield transform.finding(
                key, "error",
                f"{cut(key)} {shown} is refused by {tgt.name}: the server will not start ({problem}).",
                line=ln, action="manual", before=shown,
                why="kvupgrade cannot know which value you want; choose one the target accepts",
            )
