"""Kubernetes shapes the manifest carriers share: workloads and their pod spec, and the walk
that hands every document of a manifest to the carrier that owns it.

A Kubernetes file may hold many documents (a ConfigMap, the StatefulSet mounting it, a
KVRocks resource): each is handled by what it is, whatever kind the file was detected as,
and documents with nothing to change keep their bytes. The carriers of such documents
(``flags-k8s``, ``k8s-configmap``, ``operator``) declare ``units=manifest`` and a
``manifest_doc`` for their own documents; none of them imports another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from .registry import by_scope

if TYPE_CHECKING:  # pragma: no cover
    from ruamel.yaml.nodes import Node

    from .context import CarrierOptions, Ctx
    from .engine import Piece

WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod", "Job", "CronJob"}


def hint(options: "CarrierOptions") -> str:
    """What the manifest carriers look for, said once in the "found nothing" error."""
    return "a Kubernetes workload/ConfigMap/KVRocks resource"


def pod_spec(doc: Optional["Node"]) -> Optional["Node"]:
    """The pod spec of a workload document (None for any other document)."""
    from .yamltext import get, text_of

    kind = text_of(get(doc, "kind"))
    if kind == "Pod":
        return get(doc, "spec")
    if kind == "CronJob":
        return get(doc, "spec", "jobTemplate", "spec", "template", "spec")
    if kind in WORKLOADS:
        return get(doc, "spec", "template", "spec")
    return None


def containers(spec: Optional["Node"]) -> list["Node"]:
    """The ``containers:`` items of a pod spec."""
    from ruamel.yaml.nodes import SequenceNode

    from .yamltext import get

    found = get(spec, "containers")
    return list(found.value) if isinstance(found, SequenceNode) else []


def doc_name(doc: "Node") -> str:
    """``StatefulSet kvrocks``: the document's kind and metadata.name, for labels."""
    from .yamltext import get, text_of

    return f"{text_of(get(doc, 'kind'))} {text_of(get(doc, 'metadata', 'name')) or '?'}"


def manifest(ctx: "Ctx") -> list["Piece"]:
    """Every document of the file, planned by the carrier that claims it."""
    from .yamltext import compose_all

    owners = [c.manifest_doc for c in by_scope("file") if c.manifest_doc is not None]
    docs = compose_all(ctx.text, ctx.path)
    out: list[Piece] = []
    for doc in docs:
        for own in owners:
            got = own(ctx, doc, docs)
            if got is not None:
                out += got
                break
    return out
