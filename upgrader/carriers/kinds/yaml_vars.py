"""``yaml-vars``: Ansible vars/group_vars holding a dict of kvrocks options
(``kvrocks_config`` by default) and a list of ``rename-command`` values
(``kvrocks_rename_commands``), templated by a role into one ``<key> <value>`` line each.

Values are read as Ansible reads them (PyYAML, YAML 1.1) and rendered as Jinja prints
them, unquoted: the synthetic conf is exactly the file the role writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ...settings import MARKER
from ..registry import Carrier, Probe

if TYPE_CHECKING:  # pragma: no cover
    from ruamel.yaml.nodes import ScalarNode, SequenceNode

    from ..context import CarrierOptions, Ctx
    from ..engine import Piece, Result, Unit


class ItemEditor:
    """One ``rename-command`` list item ("OLD NEW")."""

    def __init__(self, text: str, seq: SequenceNode, item: ScalarNode) -> None:
        self.t, self.seq, self.item = text, seq, item

    def rename(self, new_key: str) -> Result:
        return "the list holds rename-command values only"

    def set_value(self, new_value: str) -> Result:
        from ..engine import Splice
        from ..yamltext import scalar

        n = self.item
        return [Splice(n.start_mark.index, n.end_mark.index, scalar(new_value, n.style))]

    def remove(self, why: str) -> Result:
        from ..engine import Splice
        from ..yamltext import eol_of, indent_of, line_bounds, only_on_line

        n, t = self.item, self.t
        if len(self.seq.value) == 1 or self.seq.flow_style:
            return "the item cannot be dropped without emptying or reflowing the list; remove it by hand"
        if not only_on_line(t, n.start_mark.index, n.end_mark.index, "-"):
            return "the item shares its line with other text; remove it by hand"
        ls, le = line_bounds(t, n.start_mark.index)
        dash = t.rfind("-", ls, n.start_mark.index)
        return [Splice(ls, le, f"{indent_of(t, dash)}{MARKER} - {t[n.start_mark.index:n.end_mark.index]}"
                               f" -- {why}{eol_of(t, ls)}")]


def _rename_items(ctx: Ctx, seq: SequenceNode, unit: Unit) -> None:
    from ruamel.yaml.nodes import ScalarNode

    from ..engine import Occurrence, ReadOnly
    from ..rendering import reading
    from ..yamltext import is_template

    for item in seq.value:
        if not isinstance(item, ScalarNode):
            continue
        rendered, _ = reading(item, "ansible")
        ro = getattr(seq, "anchor", None) or is_template(item.value) or item.start_mark.line != item.end_mark.line
        editor = ReadOnly("the item is anchored, templated or multi-line; edit it by hand") if ro \
            else ItemEditor(ctx.text, seq, item)
        unit.occurrences.append(Occurrence("rename-command", f"rename-command {rendered or item.value}",
                                           item.start_mark.line + 1, editor))


def units(ctx: Ctx) -> list[Piece]:
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    from ..dicts import EntryEditor, dict_unit, rendered_mismatch
    from ..rendering import quote_fixes, reading
    from ..yamltext import STR, compose_all, get

    out: list[Piece] = []
    grammar = ctx.matrix.release(ctx.target).grammar
    for doc in compose_all(ctx.text, ctx.path):
        mapping = get(doc, ctx.options.vars_dict)
        if not isinstance(mapping, MappingNode):
            continue
        unit = dict_unit(ctx.text, ctx.options.vars_dict, mapping, lambda n: reading(n, "ansible")[0],
                         ctx.matrix, kind="yaml-vars")
        nodes: list[Optional[ScalarNode]] = [o.node for o in unit.occurrences]
        quote_fixes(unit, nodes, "ansible", [isinstance(o.editor, EntryEditor) for o in unit.occurrences])
        wanted = {i: n.value for i, n in enumerate(nodes) if n is not None and reading(n, "ansible")[1] == STR}
        unit.findings += rendered_mismatch(unit, ctx.matrix, grammar, wanted)
        ver = get(doc, "kvrocks_version")  # the role's installed-version variable, when the file has one
        if isinstance(ver, ScalarNode):
            hint = ctx.image_release(f"kvrocks:{ver.value}")
            unit.source_hint = (hint[0], f"kvrocks_version: {ver.value}") if hint else None
        seq = get(doc, ctx.options.vars_rename_list)
        if isinstance(seq, SequenceNode):
            _rename_items(ctx, seq, unit)
        out.append(unit)
    return out


def detect(probe: Probe) -> bool:
    """A document with a mapping under the vars dict's name (``kvrocks_config``)."""
    from ruamel.yaml.nodes import MappingNode

    from ..yamltext import get

    return isinstance(get(probe.doc, probe.options.vars_dict), MappingNode)


def hint(options: CarrierOptions) -> str:
    return f"a '{options.vars_dict}' dict"


CARRIER = Carrier(__name__, order=50, globs=("*.yaml", "*.yml"), scope="document", rank=20, detect=detect,
                  units=units, hint=hint)
