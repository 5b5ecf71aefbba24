"""A YAML mapping of kvrocks options (Ansible vars, Helm values, operator ``kvrocksConfig``).

Each entry is read the way its consumer reads it (``render``) and edited in place:

* rename: splice the key scalar;
* set: splice the value scalar, written so YAML 1.1 and 1.2 both read a string;
* remove: the entry's line(s) become one ``# kvupgrade: <key>: <value> -- <why>``
  comment at the entry's indentation. Comments around it stay where they are, so a
  comment above the key still sits above what replaced it (ECOSYSTEM.md 2.4).

Edits are refused through anchors, aliases and merge keys (they would change other
mappings, or a removal would uncover a merged value) and in template expressions.
"""

from __future__ import annotations

from typing import Callable, Optional

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..findings import Finding
from ..matrix import Matrix
from ..settings import MARKER
from .engine import Occurrence, ReadOnly, Result, Splice, Unit, carrier_finding
from .yamltext import eol_of, entries, has_merge, indent_of, is_template, line_bounds, only_on_line, scalar

# (value node) -> the text the consumer renders, or None when it cannot be known
Render = Callable[[ScalarNode], Optional[str]]


def _why_readonly(mapping: MappingNode, key: ScalarNode, value: Node, merged: bool) -> Optional[str]:
    if merged:
        return "the entry comes from a merge key (<<: *anchor); editing it would change the anchor's other users"
    if getattr(mapping, "anchor", None) or getattr(value, "anchor", None):
        return "the mapping or value carries an anchor that aliases may share; edit it by hand"
    if is_template(key.value) or (isinstance(value, ScalarNode) and is_template(value.value)):
        return "the entry holds a template expression ({{ }}); edit the template's source"
    if isinstance(value, ScalarNode) and (value.style in ("|", ">") or value.start_mark.line != value.end_mark.line):
        return "the value spans several lines; edit it by hand"
    if not isinstance(value, ScalarNode):
        return "the value is not a scalar"
    return None


class EntryEditor:
    def __init__(self, text: str, mapping: MappingNode, key: ScalarNode, value: ScalarNode) -> None:
        self.t, self.mapping, self.key, self.value = text, mapping, key, value

    def rename(self, new_key: str) -> Result:
        k = self.key
        return [Splice(k.start_mark.index, k.end_mark.index, scalar(new_key, k.style))]

    def set_value(self, new_value: str) -> Result:
        from ..confmodel import parse_line

        v = self.value
        # the consumer writes "<key> <value>" unquoted: a value needing conf quotes cannot be said here
        if parse_line(f"k {new_value}", "", 2, "quoted").value != new_value:
            return (f"the new value needs quotes in kvrocks.conf, and this file's values are rendered unquoted;"
                    " change the value or quote it in the template")
        return [Splice(v.start_mark.index, v.end_mark.index, scalar(new_value, v.style))]

    def remove(self, why: str) -> Result:
        t, k, v = self.t, self.key, self.value
        if has_merge(self.mapping):
            return "the mapping merges an anchor (<<:) that may set the same key; removing it here would" \
                   " uncover that value"
        if len(self.mapping.value) == 1:
            return "it is the mapping's only entry, and an empty block would read as null; remove it by hand"
        a, b = k.start_mark.index, v.end_mark.index
        if self.mapping.flow_style:
            return self._remove_flow()
        if not only_on_line(t, a, b):
            return "the entry shares its line with other text; remove it by hand"
        ls, _ = line_bounds(t, a)
        _, le = line_bounds(t, b)
        body = t[a:le].rstrip("\r\n")  # an end-of-line comment stays inside the note
        note = f"{indent_of(t, a)}{MARKER} {body} -- {why}{eol_of(t, a)}"
        if le == len(t) and not t.endswith("\n"):
            note = note.rstrip("\r\n")
        return [Splice(ls, le, note)]

    def _remove_flow(self) -> Result:
        pairs = self.mapping.value
        i = next(n for n, (k, _) in enumerate(pairs) if k is self.key)
        a, b = self.key.start_mark.index, self.value.end_mark.index
        if i + 1 < len(pairs):
            cut = (a, pairs[i + 1][0].start_mark.index)
        else:
            cut = (pairs[i - 1][1].end_mark.index, b)
        if "#" in self.t[cut[0]:a] + self.t[b:cut[1]]:
            return "a comment sits inside the flow mapping; remove the entry by hand"
        return [Splice(cut[0], cut[1], "")]


