"""Which carrier a file is: from its name and content; ``kind=`` overrides.

The order is the registry's (registry.py): carriers that read the name and text ("text"
scope: unit files, scripts) first; then, for a file that looks like YAML, carriers that
any document of the file decides ("file": Kubernetes resources), then the first document
a "document" carrier claims (Compose, vars, Helm values). A YAML file no carrier claims is
an error naming the file; any other file is a kvrocks.conf.
"""

from __future__ import annotations

import os
import re
from typing import Optional

from ..errors import NoKvrocksContent
from .context import CarrierOptions
from .registry import CONF, KINDS, Probe, by_scope, carrier, carriers

_YAML_EXT = (".yml", ".yaml")
# a kvrocks.conf key is followed by a blank, never by ':' — so "key:" at a line start means YAML
# (searched on "\n" + text: a literal first lets the regex engine jump from line to line, where a
# multi-line '^' tries every character of a 40 KB file: 5x faster, the same matches)
_YAML_KEY = re.compile(r"\n[A-Za-z_][\w.-]*:([ \t]|$)", re.M)


def _yaml_kind(text: str, where: str, probe: Probe) -> Optional[str]:
    from .yamltext import compose_all

    docs = compose_all(text, where)
    for c in by_scope("file"):
        if any(c.detect(probe._replace(doc=doc)) for doc in docs):
            return c.name
    document = by_scope("document")
    for doc in docs:
        for c in document:
            if c.detect(probe._replace(doc=doc)):
                return c.name
    return None


def _looked_for(opts: CarrierOptions) -> str:
    """What the YAML carriers look for, in KINDS order, each said once: "a, b, or c"."""
    said: list[str] = []
    for c in carriers():
        h = c.hint(opts) if c.yaml and c.hint else ""
        if h and h not in said:
            said.append(h)
    return ", ".join(said[:-1]) + f", or {said[-1]}" if len(said) > 1 else "".join(said)


def detect_kind(path: Optional[str], text: str, opts: Optional[CarrierOptions] = None) -> str:
    """The carrier kind of a file, or an InputError naming it when the shape is unknown."""
    opts = opts or CarrierOptions()
    name = os.path.basename(path or "")
    where = path or "<text>"
    head = text.lstrip("\ufeff")
    probe = Probe(path=path, name=name, text=head, options=opts)
    for c in by_scope("text"):
        if c.detect(probe):
            return c.name
    if name.endswith(_YAML_EXT) or head.startswith("---") or _YAML_KEY.search("\n" + head):
        kind = _yaml_kind(text, where, probe)
        if kind:
            return kind
        raise NoKvrocksContent(
            f"YAML file with no kvrocks settings kvupgrade knows how to find ({_looked_for(opts)});"
            " pass --kind to say what it is", where)
    return CONF


def check_kind(kind: str, path: Optional[str]) -> str:
    """``kind`` if it is one (``conf`` or a registered carrier), else an InputError naming the file."""
    return kind if kind == CONF else carrier(kind, path).name


__all__ = ["KINDS", "check_kind", "detect_kind"]
