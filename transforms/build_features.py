"""Options that exist only in some builds of a release (the matrix's ``ifdef``, e.g. ENABLE_OPENSSL).

``tls-port``, ``tls-cert-file`` and the other ``tls-*`` keys are compiled in only with OpenSSL: a
build without it warns "'tls-port' at line N is not a valid configuration key" and ignores the
line (seen on a real 2.14 build made with ENABLE_OPENSSL=OFF). Which features the target's binary
has comes from ``Settings.build_features`` (present / absent; a feature not named is unknown):

* absent: the line is commented out. Safe: that build ignores the key either way, so nothing the
  server does changes; the comment keeps the setting for a build that has the feature;
* unknown: report that the line depends on the build, so it is not read as a plain option;
* present: nothing to say.
"""

from __future__ import annotations

from typing import Iterator

from upgrader.findings import Finding
from upgrader.registry import Context, Transform, commented

transform = Transform(
    __name__,
    kind="build-dependent option",
    stage="target",
    safety="safe",
    why="a build without the feature ignores this key either way; the comment keeps it for a build that has it",
    title="Flag options that exist only in builds with a compile-time feature",
    priority=75,
    directions=("forward", "backward"),
)

FEATURE_NAMES = {"ENABLE_OPENSSL": "TLS (OpenSSL)"}


def feature_label(ifdef: str) -> str:
    return f"{FEATURE_NAMES[ifdef]}, {ifdef}" if ifdef in FEATURE_NAMES else ifdef


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    tgt = ctx.matrix.release(ctx.target)
    known = ctx.settings.build_features
    for ln in ctx.doc.directives():
        key = ln.norm_key
        st = ctx.state(key, ctx.target)
        if st is None or not st.ifdef:
            continue
        have = known.get(st.ifdef)
        if have:
            continue
        label = feature_label(st.ifdef)
        if have is None:
            yield transform.finding(
                key, "info",
                f"{key} exists only in Kvrocks builds with {label}: a {tgt.name} build without it warns"
                f" \"not a valid configuration key\" and ignores the line. Whether the target's build has it is"
                " not known to this plan.",
                line=ln, before=ctx.shown(key, ln.value),
            )
            continue
        yield transform.finding(
            key, "warning",
            f"{key} exists only in Kvrocks builds with {label}, which the target's build lacks: it warns"
            f" \"not a valid configuration key\" and ignores the line. Commented out.",
            line=ln, action="comment_out", before=ctx.shown(key, ln.value),
            new_lines=[commented(ln, f"needs a Kvrocks build with {st.ifdef}")],
        )