def appender(text: str, mapping: MappingNode, style: Optional[str]) -> Callable[[str, str, str], Result]:
    """Adds ``key: value`` after the mapping's last entry, at its indentation."""

    def add(key: str, value: str, note: str) -> Result:
        if mapping.flow_style or not mapping.value or has_merge(mapping):
            return "options can be added only to a block mapping without merge keys"
        k0 = mapping.value[0][0]
        last_v = mapping.value[-1][1]
        _, le = line_bounds(text, max(last_v.end_mark.index - 1, last_v.start_mark.index))
        ind = indent_of(text, k0.start_mark.index)
        eol = eol_of(text, k0.start_mark.index)
        lines = ([f"{ind}{MARKER} {note}{eol}"] if note else []) + [f"{ind}{scalar(key, None)}: {scalar(value, style)}{eol}"]
        lead = "" if text[:le].endswith("\n") else eol
        return [Splice(le, le, lead + "".join(lines))]

    return add


def dict_unit(text: str, label: str, mapping: MappingNode, render: Render, m: Matrix, *, kind: str,
              string_map: bool = False, quote_style: Optional[str] = None) -> Unit:
    """One Unit for a mapping; ``string_map`` (operator) requires every value to be a string."""
    from .yamltext import STR, resolved_tag

    unit = Unit(label=label, plan_empty=True, appender=appender(text, mapping, quote_style))
    for k, v, merged in entries(mapping):
        line = k.start_mark.line + 1
        why = _why_readonly(mapping, k, v, merged)
        if not isinstance(v, ScalarNode):
            unit.findings.append(carrier_finding(
                "dict-non-scalar", str(k.value), "warning",
                f"{label}: {k.value} holds a {'list' if isinstance(v, SequenceNode) else 'mapping'}; it renders"
                " as a literal, not a kvrocks value.", line))
            continue
        if string_map and resolved_tag(v, (1, 1), "go") != STR:
            unit.findings.append(carrier_finding(
                "non-string-value", str(k.value), "error",
                f"{label}: {k.value}: {v.value} is not a string (YAML reads it as"
                f" {resolved_tag(v, (1, 1), 'go').rsplit(':', 1)[-1]}); the map holds strings only, so the API"
                " server rejects it. Quote it.", line))
        rendered = render(v)
        if rendered is None:
            rendered = v.value
        editor = ReadOnly(why) if why else EntryEditor(text, mapping, k, v)
        if m.is_secret(str(k.value)):
            unit.secrets += [v.value, rendered, text[v.start_mark.index:v.end_mark.index]]
        unit.occurrences.append(Occurrence(key=str(k.value), conf=f"{k.value} {rendered}", line=line, editor=editor,
                                           node=v))
    return unit


def rendered_mismatch(unit: Unit, m: Matrix, grammar: str, values: dict[int, str]) -> list[Finding]:
    """Entries whose rendered ``key value`` line Kvrocks reads differently from the YAML value."""
    from ..confmodel import parse_line

    out: list[Finding] = []
    for i, occ in enumerate(unit.occurrences):
        want = values.get(i)
        if want is None:
            continue
        ln = parse_line(occ.conf, "", 2, grammar)  # type: ignore[arg-type]
        if ln.kind == "directive" and ln.value != want and occ.key.lower() != "rename-command":
            secret = m.is_secret(occ.key)
            shown = "********" if secret else repr(ln.value)
            out.append(carrier_finding(
                "rendered-value", occ.key, "warning" if not secret else "error",
                f"{unit.label}: {occ.key} is rendered unquoted as '{occ.key} …'; Kvrocks ({grammar} grammar) reads"
                f" the value as {shown}, not as the YAML value"
                + (" (the text after '#' is a comment)" if "#" in want else "") + ".", occ.line))
    return out
