"""``helm-values``: a chart's values.yaml holding a dict of kvrocks options.

Convention: the dict sits at ``kvrocks.config`` (then ``config``); override with
``CarrierOptions.helm_paths``. The chart is assumed to render each entry as
``{{ $key }} {{ $value }}``: values are read by Go's yaml.v2 (YAML 1.1) and printed
with ``%v`` (numbers are float64: ``1000000`` renders as ``1e+06``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..registry import Carrier, Probe

if TYPE_CHECKING:  # pragma: no cover
    from ruamel.yaml.nodes import MappingNode, Node

    from ..context import CarrierOptions, Ctx
    from ..engine import Piece


def find_dict(doc: Node, paths: tuple[str, ...]) -> Optional[tuple[str, MappingNode]]:
    from ruamel.yaml.nodes import MappingNode

    from ..yamltext import get

    for p in paths:
        node = get(doc, *p.split("."))
        if isinstance(node, MappingNode):
            return p, node
    return None


def units(ctx: Ctx) -> list[Piece]:
    from ruamel.yaml.nodes import ScalarNode

    from ..dicts import EntryEditor, dict_unit, rendered_mismatch
    from ..rendering import quote_fixes, reading
    from ..yamltext import STR, compose_all, get

    out: list[Piece] = []
    grammar = ctx.matrix.release(ctx.target).grammar
    for doc in compose_all(ctx.text, ctx.path):
        found = find_dict(doc, ctx.options.helm_paths)
        if found is None:
            continue
        path, mapping = found
        unit = dict_unit(ctx.text, path, mapping, lambda n: reading(n, "helm")[0], ctx.matrix, kind="helm-values")
        nodes: list[Optional[ScalarNode]] = [o.node for o in unit.occurrences]
        quote_fixes(unit, nodes, "helm", [isinstance(o.editor, EntryEditor) for o in unit.occurrences])
        wanted = {i: n.value for i, n in enumerate(nodes) if n is not None and reading(n, "helm")[1] == STR}
        unit.findings += rendered_mismatch(unit, ctx.matrix, grammar, wanted)
        image = get(doc, "image")
        tag = get(image, "tag")
        repo = get(image, "repository")
        if isinstance(tag, ScalarNode) and isinstance(repo, ScalarNode):
            unit.source_hint = ctx.image_release(f"{repo.value}:{tag.value}")
            if ctx.is_kvrocks_image(str(repo.value)):
                from ..images import image_evidence

                image_evidence(ctx, unit, tag, tag_only=True)
        out.append(unit)
    return out


def detect(probe: Probe) -> bool:
    """A document with a mapping at one of the Helm paths."""
    return find_dict(probe.doc, probe.options.helm_paths) is not None


def hint(options: CarrierOptions) -> str:
    return f"Helm values at {' or '.join(options.helm_paths)}"


CARRIER = Carrier(__name__, order=60, globs=("*.yaml", "*.yml"), scope="document", rank=30, detect=detect,
                  units=units, hint=hint)
