"""``flags-k8s``: Kubernetes workload containers running kvrocks, options as ``command:``/``args:``.

Container argv: with no ``command:`` the image ENTRYPOINT (``kvrocks -c …``) runs and
``args:`` are all flags; with ``command: [kvrocks, …]`` the words after the binary come
first, then ``args:``. Kubernetes expands ``$(VAR)`` (one word, value unknown here).
Every document of the file is handled by what it is (kube.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..context import CarrierOptions
from ..kube import containers, doc_name, hint, manifest, pod_spec
from ..registry import Carrier, Probe

if TYPE_CHECKING:  # pragma: no cover
    from ruamel.yaml.nodes import Node

    from ...findings import Finding
    from ..argv import Arg
    from ..context import Ctx
    from ..engine import Piece, Unit


def container_unit(ctx: Ctx, doc: Node, c: Node) -> Optional[Piece]:
    from ruamel.yaml.nodes import SequenceNode

    from ..argv import flags_unit
    from ..engine import Unit, carrier_finding
    from ..yamlargs import YamlList, list_findings, seq_args
    from ..yamltext import get, text_of

    image = text_of(get(c, "image"))
    cmd, args = get(c, "command"), get(c, "args")
    label = f"{doc_name(doc)} container {text_of(get(c, 'name')) or '?'}"
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
    elif not isinstance(args, SequenceNode):  # the image as it comes: its built-in kvrocks.conf
        from ..builtin import outcome
        from ..images import retag

        node = get(c, "image")
        done = outcome(ctx, label, node.start_mark.line + 1 if node is not None else None,
                       ctx.image_release(image))
        splices, found = retag(ctx, node, label)
        done.splices += splices
        done.findings += found
        return done
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
    if ctx.is_kvrocks_image(image):
        from ..images import image_evidence

        image_evidence(ctx, unit, get(c, "image"))
    return unit


def workload(ctx: Ctx, doc: Node, docs: list[Node]) -> Optional[list[Piece]]:
    """A workload document's containers running kvrocks (None: not a workload)."""
    from ruamel.yaml.nodes import MappingNode

    spec = pod_spec(doc)
    if spec is None:
        return None
    return [u for u in (container_unit(ctx, doc, c) for c in containers(spec) if isinstance(c, MappingNode)) if u]


def detect(probe: Probe) -> bool:
    """A workload with a container whose image names kvrocks or whose command runs it. Detection
    uses the default conventions, whatever ``probe.options`` say (as it always has)."""
    from ruamel.yaml.nodes import SequenceNode

    from ..yamltext import get, text_of

    defaults = CarrierOptions()
    for c in containers(pod_spec(probe.doc)):
        img = text_of(get(c, "image")) or ""
        cmd = get(c, "command")
        first = text_of(cmd.value[0]) if isinstance(cmd, SequenceNode) and cmd.value else ""
        if defaults.image_match in img or (first or "").rsplit("/", 1)[-1] == "kvrocks":
            return True
    return False


CARRIER = Carrier(__name__, order=30, globs=("*.yaml", "*.yml"), scope="file", rank=30, detect=detect,
                  units=manifest, hint=hint, manifest_doc=workload)
