"""``helm-values``: a chart's values.yaml holding a dict of kvrocks options.

Convention: the dict sits at ``kvrocks.config`` (then ``config``); override with
``CarrierOptions.helm_paths``. The chart is assumed to render each entry as
``{{ $key }} {{ $value }}``: values are read by Go's yaml.v2 (YAML 1.1) and printed
with ``%v`` (numbers are float64: ``1000000`` renders as ``1e+06``).
"""

from __future__ import annotations

from typing import Optional

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode

from ..findings import Finding
from .context import Ctx
from .dicts import EntryEditor, dict_unit, rendered_mismatch
from .engine import Unit
from .rendering import quote_fixes, reading
from .yamltext import STR, compose_all, get


def find_dict(doc: Node, paths: tuple[str, ...]) -> Optional[tuple[str, MappingNode]]:
    for p in paths:
        node = get(doc, *p.split("."))
        if isinstance(node, MappingNode):
            return p, node
    return None


def units(ctx: Ctx) -> tuple[list[Unit], list[Finding]]:
    out: list[Unit] = []
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
        out.append(unit)
    return out, []
