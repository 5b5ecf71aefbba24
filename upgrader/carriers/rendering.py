"""How a templating consumer turns a YAML scalar into the text of a ``key value`` line.

Ansible reads vars with PyYAML (YAML 1.1) and Jinja prints Python values: ``yes`` ->
``True``, ``0755`` -> ``493``. Helm reads values with Go's yaml.v2 into JSON types, so
every number is a float64 that ``{{ $v }}`` prints with ``%v`` (``1000000`` ->
``1e+06``) and booleans print as ``true``. A scalar whose rendering differs from its
text is quoted by the fix, so the rendered line says what the file says.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Optional

from ruamel.yaml.nodes import ScalarNode

from ..findings import Finding
from .engine import Splice, Unit, carrier_finding
from .yamltext import STR, double_quoted, is_template, resolved_tag, to_python


def go_float(x: float) -> str:
    """Go's ``fmt`` ``%v`` for a float64: shortest digits, exponent form from 1e+06 (or below 1e-4)."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "+Inf" if x > 0 else "-Inf"
    if x == 0:
        return "0"
    d = Decimal(repr(x)).normalize()
    sign, digits, exp = d.as_tuple()
    nd = len(digits)
    e10 = nd + int(exp) - 1
    s = "-" if sign else ""
    ds = "".join(map(str, digits))
    if e10 < -4 or e10 >= 6:  # strconv 'g' with shortest precision decides at exponent 6
        mant = ds[0] + ("." + ds[1:] if nd > 1 else "")
        return f"{s}{mant}e{'+' if e10 >= 0 else '-'}{abs(e10):02d}"
    if int(exp) >= 0:
        return s + ds + "0" * int(exp)
    point = nd + int(exp)
    return s + (ds[:point] if point > 0 else "0") + "." + ("0" * max(0, -point)) + ds[max(point, 0):]


def render_py(value: Any) -> str:
    return str(value)


def render_go(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<no value>"
    if isinstance(value, (int, float)):
        return go_float(float(value))
    return str(value)


def reading(node: ScalarNode, consumer: str) -> tuple[Optional[str], str]:
    """(rendered text or None when unknown, resolved tag) for ``consumer`` 'ansible' or 'helm'."""
    tag = resolved_tag(node, (1, 1), "pyyaml" if consumer == "ansible" else "go")
    if not tag.startswith("tag:yaml.org,2002:") or is_template(node.value):
        return None, tag  # !vault, or a template: decided at deploy time
    value = to_python(node.value, tag)
    return (render_py(value) if consumer == "ansible" else render_go(value)), tag


def quote_fixes(unit: Unit, nodes: list[Optional[ScalarNode]], consumer: str, editable: list[bool]) -> None:
    """Plain scalars the consumer reads as non-strings whose rendering differs from the text:
    report, and quote them where the entry can be edited. Updates each occurrence's conf line."""
    who = "Ansible (PyYAML, YAML 1.1) reads" if consumer == "ansible" else "Helm (Go yaml.v2, YAML 1.1) reads"
    for occ, node, ok in zip(unit.occurrences, nodes, editable):
        if node is None:
            continue
        rendered, tag = reading(node, consumer)
        if rendered is None or tag == STR or rendered == node.value:
            continue
        kind = tag.rsplit(":", 1)[-1]
        msg = (f"{unit.label}: {occ.key}: {node.value} — {who} it as a {kind} and the template writes"
               f" '{occ.key} {rendered}'")
        if ok:
            unit.splices.append(Splice(node.start_mark.index, node.end_mark.index, double_quoted(node.value)))
            occ.conf = f"{occ.key} {node.value}"
            f = carrier_finding("yaml11-scalar", occ.key, "error" if kind == "bool" else "warning",
                                msg + "; quoting it keeps the value as written.", occ.line, action="convert_value")
            f.safety, f.fixable, f.applied = "safe", True, True
            f.why = "a quoted scalar renders exactly as written"
            f.before, f.after = rendered, node.value
        else:
            f = carrier_finding("yaml11-scalar", occ.key, "error" if kind == "bool" else "warning",
                                msg + "; quote it (not edited here: anchor, merge or template).", occ.line,
                                action="manual")
        unit.findings.append(f)


__all__ = ["go_float", "reading", "quote_fixes", "Finding"]
