"""A Kvrocks service with no settings: it runs on the image's built-in kvrocks.conf.

An image-only Compose service or a container without ``args:`` is not an error. Upgrading it
means running the target image, which ships its own kvrocks.conf, so what changes for the
node is the difference between the two releases' shipped configs and defaults: one info
finding per option whose effective value changes (``carrier/builtin-conf-change``), on the
image's line. Nothing in the file is edited (``--set-image`` aside).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..versions import Release, format_version

if TYPE_CHECKING:  # pragma: no cover
    from ..findings import Finding
    from ..matrix import Matrix
    from .context import Ctx
    from .engine import UnitOutcome

MAX_LISTED = 40  # more changed options than this are counted in one more finding


def effective(m: Matrix, rel: Release) -> dict[str, tuple[Optional[str], str]]:
    """Each option's value on a node running ``rel``'s image: (value, "shipped conf" | "default")."""
    out: dict[str, tuple[Optional[str], str]] = {}
    for k, st in m.options_at(rel).items():
        out[k] = (st.shipped, "shipped conf") if st.shipped is not None else (st.default, "default")
    return out


def changes(m: Matrix, source: Release, target: Release, label: str, line: Optional[int]) -> list[Finding]:
    """What changes for a node on the built-in conf when its image goes from ``source`` to ``target``."""
    from .engine import carrier_finding

    a, b = effective(m, source), effective(m, target)
    s, t = format_version(source), format_version(target)
    out: list[Finding] = []
    for k in sorted(a.keys() | b.keys()):
        if k not in a and b[k][1] == "default":
            continue  # a new option at its default: nothing the node did before changes
        before, after = a.get(k, (None, "")), b.get(k, (None, ""))
        if before[0] == after[0] and k in a and k in b:
            continue
        if m.is_secret(k):
            continue
        if k not in b:
            msg = f"{k} ({before[0]!r} from the {s} {before[1]}) is no longer an option in {t}"
        elif k not in a:
            msg = f"{k} is not an option of {s}; the {t} shipped conf sets it to {after[0]!r}"
        else:
            msg = f"{k}: {before[0]!r} ({s} {before[1]}) -> {after[0]!r} ({t} {after[1]})"
        out.append(carrier_finding("builtin-conf-change", k, "info", f"{label}: runs on the image's built-in"
                                   f" kvrocks.conf; {msg}.", line))
    if len(out) > MAX_LISTED:
        rest = len(out) - MAX_LISTED
        out = out[:MAX_LISTED] + [carrier_finding(
            "builtin-conf-change", "more", "info", f"{label}: {rest} more options change between the {s} and {t}"
            " built-in configs (kvupgrade matrix shows them all).", line)]
    return out


def outcome(ctx: Ctx, label: str, line: Optional[int], hint: Optional[tuple[Release, str]]) -> UnitOutcome:
    """The plan of a service that sets nothing: the built-in conf's changes, no edit."""
    from ..planner import plan as plan_conf
    from .engine import UnitOutcome, carrier_finding

    m, target = ctx.matrix, ctx.target
    detected: Optional[dict] = None
    findings: list[Finding] = []
    source: Optional[Release] = ctx.from_  # --from, or None: the image tag says
    if source is None and hint is not None:
        source = min(hint[0], target)
        detected = {"version": format_version(source), "candidates": [format_version(source)],
                    "confidence": "high", "reason": hint[1]}
    elif source is None:
        findings.append(carrier_finding(
            "builtin-no-version", "image", "info",
            f"{label}: runs on the image's built-in kvrocks.conf and its tag names no release; pass --from to"
            " see what changes between the two releases' built-in configs.", line))
    plan = plan_conf("", ctx.request.with_source(source or target), ctx.path)
    plan.from_detected = detected
    if source is not None and source < target:
        findings += changes(m, source, target, label, line)
    return UnitOutcome(plan, findings, [], unrendered=(label, "it runs on the image's built-in kvrocks.conf,"
                                                     " which is not in view"))
