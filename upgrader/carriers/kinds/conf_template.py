"""``conf-template``: templates that are not valid YAML or conf until rendered, holding a kvrocks.conf.

Jinja2 (``kvrocks.conf.j2``: ``{{ var }}``, ``{% if %}``, ``{{ ansible_managed | comment }}``)
and Helm/Go templates (``*.tpl``, ``*.yaml`` under a chart's ``templates/`` that does not parse
as YAML: ``{{ .Values.x }}``, ``{{- include … }}``). The template is read as text, never
rendered: a conf template is the conf itself; a YAML template holds it in ``<name>.conf: |``
blocks (a ConfigMap). Embedded directive lines are planned and edited textually
(embedded.py); a line that is only a template tag is left out; a line whose key or value
holds an expression is planned as templated and never edited; every template expression
keeps its bytes. A template holding no kvrocks.conf is ``NoKvrocksContent``, never read as a conf.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Optional

from ..registry import Carrier, Probe

if TYPE_CHECKING:  # pragma: no cover
    from ..context import Ctx
    from ..embedded import Embedded
    from ..engine import Piece

EXTS = (".j2", ".jinja2", ".jinja", ".tpl", ".gotmpl")
EXPRESSION = re.compile(r"\{\{|\{%|\{#")
# a line that is only template tags renders to nothing (or to lines the template decides)
_TAG_LINE = re.compile(r"^\s*(?:(?:\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})\s*)+$")
# Both searched on "\n" + text (a literal first: the engine jumps from line to line).
_LINE_TAG = re.compile(r"\n[ \t]*\{[{%#]")
_YAML_KEY = re.compile(r"\n[A-Za-z_][\w.-]*:([ \t]|$)", re.M)
# a data entry holding a conf file as a literal block: kvrocks.conf: | (key bare or quoted)
_CONF_BLOCK = re.compile(
    r"^([ \t]*)(?:\"[^\"\n]*\.conf\"|'[^'\n]*\.conf'|[\w./-]*\.conf)[ \t]*:[ \t]*\|[-+]?[1-9]?[-+]?[ \t]*(?:#.*)?$")
# {{ x | default(5) }} (Jinja) or {{ .Values.x | default 5 }} (Go): the default a whole value names
_DEFAULT = re.compile(r"^\{\{-?\s*[^{}]*\|\s*default[\s(]\s*[\"']?([^\"'(){}\s]*)[\"']?\s*\)?\s*(?:\|[^{}]*)?-?\}\}$")


def _default(value: str) -> Optional[str]:
    m = _DEFAULT.match(value)
    return m.group(1) if m and m.group(1) else None


def _yaml_like(name: str, text: str) -> bool:
    """A YAML template (a ConfigMap …) rather than a conf template."""
    stem = name
    for ext in EXTS:
        if stem.endswith(ext):
            stem = stem[:-len(ext)]
    if stem.endswith(".conf"):
        return False
    return stem.endswith((".yaml", ".yml")) or bool(_YAML_KEY.search("\n" + text))


def _lines(text: str) -> list[tuple[int, str, str]]:
    from ...confmodel import split_lines

    out, off = [], 0
    for raw, eol in split_lines(text):
        out.append((off, raw, eol))
        off += len(raw) + len(eol)
    return out


def _indent(raw: str) -> int:
    return len(raw) - len(raw.lstrip(" \t"))


def regions(name: str, text: str) -> list[tuple[str, int, list[tuple[int, str, str]], int]]:
    """(label, first line number, lines, indent) of each kvrocks.conf the template holds."""
    lines = _lines(text)
    if not _yaml_like(name, text):
        return [(f"template {name or '<text>'}", 1, lines, 0)]
    out = []
    i = 0
    while i < len(lines):
        m = _CONF_BLOCK.match(lines[i][1])
        if not m:
            i += 1
            continue
        head = len(m.group(1))
        j = i + 1
        while j < len(lines):
            raw = lines[j][1]
            if raw.strip() and _indent(raw) <= head and not _TAG_LINE.match(raw):
                break
            j += 1
        body = lines[i + 1:j]
        while body and (not body[-1][1].strip() or (_TAG_LINE.match(body[-1][1]) and _indent(body[-1][1]) <= head)):
            body.pop()  # trailing blanks and tags at the parent's indentation close the block, not the conf
        content = [r for _, r, _ in body if r.strip() and not _TAG_LINE.match(r)]
        indent = min((_indent(r) for r in content), default=head + 2)
        key = lines[i][1].strip().split(":", 1)[0].strip("\"'")
        out.append((f"template {name or '<text>'} {key}", i + 2, body, indent))
        i = j
    return out


def _embedded(label: str, first: int, lines: list[tuple[int, str, str]], indent: int) -> Embedded:
    from ..embedded import Embedded

    pads, drop = [], set()
    for k, (_, raw, _) in enumerate(lines):
        pads.append(raw[:indent] if raw[:indent].strip(" \t") == "" else raw[:_indent(raw)])
        if _TAG_LINE.match(raw):
            drop.add(k)

    def unwritable(t: str) -> Optional[str]:
        return "the new line holds a template delimiter" if EXPRESSION.search(t) else None

    return Embedded(label, first, lines, pads, unwritable, drop)


def units(ctx: Ctx) -> list[Piece]:
    import os

    from ...confmodel import Document
    from ...errors import NoKvrocksContent
    from ..embedded import plan_embedded

    name = os.path.basename(ctx.path or "")
    found = []
    for label, first, lines, indent in regions(name, ctx.text):
        body = "".join(r[indent:] + "\n" for _, r, _ in lines if not _TAG_LINE.match(r))
        if any(True for _ in Document.parse(body).directives()):
            found.append(_embedded(label, first, lines, indent))
    if not found:
        raise NoKvrocksContent(
            "a template with no kvrocks.conf in it (looked for kvrocks directives"
            f"{' in a <name>.conf: | block' if _yaml_like(name, ctx.text) else ''}); nothing to plan", ctx.path)
    return [plan_embedded(ctx, e, lambda s: bool(EXPRESSION.search(s)), _default, "the template is rendered")
            for e in found]


def _parses(text: str) -> bool:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        for _ in YAML(typ="safe", pure=True).compose_all(text):
            pass
    except (YAMLError, ValueError):
        return False
    return True


def detect(probe: Probe) -> bool:
    """A template by name (``.j2``, ``.tpl``, …), or text a template tag starts a line of that is
    not a kvrocks.conf and, when it looks like YAML, does not parse as YAML."""
    if probe.name.endswith(EXTS):
        return True
    if not _LINE_TAG.search("\n" + probe.text):
        return False
    if probe.name.endswith((".yaml", ".yml")) or _YAML_KEY.search("\n" + probe.text):
        return "/templates/" in (probe.path or "").replace(os_sep(), "/") and not _parses(probe.text)
    return True


def os_sep() -> str:
    import os

    return os.sep


CARRIER = Carrier(__name__, order=90, globs=("*.j2", "*.jinja2", "*.tpl", "*.gotmpl", "*.yaml", "*.yml"),
                  scope="text", rank=30, detect=detect, units=units)
