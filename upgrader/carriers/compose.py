"""``flags-compose``: Docker Compose services running Kvrocks, options as ``command:`` flags.

The image's ENTRYPOINT is ``kvrocks -c … --dir …`` so every ``command:`` word is an
argument to kvrocks. String form: Compose interpolates ``${VAR}`` and splits the
string shell-style (quotes removed). List form: one item per argv word, verbatim.
"""

from __future__ import annotations

from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ..findings import Finding
from .argv import Arg, flags_unit
from .context import Ctx
from .engine import Unit, carrier_finding
from .lexer import lex
from .shelltext import ShellText, words_to_args
from .yamlargs import YamlList, list_findings, seq_args
from .yamltext import compose_all, get, text_of


def string_args(ctx: Ctx, node: ScalarNode) -> tuple[list[Arg], bool]:
    """argv of a string ``command:``; the bool says whether spans can be edited."""
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


def units(ctx: Ctx) -> tuple[list[Unit], list[Finding]]:
    out: list[Unit] = []
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
                    from .engine import ReadOnly

                    for o in unit.occurrences:
                        o.editor = ReadOnly("the command string uses YAML escapes; edit it by hand")
            else:
                continue
            unit.source_hint = ctx.image_release(image)
            unit.findings += volume_findings(label, svc, image)
            out.append(unit)
    return out, []


def volume_findings(label: str, svc: MappingNode, image: str | None) -> list[Finding]:
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
