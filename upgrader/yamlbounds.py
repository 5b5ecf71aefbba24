"""YAML with a node budget: composing and loading that refuse alias and merge-key bombs.

ruamel composes an alias as a second reference to the anchored node, so composing a "billion
laughs" file is cheap; what explodes is whatever walks or constructs the tree afterwards (the
carriers follow ``<<`` merge keys recursively, the safe constructor copies merged mappings,
``str()`` of a loaded value visits every shared list again). So the budget is counted twice:
while composing (which also stops a huge file early, composing costs ~50 us a node), and over the
composed tree with every alias counted each time it is reached, as any later walk would reach it.
Both stop at ``limits.MAX_YAML_NODES``; a recursive alias counts as unbounded. A text longer than
``limits.MAX_YAML_CHARS`` is refused before scanning (ruamel scans ~2 MB a second).
"""

from __future__ import annotations

from typing import Any, Optional

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer, MaxDepthExceededError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from . import limits


class YamlTooBig(Exception):
    """The YAML text exceeds a limit: too long, or too many nodes. Callers turn it into an InputError
    naming the file (``message`` names the limit)."""

    def __init__(self, message: str, line: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def _check_chars(text: str) -> None:
    if len(text) > limits.MAX_YAML_CHARS:
        raise YamlTooBig(limits.yaml_chars_message(len(text)))


class _BoundedComposer(Composer):
    """Counts every node and alias it composes, across the documents of one stream."""

    count = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.count += 1
        if self.count > limits.MAX_YAML_NODES:
            event = self.parser.peek_event()
            raise YamlTooBig(limits.yaml_nodes_message(), event.start_mark.line + 1 if event.start_mark else None)
        return super().compose_node(parent, index)


def check_expanded(roots: "list[Node]") -> None:
    """Raise YamlTooBig if the trees, with each alias expanded where it is used, exceed the budget."""
    budget = limits.MAX_YAML_NODES
    stack: list[Node] = list(roots)
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > budget:
            raise YamlTooBig(limits.yaml_nodes_message())  # no line: the overflow is where aliases meet, not one place
        if isinstance(node, MappingNode):
            for k, v in node.value:
                stack.append(k)
                stack.append(v)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


def _bounded(yaml: YAML) -> YAML:
    yaml.Composer = _BoundedComposer
    yaml.max_depth = limits.MAX_YAML_DEPTH
    return yaml


def _too_deep(exc: MaxDepthExceededError) -> YamlTooBig:
    mark = getattr(exc, "problem_mark", None)
    return YamlTooBig(limits.yaml_depth_message(), mark.line + 1 if mark is not None else None)


def compose_all(text: str, check_size: bool = True) -> "list[Node]":
    """Every document's node tree (round-trip composer, positions index ``text``), within budget.
    Raises ruamel's YAMLError for bad YAML and YamlTooBig past a limit. ``check_size`` False: a
    rewrite of a file that passed the size limit may end a few bytes past it."""
    if check_size:
        _check_chars(text)
    try:
        docs = [d for d in _bounded(YAML()).compose_all(text) if d is not None]
    except MaxDepthExceededError as exc:
        raise _too_deep(exc) from None
    check_expanded(docs)
    return docs


def safe_load(text: str) -> Any:
    """``YAML(typ="safe").load(text)`` within the node budget: composed once, checked, then constructed."""
    _check_chars(text)
    constructor, parser = _bounded(YAML(typ="safe", pure=True)).get_constructor_parser(text)
    try:
        try:
            node = constructor.composer.get_single_node()
        except MaxDepthExceededError as exc:
            raise _too_deep(exc) from None
        if node is None:
            return None
        check_expanded([node])
        return constructor.construct_document(node)
    finally:
        parser.dispose()
