"""``k8s-configmap``: a ConfigMap whose ``data:`` entry holds a whole kvrocks.conf.

A literal block (``|``, ``|-``, ``|+``, with or without an indent indicator) is a conf
file indented by the block's indentation: it is planned with the conf planner as is,
and each changed line is spliced back with that indentation; every other line keeps
its bytes. Lines holding a Helm/Jinja template expression are planned (a whole-line
``{{ … }}`` is skipped) but never edited. A conf in any other scalar style is checked,
not edited.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional

from ...confmodel import Document, split_lines
from ...planner import plan
from ..kube import containers, hint, manifest, pod_spec
from ..registry import Carrier, Probe

if TYPE_CHECKING:  # pragma: no cover
    from ruamel.yaml.nodes import Node, ScalarNode

    from ...findings import Finding, Plan
    from ..context import Ctx
    from ..engine import Piece, UnitOutcome

_HEADER = re.compile(r"[|>]([1-9]?)[-+]?([1-9]?)")


def conf_entries(doc: Node) -> list[tuple[ScalarNode, ScalarNode]]:
    """data entries that hold a kvrocks.conf (name ends in .conf, content has directives)."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode

    from ..yamltext import get

    data = get(doc, "data")
    out = []
    if not isinstance(data, MappingNode):
        return out
    for k, v in data.value:
        if isinstance(k, ScalarNode) and isinstance(v, ScalarNode) and str(k.value).endswith(".conf"):
            if any(True for _ in Document.parse(v.value).directives()):
                out.append((k, v))
    return out


def _content(text: str, v: ScalarNode) -> tuple[int, list[tuple[int, str, str]], int]:
    """(first content line number, [(offset, raw line, eol)], block indent) of a literal block."""
    header_end = text.find("\n", v.start_mark.index) + 1
    header = text[v.start_mark.index:header_end].strip()
    m = _HEADER.match(header)
    explicit = int((m.group(1) or m.group(2)) or 0) if m else 0
    region = text[header_end:v.end_mark.index]
    lines = []
    off = header_end
    for raw, eol in split_lines(region):
        lines.append((off, raw, eol))
        off += len(raw) + len(eol)
    parent = len(text[text.rfind("\n", 0, v.start_mark.index) + 1:]) - len(
        text[text.rfind("\n", 0, v.start_mark.index) + 1:].lstrip(" "))
    if explicit:
        indent = parent + explicit
    else:
        first = next((r for _, r, _ in lines if r.strip()), "")
        indent = len(first) - len(first.lstrip(" "))
    return v.start_mark.line + 2, lines, indent


def _subpath_findings(label: str, cm_name: Optional[str], docs: list[Node]) -> list[Finding]:
    from ruamel.yaml.nodes import SequenceNode

    from ..engine import carrier_finding
    from ..yamltext import get, text_of

    out = []
    for doc in docs:
        spec = pod_spec(doc)
        vols = get(spec, "volumes")
        names = {text_of(get(v, "name")) for v in (vols.value if isinstance(vols, SequenceNode) else [])
                 if text_of(get(v, "configMap", "name")) == cm_name}
        for c in containers(spec):
            mounts = get(c, "volumeMounts")
            for mnt in (mounts.value if isinstance(mounts, SequenceNode) else []):
                if text_of(get(mnt, "name")) in names and get(mnt, "subPath") is not None:
                    out.append(carrier_finding(
                        "configmap-subpath", "subPath", "warning",
                        f"{label} is mounted with subPath at {text_of(get(mnt, 'mountPath'))}: a read-only single"
                        " file that ConfigMap updates never reach. CONFIG REWRITE and NAMESPACE ADD/SET/DEL rewrite"
                        " the file and fail with 'rename file encounter error' (on 2.7.0-2.8.0 so does every start).",
                        mnt.start_mark.line + 1))
    return out


