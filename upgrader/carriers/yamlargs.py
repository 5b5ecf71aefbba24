"""argv held in a YAML sequence (Compose list-form ``command:``, Kubernetes ``args:``/``command:``).

Every item is one argv word, passed verbatim (quotes inside a scalar reach kvrocks).
A removal drops the two items: in a block sequence their lines, leaving one
``# kvupgrade:`` comment in their place; in a flow sequence the two items and one
separator. Values written back stay strings for every YAML reader.
"""

from __future__ import annotations

from typing import Optional

from ruamel.yaml.nodes import ScalarNode, SequenceNode

from ..settings import MARKER
from .argv import Arg
from .engine import Result, Splice
from .yamltext import eol_of, indent_of, line_bounds, only_on_line, scalar

_DYNAMIC = {"compose": ("${", "$"), "k8s": ("$(",)}


def seq_args(seq: SequenceNode, dialect: str) -> tuple[list[Arg], list[ScalarNode]]:
    """Args of a sequence, and the items that are not plain strings (refused by Kubernetes)."""
    args: list[Arg] = []
    for item in seq.value:
        if not isinstance(item, ScalarNode):
            continue
        v = item.value
        dyn = any(s in v for s in _DYNAMIC[dialect]) and "$$" not in v
        args.append(Arg(v, item.start_mark.line + 1, dyn, False, v, item))
    return args, [i for i in seq.value if isinstance(i, ScalarNode)]


class YamlList:
    def __init__(self, text: str, seq: SequenceNode) -> None:
        self.text = text
        self.seq = seq

    def replace_key(self, arg: Arg, old_key: str, new_key: str) -> Result:
        n: ScalarNode = arg.ref
        raw = self.text[n.start_mark.index:n.end_mark.index]
        if raw.count("--" + old_key) != 1 or n.style not in (None, '"', "'"):
            return "the flag is written in a form kvupgrade does not edit"
        return [Splice(n.start_mark.index, n.end_mark.index, raw.replace("--" + old_key, "--" + new_key))]

    def replace_value(self, arg: Arg, new: str) -> Result:
        n: ScalarNode = arg.ref
        if n.style not in (None, '"', "'") or n.start_mark.line != n.end_mark.line:
            return "the value is a multi-line scalar; change it by hand"
        return [Splice(n.start_mark.index, n.end_mark.index, scalar(new, n.style))]

    def _index(self, node: ScalarNode) -> int:
        return next(i for i, x in enumerate(self.seq.value) if x is node)

    def remove_pair(self, flag: Arg, value: Arg, why: str) -> Result:
        items = self.seq.value
        if len(items) == 2:
            return f"it would leave the list empty, which changes what runs; remove {flag.value} by hand"
        i = self._index(flag.ref)
        a, b = flag.ref, value.ref
        t = self.text
        if self.seq.flow_style:
            nxt: Optional[ScalarNode] = items[i + 2] if i + 2 < len(items) else None
            if nxt is not None:
                cut = (a.start_mark.index, nxt.start_mark.index)
            else:
                cut = (items[i - 1].end_mark.index, b.end_mark.index)
            if "#" in t[a.end_mark.index:b.start_mark.index] or "#" in t[cut[0]:a.start_mark.index] + \
                    t[b.end_mark.index:cut[1]]:
                return "a comment sits between the items; remove them by hand"
            return [Splice(cut[0], cut[1], "")]
        for n in (a, b):
            if n.start_mark.line != n.end_mark.line or not only_on_line(t, n.start_mark.index, n.end_mark.index, "-"):
                return "an item shares its line with other text; remove it by hand"
        if b.start_mark.line != a.start_mark.line + 1:
            return "the flag and its value are not on adjacent lines; remove them by hand"
        ls, _ = line_bounds(t, a.start_mark.index)
        _, le = line_bounds(t, b.start_mark.index)
        dash = t.rfind("-", ls, a.start_mark.index)
        tails = [t[n.end_mark.index:line_bounds(t, n.end_mark.index)[1]].strip() for n in (a, b)]
        kept = " ".join(x for x in tails if x)  # end-of-line comments of the two items
        note = (f"{indent_of(t, dash)}{MARKER} {flag.raw} {value.raw}{'  ' + kept if kept else ''} -- {why}"
                f"{eol_of(t, a.start_mark.index)}")
        return [Splice(ls, le, note)]


def list_findings(label: str, args: list[Arg], m, strict: bool) -> list:  # type: ignore[no-untyped-def]
    """Findings about list-form words: literal quotes; for Kubernetes (``strict``) non-string items."""
    from .engine import carrier_finding
    from .yamltext import resolved_tag, STR

    out = []
    for i, a in enumerate(args):
        n: ScalarNode = a.ref
        v = a.value
        prev = args[i - 1].value[2:] if i > 0 and args[i - 1].value.startswith("--") else ""
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
            shown = "********" if prev and m.is_secret(prev) else v
            out.append(carrier_finding(
                "argv-literal-quotes", prev or v, "warning",
                f"{label}: list items are passed verbatim, so kvrocks receives {shown} with its quotes"
                f"{' as the value of --' + prev if prev else ''}. Drop the inner quotes if they are not part of"
                " the value.", a.line))
        if strict and resolved_tag(n, (1, 1), "go") != STR:
            out.append(carrier_finding(
                "k8s-non-string-arg", prev or v, "error",
                f"{label}: the item {v} is not a string to Kubernetes (YAML 1.1 reads it as"
                f" {resolved_tag(n, (1, 1), 'go').rsplit(':', 1)[-1]}); the API server rejects the manifest."
                " Quote it.", a.line))
    return out
