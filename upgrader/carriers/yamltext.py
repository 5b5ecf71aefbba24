"""YAML as text: node positions from ruamel ``compose``, scalar reading the way each
consumer reads it, and scalar writing that every consumer reads back as a string.

Nothing here dumps a document (../shared/docs/ECOSYSTEM.md 2.8): edits splice spans.
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Optional

from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver

from ..errors import InputError
from ..yamlbounds import YamlTooBig
from ..yamlbounds import compose_all as compose_bounded

STR = "tag:yaml.org,2002:str"
MERGE = "tag:yaml.org,2002:merge"
_R11 = VersionedResolver(version=(1, 1))
_R12 = VersionedResolver(version=(1, 2))
TEMPLATE = re.compile(r"\{\{|\{%")


def _tag(tag: object) -> str:
    """ruamel's resolver answers with Tag objects, nodes hold plain strings."""
    return str(getattr(tag, "value", tag) or "")


# The last text composed and its result (node trees, or the error): detection and the carrier both
# ask for the same text, and composing is the costly step (~50 us a node), so each text is composed
# once. One entry only: a fleet worker keeps no more than the file at hand (cleared by ``forget``).
_LAST: list[tuple[str, Any]] = []


def compose_all(text: str, path: Optional[str]) -> list[Node]:
    """Every document's node tree; positions index ``text``. A parse error names the file; so does
    a file past a limit (upgrader/limits.py: MAX_YAML_CHARS, MAX_YAML_NODES with aliases expanded)."""
    if _LAST and (_LAST[0][0] is text or _LAST[0][0] == text):
        got = _LAST[0][1]
    else:
        got = _compose(text)
        _LAST[:] = [(text, got)]
    if isinstance(got, list):
        return got
    problem, line = got
    if isinstance(problem, YamlTooBig):
        raise InputError(problem.message, path, line)
    raise InputError(f"not valid YAML ({problem}); a template that only renders to YAML cannot be edited here",
                     path, line)


def _compose(text: str) -> Any:
    """Node trees, or (problem, line) for bad YAML or a text past a limit."""
    try:
        return compose_bounded(text)
    except YamlTooBig as exc:
        return exc, exc.line
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return getattr(exc, "problem", None) or exc, (mark.line + 1 if mark is not None else None)


def forget() -> None:
    """Drop the composed trees kept for the last text."""
    _LAST.clear()


def parses(text: str) -> Optional[str]:
    """None if the rewritten ``text`` still parses (within the node limits), else the problem."""
    try:
        compose_bounded(text, check_size=False)
    except YamlTooBig as exc:
        return exc.message
    except YAMLError as exc:
        return str(getattr(exc, "problem", None) or exc).splitlines()[0]
    return None


def get(node: Optional[Node], *path: str) -> Optional[Node]:
    for key in path:
        if not isinstance(node, MappingNode):
            return None
        node = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == key), None)
    return node


def text_of(node: Optional[Node]) -> Optional[str]:
    return node.value if isinstance(node, ScalarNode) else None


def entries(mapping: MappingNode) -> Iterator[tuple[ScalarNode, Node, bool]]:
    """(key, value, merged) pairs, following ``<<`` merge keys; merged entries come from an anchor."""
    for k, v in mapping.value:
        if k.tag == MERGE:
            for src in (v.value if isinstance(v, SequenceNode) else [v]):
                if isinstance(src, MappingNode):
                    for k2, v2, _ in entries(src):
                        yield k2, v2, True
        elif isinstance(k, ScalarNode):
            yield k, v, False


def has_merge(mapping: MappingNode) -> bool:
    return any(k.tag == MERGE for k, _ in mapping.value)


