"""Image tags as version evidence, and ``--set-image``: the tag rewritten to the target release.

A carrier that names the Kvrocks image (a Compose service's ``image:``, a container's
``image:``, Helm ``image.repository``/``image.tag``, the operator's ``spec.image``) gives the
engine its source release (``Unit.source_hint``, high confidence); the engine reports a tag
that the file's settings do not fit (``engine.tag_disagrees``). With ``--set-image`` on
(``CarrierOptions.set_image``, carried by the Request; off by default, so plans never change a tag
unasked) ``retag`` rewrites the tag in the same edit as the settings, keeping a ``v`` prefix and
the scalar's quotes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional

from ..versions import Release, format_version

if TYPE_CHECKING:  # pragma: no cover
    from ruamel.yaml.nodes import ScalarNode

    from ..findings import Finding
    from .context import Ctx
    from .engine import Splice, Unit

_PLAIN_REF = re.compile(r"[A-Za-z0-9][\w.-]*(?::\d+)?(?:/[\w.-]+)*:[\w.-]+")
_TAG = re.compile(r"^(v?)(\d+\.\d+(?:\.\d+)?(?:-rc\d+)?)$")


def _finding(rule: str, severity: str, message: str, line: int, applied: bool = False, why: str = "") -> Finding:
    from .engine import carrier_finding

    f = carrier_finding(rule, "image", severity, message, line, why=why)
    if applied:
        f.action, f.safety, f.fixable, f.applied = "set", "safe", True, True
        f.why = "applied: --set-image"
    return f


def retag(ctx: Ctx, node: Optional[ScalarNode], label: str, *, tag_only: bool = False
          ) -> tuple[list[Splice], list[Finding]]:
    """Splices that set the tag in ``node`` (a whole image reference, or only the tag with
    ``tag_only``) to the target release, when ``--set-image`` is on; else nothing."""
    from ruamel.yaml.nodes import ScalarNode

    from .engine import Splice
    from .yamltext import is_template, scalar

    if not ctx.options.set_image or not isinstance(node, ScalarNode):
        return [], []
    line = node.start_mark.line + 1
    value = str(node.value)
    want = format_version(ctx.target)
    if tag_only:
        head, tag = "", value
    else:
        name = value.rsplit("/", 1)[-1]
        if "@" in value:
            return [], [_finding("set-image-refused", "warning",
                                 f"{label}: {value} is pinned by digest; set the image to {want} by hand.", line)]
        if ":" not in name:
            head, tag = value + ":", ""
        else:
            head, tag = value.rsplit(":", 1)
            head += ":"
    m = _TAG.match(tag)
    if "$" in value or is_template(value) or (tag and not m):
        return [], [_finding("set-image-refused", "warning",
                             f"{label}: the image tag {tag or value} is not a plain release tag; set it to {want} by"
                             " hand.", line)]
    prefix = m.group(1) if m else ""
    new_tag = prefix + want
    if tag == new_tag:
        return [], []
    if node.style not in (None, '"', "'") or node.start_mark.line != node.end_mark.line:
        return [], [_finding("set-image-refused", "warning",
                             f"{label}: the image is a multi-line scalar; set its tag to {want} by hand.", line)]
    new = head + new_tag
    # a plain image reference stays plain: only its tag digits change, and "name:tag" reads as a string
    written = new if node.style is None and not tag_only and _PLAIN_REF.fullmatch(new) else scalar(new, node.style)
    return ([Splice(node.start_mark.index, node.end_mark.index, written)],
            [_finding("set-image", "info", f"{label}: image {value} -> {new} (--set-image).", line, applied=True)])


def image_evidence(ctx: Ctx, unit: Unit, node: Optional[ScalarNode], *, tag_only: bool = False) -> None:
    """Note where the unit's image is (for findings about its tag) and, with ``--set-image``,
    add the tag rewrite to the unit's own edits."""
    if node is None:
        return
    unit.source_line = node.start_mark.line + 1
    splices, found = retag(ctx, node, unit.label, tag_only=tag_only)
    unit.splices += splices
    unit.findings += found
    if splices:
        unit.plan_empty = True  # the edit is kept even when the unit sets no option
