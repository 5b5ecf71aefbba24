"""Kubernetes manifests, one or many documents: workload containers running kvrocks
(``flags-k8s``), ConfigMaps embedding a kvrocks.conf (``k8s-configmap``) and
kvrocks-operator resources (``operator``). Every document is handled by what it is,
whatever kind the file was detected as; documents with nothing to change keep their bytes.

Container argv: with no ``command:`` the image ENTRYPOINT (``kvrocks -c …``) runs and
``args:`` are all flags; with ``command: [kvrocks, …]`` the words after the binary come
first, then ``args:``. Kubernetes expands ``$(VAR)`` (one word, value unknown here).
"""

from __future__ import annotations

from typing import Optional

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..findings import Finding
from .argv import Arg, flags_unit
from .context import Ctx
from .engine import Unit, UnitOutcome, carrier_finding
from .yamlargs import YamlList, list_findings, seq_args
from .yamltext import compose_all, get, text_of

WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod", "Job", "CronJob"}


def pod_spec(doc: Node) -> Optional[Node]:
    kind = text_of(get(doc, "kind"))
    if kind == "Pod":
        return get(doc, "spec")
    if kind == "CronJob":
        return get(doc, "spec", "jobTemplate", "spec", "template", "spec")
    if kind in WORKLOADS:
        return get(doc, "spec", "template", "spec")
    return None


def _name(doc: Node) -> str:
    return f"{text_of(get(doc, 'kind'))} {text_of(get(doc, 'metadata', 'name')) or '?'}"


def container_unit(ctx: Ctx, doc: Node, c: Node) -> Optional[Unit]:
    image = text_of(get(c, "image"))
    cmd, args = get(c, "command"), get(c, "args")
    label = f"{_name(doc)} container {text_of(get(c, 'name')) or '?'}"
    words: list[Arg] = []
    findings: list[Finding] = []
    if isinstance(cmd, SequenceNode) and cmd.value:
        first = text_of(cmd.value[0]) or ""
        if first.rsplit("/", 1)[-1] not in ctx.options.binaries:
            if ctx.is_kvrocks_image(image):
                return Unit(label=label, flags=True, findings=[carrier_finding(
                    "k8s-command-not-kvrocks", "command", "info",
                    f"{label}: command runs {first!r}, not kvrocks; flags inside it are not checked.",
                    cmd.start_mark.line + 1)])
            return None
        got, _ = seq_args(cmd, "k8s")
        for a in got[1:]:
            a.box = YamlList(ctx.text, cmd)
        words += got[1:]
        findings += list_findings(label, got[1:], ctx.matrix, strict=True)
    elif not ctx.is_kvrocks_image(image):
        return None
    if isinstance(args, SequenceNode):
        got, _ = seq_args(args, "k8s")
        box = YamlList(ctx.text, args)
        for a in got:
            a.box = box
        words += got
        findings += list_findings(label, got, ctx.matrix, strict=True)
    unit = flags_unit(label, words, None, ctx.matrix, kind="flags-k8s")
    unit.findings += findings
    unit.source_hint = ctx.image_release(image)
    return unit


def workload_units(ctx: Ctx, doc: Node) -> list[Unit]:
    spec = pod_spec(doc)
    containers = get(spec, "containers")
    if not isinstance(containers, SequenceNode):
        return []
    return [u for u in (container_unit(ctx, doc, c) for c in containers.value if isinstance(c, MappingNode)) if u]


def manifest(ctx: Ctx) -> tuple[list[Unit], list[Finding], list[UnitOutcome]]:
    from . import configmap, operator

    docs = compose_all(ctx.text, ctx.path)
    units: list[Unit] = []
    findings: list[Finding] = []
    planned: list[UnitOutcome] = []
    for doc in docs:
        kind = text_of(get(doc, "kind"))
        if kind == "ConfigMap":
            planned += configmap.blocks(ctx, doc, docs)
        elif operator.is_operator(doc):
            units += operator.units(ctx, doc)
        elif pod_spec(doc) is not None:
            units += workload_units(ctx, doc)
    return units, findings, planned


def kinds_in(text: str) -> set[str]:
    """Which manifest carriers a parsed stream holds (for detection)."""
    from . import configmap, operator
    from .context import CarrierOptions

    out: set[str] = set()
    try:
        docs = compose_all(text, None)
    except Exception:  # noqa: BLE001 - detection only; planning reports the parse error
        return out
    for doc in docs:
        kind = text_of(get(doc, "kind"))
        if kind == "ConfigMap" and configmap.conf_entries(doc):
            out.add("k8s-configmap")
        elif operator.is_operator(doc):
            out.add("operator")
        elif pod_spec(doc) is not None:
            containers = get(pod_spec(doc), "containers")
            for c in (containers.value if isinstance(containers, SequenceNode) else []):
                img = text_of(get(c, "image")) or ""
                cmd = get(c, "command")
                first = text_of(cmd.value[0]) if isinstance(cmd, SequenceNode) and cmd.value else ""
                if CarrierOptions().image_match in img or (first or "").rsplit("/", 1)[-1] == "kvrocks":
                    out.add("flags-k8s")
    return out


__all__ = ["manifest", "kinds_in", "pod_spec", "ScalarNode"]
