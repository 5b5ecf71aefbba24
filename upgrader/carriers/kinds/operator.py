"""``operator``: kvrocks-operator ``KVRocks`` resources, under every API group the operator has
used: ``kvrocks.apache.org/*`` and the older ``kvrocks.com/v1alpha1``.

``spec.kvrocksConfig`` is a string-to-string map the operator renders as ``<key> <value>``
lines, unquoted, then appends ``requirepass``/``masterauth`` from ``spec.password``,
``dir /var/lib/kvrocks`` and ``cluster-enabled yes`` for clusters; those appended lines
win. The synthetic conf holds them too (read-only, at ``spec.password``'s line), so
checks see the config the node really loads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..kube import hint, manifest
from ..registry import Carrier, Probe

if TYPE_CHECKING:  # pragma: no cover
    from ruamel.yaml.nodes import Node

    from ..context import Ctx
    from ..engine import Piece, Unit

# the operator's API groups, old and new; any version under them
API_GROUPS = ("kvrocks.apache.org", "kvrocks.com")
OPERATOR_SET = ("requirepass", "masterauth", "dir", "cluster-enabled", "slaveof")


def is_operator(doc: Node) -> bool:
    from ..yamltext import get, text_of

    api = text_of(get(doc, "apiVersion")) or ""
    return api.split("/", 1)[0] in API_GROUPS and "/" in api and text_of(get(doc, "kind")) == "KVRocks"


def resource(ctx: Ctx, doc: Node, docs: list[Node]) -> Optional[list[Piece]]:
    """A KVRocks document's one unit (None: not a KVRocks resource)."""
    return [resource_unit(ctx, doc)] if is_operator(doc) else None


def detect(probe: Probe) -> bool:
    return is_operator(probe.doc)


def resource_unit(ctx: Ctx, doc: Node) -> Unit:
    from ruamel.yaml.nodes import MappingNode, ScalarNode

    from ..dicts import dict_unit, rendered_mismatch
    from ..engine import Occurrence, ReadOnly, Unit, carrier_finding
    from ..yamltext import get, text_of

    name = text_of(get(doc, "metadata", "name")) or "?"
    spec = get(doc, "spec")
    cfg = get(spec, "kvrocksConfig")
    label = f"KVRocks {name}"
    if isinstance(cfg, MappingNode):
        unit = dict_unit(ctx.text, label, cfg, lambda n: n.value, ctx.matrix, kind="operator", string_map=True,
                         quote_style='"')
    else:
        unit = Unit(label=label, plan_empty=True)
    unit.source_hint = ctx.image_release(text_of(get(spec, "image")))
    if ctx.is_kvrocks_image(text_of(get(spec, "image"))):
        from ..images import image_evidence

        image_evidence(ctx, unit, get(spec, "image"))
    wanted: dict[int, str] = {}
    for i, occ in enumerate(unit.occurrences):
        if occ.key.lower() in OPERATOR_SET:
            unit.findings.append(carrier_finding(
                "operator-overridden", occ.key, "warning",
                f"{label}: the operator appends its own {occ.key} line after the map, and that one wins.", occ.line))
        if occ.key.lower() == "rename-command":
            unit.findings.append(carrier_finding(
                "operator-single-value", occ.key, "info",
                f"{label}: a map holds one value per key, so rename-command can carry only one rename.", occ.line))
        if isinstance(occ.node, ScalarNode):
            wanted[i] = occ.node.value
    pw = get(spec, "password")
    generated = ReadOnly("the operator writes this line from spec")
    if isinstance(pw, ScalarNode) and pw.value:
        line = pw.start_mark.line + 1
        for key in ("requirepass", "masterauth"):
            wanted[len(unit.occurrences)] = pw.value
            unit.occurrences.append(Occurrence(key, f"{key} {pw.value}", line, generated))
        unit.secrets += [pw.value, ctx.text[pw.start_mark.index:pw.end_mark.index]]
    spec_line = (spec.start_mark.line + 1) if spec is not None else 1
    unit.occurrences.append(Occurrence("dir", "dir /var/lib/kvrocks", spec_line, generated))
    if text_of(get(spec, "type")) == "cluster":
        unit.occurrences.append(Occurrence("cluster-enabled", "cluster-enabled yes", spec_line, generated))
    unit.findings += rendered_mismatch(unit, ctx.matrix, ctx.matrix.release(ctx.target).grammar, wanted)
    return unit


CARRIER = Carrier(__name__, order=80, globs=("*.yaml", "*.yml"), scope="file", rank=10, detect=detect,
                  units=manifest, hint=hint, manifest_doc=resource)