def blocks(ctx: Ctx, doc: Node, docs: list[Node]) -> Optional[list[Piece]]:
    """Each conf held by a ConfigMap document, planned (None: not a ConfigMap)."""
    from ..yamltext import get, text_of

    if text_of(get(doc, "kind")) != "ConfigMap":
        return None
    out: list[UnitOutcome] = []
    cm_name = text_of(get(doc, "metadata", "name"))
    for k, v in conf_entries(doc):
        label = f"ConfigMap {cm_name or '?'} {k.value}"
        if v.style == "|":
            out.append(_literal(ctx, label, v))
        else:
            out.append(_readonly(ctx, label, v))
        out[-1].findings.extend(_subpath_findings(label, cm_name, docs))
    return list(out)


def _plan(ctx: Ctx, conf: str) -> Plan:
    return plan(conf, ctx.request, ctx.path)


def _readonly(ctx: Ctx, label: str, v: ScalarNode) -> UnitOutcome:
    from ..engine import UnitOutcome, refuse

    plan = _plan(ctx, v.value)
    for f in plan.findings:
        f.line = v.start_mark.line + 1 if f.line else None
        f.message = f"{label}: {f.message}"
        if f.applied:
            refuse(f, "the conf is not a literal block (|); edit it by hand")
    return UnitOutcome(plan, plan.findings, [],
                       unrendered=(label, "the conf is not a literal block (|): its lines have no carrier line"))


def _literal(ctx: Ctx, label: str, v: ScalarNode) -> UnitOutcome:
    from ..engine import Splice, UnitOutcome, map_back, refuse, rendered_unit
    from ..yamltext import is_template

    first_line, lines, indent = _content(ctx.text, v)
    conf_lines = []
    for _, raw, _ in lines:
        body = raw[indent:] if raw[:indent].strip() == "" else raw.lstrip(" ")
        # a whole-line template directive renders to nothing the conf planner could read
        conf_lines.append("" if body.strip().startswith("{{") and body.strip().endswith("}}") else body)
    conf = "".join(t + "\n" for t in conf_lines)
    plan = _plan(ctx, conf)
    d = map_back(conf_lines, plan)
    pad = " " * indent
    splices: list[Splice] = []
    realised: set[int] = set()
    by_line: dict[int, list[Finding]] = {}
    for f in plan.findings:
        idx = d.index(f)
        if f.applied and f.edit is not None and f.edit.lineno and idx is not None:
            by_line.setdefault(idx, []).append(f)
        f.line = first_line + idx if idx is not None else None
        if f.line is None:
            f.message = f"{label}: {f.message}"
    for idx in sorted(set(d.changes) | set(d.unmapped)):
        off, raw, eol = lines[idx]
        if idx in d.unmapped or is_template(raw):
            for f in by_line.get(idx, []):
                refuse(f, d.unmapped.get(idx, "the line holds a template expression ({{ }})"))
            continue
        sep = eol or "\n"
        body = sep.join(pad + t if t else "" for t in d.changes[idx])
        splices.append(Splice(off, off + len(raw), body))
        realised.add(idx)
    rendered = rendered_unit(label, conf_lines, [first_line + i for i in range(len(conf_lines))], d, realised,
                             bool(d.appends))
    if d.appends:
        last = max((i for i, (_, r, _) in enumerate(lines) if r.strip()), default=len(lines) - 1)
        off, raw, eol = lines[last]
        sep = eol or "\n"
        splices.append(Splice(off + len(raw), off + len(raw), "".join(sep + (pad + t if t else "")
                                                                      for t in d.appends)))
    if any(is_template(raw) for _, raw, _ in lines):  # what the template renders is not in view
        return UnitOutcome(plan, plan.findings, splices,
                           unrendered=(label, "it holds template expressions ({{ }}) decided when the chart renders"))
    return UnitOutcome(plan, plan.findings, splices, rendered)


def detect(probe: Probe) -> bool:
    """A ConfigMap with a ``*.conf`` entry holding kvrocks directives."""
    from ..yamltext import get, text_of

    return text_of(get(probe.doc, "kind")) == "ConfigMap" and bool(conf_entries(probe.doc))


CARRIER = Carrier(__name__, order=70, globs=("*.yaml", "*.yml"), scope="file", rank=20, detect=detect,
                  units=manifest, hint=hint, manifest_doc=blocks)
