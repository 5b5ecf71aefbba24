"""Which carrier a file is: from its name and content; ``kind=`` overrides."""

from __future__ import annotations

import os
import re
from typing import Optional

from ..errors import InputError
from .context import CarrierOptions

KINDS = ("conf", "flags-compose", "flags-systemd", "flags-k8s", "flags-shell", "yaml-vars", "helm-values",
         "k8s-configmap", "operator")
_YAML_EXT = (".yml", ".yaml")


def _yaml_kind(text: str, name: str, opts: CarrierOptions) -> Optional[str]:
    from ruamel.yaml.nodes import MappingNode

    from .helm import find_dict
    from .k8s import kinds_in
    from .yamltext import compose_all, get

    found = kinds_in(text)
    for k in ("operator", "k8s-configmap", "flags-k8s"):
        if k in found:
            return k
    try:
        docs = compose_all(text, name)
    except InputError:
        raise
    for doc in docs:
        if isinstance(get(doc, "services"), MappingNode):
            return "flags-compose"
        if isinstance(get(doc, opts.vars_dict), MappingNode):
            return "yaml-vars"
        if find_dict(doc, opts.helm_paths) is not None:
            return "helm-values"
    return None


def shellish(text: str, name: str) -> bool:
    """A shell script, by name or shebang (kept here so detection does not import the shell carrier)."""
    return name.endswith((".sh", ".bash")) or bool(re.match(r"#!\s*/\S*(sh|bash|dash|ksh|zsh)\b", text)) \
        or bool(re.match(r"#!\s*/usr/bin/env\s+(sh|bash|dash)\b", text))


def detect_kind(path: Optional[str], text: str, opts: Optional[CarrierOptions] = None) -> str:
    """The carrier kind of a file, or an InputError naming it when the shape is unknown."""
    opts = opts or CarrierOptions()
    name = os.path.basename(path or "")
    where = path or "<text>"
    head = text.lstrip("\ufeff")
    service = head.startswith("[Service]") or "\n[Service]" in head  # a '[Service]' line, without a regex scan
    if name.endswith(".service") or ".service.d" in (path or "") or service:
        from .systemd import looks_like

        if looks_like(head):
            return "flags-systemd"
    if shellish(head, name):
        return "flags-shell"
    # a kvrocks.conf key is followed by a blank, never by ':' — so "key:" at a line start means YAML
    yamlish = name.endswith(_YAML_EXT) or head.startswith("---") or re.search(r"^[A-Za-z_][\w.-]*:([ \t]|$)", head, re.M)
    if yamlish:
        kind = _yaml_kind(text, where, opts)
        if kind:
            return kind
        raise InputError(
            "YAML file with no kvrocks settings kvupgrade knows how to find (a Compose service running a kvrocks"
            f" image, a Kubernetes workload/ConfigMap/KVRocks resource, a '{opts.vars_dict}' dict, or Helm values"
            f" at {' or '.join(opts.helm_paths)}); pass --kind to say what it is", where)
    return "conf"


def check_kind(kind: str, path: Optional[str]) -> str:
    if kind not in KINDS:
        raise InputError(f"unknown carrier kind {kind!r}; expected one of: {', '.join(KINDS)}", path)
    return kind
