"""``flags-compose``: Docker Compose services running Kvrocks, options as ``command:`` flags.

The image's ENTRYPOINT is ``kvrocks -c … --dir …`` so every ``command:`` word is an
argument to kvrocks. String form: Compose interpolates ``${VAR}`` and splits the
string shell-style (quotes removed). List form: one item per argv word, verbatim.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..registry import Carrier, Probe

if TYPE_CHECKING:  # pragma: no cover
    from ruamel.yaml.nodes import MappingNode, ScalarNode

    from ...findings import Finding
    from ..argv import Arg
    from ..context import Ctx
    from ..engine import Piece


def string_args(ctx: Ctx, node: ScalarNode) -> tuple[list[Arg], bool]:
    """argv of a string ``command:``; the bool says whether spans can be edited."""
    from ..argv import Arg
    from ..lexer import lex
    from ..shelltext import words_to_args

    t = ctx.text
    a, b = node.start_mark.index, node.end_mark.index
    if node.style in (">", "|"):
        a = t.find("\n", a) + 1
    elif node.style in ('"', "'"):
        inner = t[a + 1:b - 1]
        if inner != node.value:  # escapes or folding: read the value, do not edit it
            words = lex(node.value, 0, len(node.value), "compose").words
            return [Arg(w.value, node.start_mark.line + 1, w.dynamic, w.splits, w.value) for w in words], False
        a, b = a + 1, b - 1
    return words_to_args(t, lex(t, a, b, "compose").words), True


def units(ctx: Ctx) -> list[Piece]:
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    from ..argv import flags_unit
    from ..engine import ReadOnly
    from ..shelltext import ShellText
    from ..yamlargs import YamlList, list_findings, seq_args
    from ..yamltext import compose_all, get, text_of

    out: list[Piece] = []
    for doc in compose_all(ctx.text, ctx.path):
        services = get(doc, "services")
        if not isinstance(services, MappingNode):
            continue
        for k, svc in services.value:
            image = text_of(get(svc, "image"))
            if not ctx.is_kvrocks_image(image) and ctx.options.image_match not in str(k.value):
                continue
            label = f"service {k.value}"
            cmd = get(svc, "command")
            if isinstance(cmd, SequenceNode):
                args, items = seq_args(cmd, "compose")
                unit = flags_unit(label, args, YamlList(ctx.text, cmd), ctx.matrix, kind="flags-compose")
                unit.findings += list_findings(label, args, ctx.matrix, strict=False)
            elif isinstance(cmd, ScalarNode) and cmd.value.strip():
                args, editable = string_args(ctx, cmd)
                unit = flags_unit(label, args, ShellText(ctx.text, "compose", continued=False), ctx.matrix,
                                  kind="flags-compose")
                if not editable:
                    for o in unit.occurrences:
                        o.editor = ReadOnly("the command string uses YAML escapes; edit it by hand")
            else:
                continue
            unit.source_hint = ctx.image_release(image)
            unit.findings += volume_findings(label, svc, image)
            out.append(unit)
    return out


def volume_findings(label: str, svc: MappingNode, image: str | None) -> list[Finding]:
    from ruamel.yaml.nodes import ScalarNode, SequenceNode

    from ..engine import carrier_finding
    from ..yamltext import get, text_of

    vols = get(svc, "volumes")
    if not isinstance(vols, SequenceNode):
        return []
    for v in vols.value:
        target = text_of(v) or text_of(get(v, "target")) or ""
        if isinstance(v, ScalarNode):
            parts = target.split(":")
            target = parts[1] if len(parts) > 1 else parts[0]
        if target.rstrip("/") == "/var/lib/kvrocks":
            return [carrier_finding(
                "image-conf-in-volume", "image", "info",
                f"{label}: the image keeps kvrocks.conf in /var/lib/kvrocks, which is this volume: an existing"
                f" volume keeps the conf copied from the first image used with it, so changing the tag"
                f" ({image}) does not refresh it. Plan that file too.", v.start_mark.line + 1)]
    return []


def detect(probe: Probe) -> bool:
    """A document with a ``services:`` mapping."""
    from ruamel.yaml.nodes import MappingNode

    from ..yamltext import get

    return isinstance(get(probe.doc, "services"), MappingNode)


CARRIER = Carrier(__name__, order=10, globs=("*.yaml", "*.yml"), scope="document", rank=10, detect=detect,
                  units=units, hint=lambda options: "a Compose service running a kvrocks image")