def resolved_tag(node: ScalarNode, version: tuple[int, int] = (1, 1), consumer: str = "pyyaml") -> str:
    """The tag a consumer gives a scalar: quoted or block scalars are strings, plain ones are resolved."""
    if node.tag not in (None, "") and not node.tag.startswith("tag:yaml.org,2002:") and node.tag != "!":
        return node.tag  # an application tag such as !vault
    if node.style is not None:
        return STR
    # ruamel resolved plain scalars as YAML 1.2; re-resolve with the consumer's rules
    tag = _tag((_R11 if version == (1, 1) else _R12).resolve(ScalarNode, node.value, (True, False)))
    if consumer == "pyyaml" and node.value in ("y", "Y", "n", "N"):
        return STR  # PyYAML's 1.1 bool set leaves out y/n; Go's yaml.v2 has them
    return tag


def to_python(text: str, tag: str) -> Any:
    """The value behind a plain scalar resolved as ``tag`` (YAML 1.1 forms included)."""
    kind = tag.rsplit(":", 1)[-1]
    if kind == "bool":
        return text.lower() in ("yes", "y", "true", "on")
    if kind == "null":
        return None
    if kind == "int":
        s = text.replace("_", "")
        sign = -1 if s.startswith("-") else 1
        s = s.lstrip("+-")
        if ":" in s:
            n = 0
            for part in s.split(":"):
                n = n * 60 + int(part)
            return sign * n
        if s.lower().startswith("0x"):
            return sign * int(s[2:], 16)
        if s.lower().startswith("0b"):
            return sign * int(s[2:], 2)
        if s.lower().startswith("0o"):
            return sign * int(s[2:], 8)
        if len(s) > 1 and s.startswith("0"):
            return sign * int(s, 8)
        return sign * int(s)
    if kind == "float":
        s = text.replace("_", "").lower()
        if s.lstrip("+-") in (".inf",):
            return float("-inf") if s.startswith("-") else float("inf")
        if s == ".nan":
            return float("nan")
        return float(s)
    return text


# --- writing -----------------------------------------------------------------------------

_PLAIN_OK = re.compile(r"[A-Za-z0-9_./@+=,()-][A-Za-z0-9_./@+=,()%~ -]*")


def reads_as_string(text: str) -> bool:
    """A plain scalar every consumer (YAML 1.1 and 1.2) reads back as this exact string."""
    if not text or text != text.strip() or not _PLAIN_OK.fullmatch(text) or text.startswith("-"):
        return False
    if text in ("y", "Y", "n", "N"):
        return False
    return all(_tag(r.resolve(ScalarNode, text, (True, False))) == STR for r in (_R11, _R12))


def double_quoted(text: str) -> str:
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif ord(c) < 0x20:
            out.append(f"\\x{ord(c):02x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def scalar(text: str, style: Optional[str]) -> str:
    """Write ``text`` as a YAML string scalar, keeping the old quote style where it can."""
    if style == "'" and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    if style == '"':
        return double_quoted(text)
    if reads_as_string(text):
        return text
    return double_quoted(text)


# --- lines -------------------------------------------------------------------------------

def line_bounds(text: str, pos: int) -> tuple[int, int]:
    """Start of the line holding ``pos`` and the index just past its newline."""
    ls = text.rfind("\n", 0, pos) + 1
    nl = text.find("\n", pos)
    return ls, (len(text) if nl < 0 else nl + 1)


def indent_of(text: str, pos: int) -> str:
    ls, _ = line_bounds(text, pos)
    line = text[ls:pos]
    return line[: len(line) - len(line.lstrip(" "))]


def eol_of(text: str, pos: int) -> str:
    _, le = line_bounds(text, pos)
    return "\r\n" if text[:le].endswith("\r\n") else "\n"


def only_on_line(text: str, start: int, end: int, lead: str = "") -> bool:
    """``text[start:end]`` is alone on its line(s): blanks (and ``lead``) before, a comment at most after."""
    ls, _ = line_bounds(text, start)
    before = text[ls:start].strip(" ")
    if before not in ("", lead):
        return False
    _, le = line_bounds(text, end if end == start else end - 1)
    after = text[end:le].strip(" \t\r\n")
    return after == "" or after.startswith("#")


def is_template(s: str) -> bool:
    return bool(TEMPLATE.search(s))
