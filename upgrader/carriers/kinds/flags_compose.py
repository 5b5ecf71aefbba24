"""``flags-compose``: Docker Compose services running Kvrocks, options as ``command:`` flags.

The image's ENTRYPOINT is ``kvrocks -c … --dir …`` so every ``command:`` word is an
argument to kvrocks. String form: Compose interpolates ``${VAR}`` and splits the
string shell-style (quotes removed). List form: one item per argv word, verbatim.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..registry import Carrier, Probe

if TYPE_CHECKING:  # pragma: no cover
    from ruamel.yaml.nodes import MappingNode, Node, ScalarNode

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


def _words(ctx: Ctx, node: Node) -> list[Arg]:
    """argv words of a ``command:``/``entrypoint:`` value (string or list), each knowing its box."""
    from ruamel.yaml.nodes import ScalarNode, SequenceNode

    from ..shelltext import ShellText
    from ..yamlargs import YamlList, seq_args

    if isinstance(node, SequenceNode):
        args, _ = seq_args(node, "compose")
        box: object = YamlList(ctx.text, node)
    elif isinstance(node, ScalarNode) and node.value.strip():
        args, editable = string_args(ctx, node)
        box = ShellText(ctx.text, "compose", continued=False) if editable else Frozen(
            "the command string uses YAML escapes; edit it by hand")
    else:
        return []
    for a in args:
        a.box = box
    return args


class Frozen:
    """An argv container kvupgrade reads but does not edit: every edit is refused with ``why``."""

    def __init__(self, why: str) -> None:
        self.why = why

    def replace_key(self, arg: Arg, old_key: str, new_key: str) -> str:
        return self.why

    def replace_value(self, arg: Arg, new: str) -> str:
        return self.why

    def remove_pair(self, flag: Arg, value: Arg, why: str) -> str:
        return self.why


def _is_binary(ctx: Ctx, word: str) -> bool:
    return word.rsplit("/", 1)[-1] in ctx.options.binaries


def service_argv(ctx: Ctx, label: str, svc: Node) -> tuple[list[Arg], list[Finding]]:
    """The words kvrocks receives after its binary, from ``entrypoint:`` then ``command:``.

    An ``entrypoint:`` replaces the image's ENTRYPOINT: when it runs kvrocks, its words after
    the binary come first and ``command:`` follows. Without one, the image's ENTRYPOINT runs
    kvrocks, and a ``command:`` that repeats the binary (``kvrocks -c …``) is read after it."""
    from ..engine import carrier_finding
    from ..yamltext import get

    ep, cmd = get(svc, "entrypoint"), get(svc, "command")
    out: list[Arg] = []
    found: list[Finding] = []
    if ep is not None:
        words = _words(ctx, ep)
        if words and not _is_binary(ctx, words[0].value):
            return [], [carrier_finding(
                "compose-entrypoint-not-kvrocks", "entrypoint", "info",
                f"{label}: entrypoint runs {words[0].value!r}, not kvrocks; flags inside it are not checked.",
                words[0].line)]
        out += words[1:]
    cmd_words = _words(ctx, cmd) if cmd is not None else []
    if ep is None and cmd_words and _is_binary(ctx, cmd_words[0].value):
        cmd_words = cmd_words[1:]  # the binary repeated in command: what follows is its argv
    return out + cmd_words, found


def conf_flag_findings(label: str, args: list[Arg]) -> list[Finding]:
    """Say which wins when a ``-c FILE`` is given and flags follow: the flag (they apply after the file)."""
    from ..engine import carrier_finding

    for i, a in enumerate(args[:-1]):
        if a.value in ("-c", "--config") and not args[i + 1].dynamic:
            conf = args[i + 1].value
            keys = [x.value[2:] for x in args if x.value.startswith("--") and x.value != "--config"]
            if keys:
                return [carrier_finding(
                    "flag-overrides-conf", "config", "info",
                    f"{label}: reads {conf} and also sets {', '.join('--' + k for k in keys[:6])}"
                    f"{' …' if len(keys) > 6 else ''} as flags; flags apply after the conf file, so where both set"
                    " a key the flag wins. Plan that file too.", a.line)]
    return []


def units(ctx: Ctx) -> list[Piece]:
    from ruamel.yaml.nodes import MappingNode

    from ..argv import flags_unit
    from ..engine import Unit
    from ..images import image_evidence
    from ..yamlargs import list_findings
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
            if get(svc, "command") is None and get(svc, "entrypoint") is None:
                if ctx.is_kvrocks_image(image):
                    out.append(settingless(ctx, label, svc, image))
                continue
            args, found = service_argv(ctx, label, svc)
            if found:
                unit = Unit(label=label, flags=True, findings=found)
            else:
                unit = flags_unit(label, args, None, ctx.matrix, kind="flags-compose")
                from ..yamlargs import YamlList

                listed = [a for a in args if isinstance(a.box, YamlList)]
                unit.findings += list_findings(label, listed, ctx.matrix, strict=False)
                unit.findings += conf_flag_findings(label, args)
            unit.source_hint = ctx.image_release(image)
            if ctx.is_kvrocks_image(image):
                image_evidence(ctx, unit, get(svc, "image"))
            unit.findings += volume_findings(label, svc, image)
            out.append(unit)
    if not out:
        from ...errors import NoKvrocksContent

        raise NoKvrocksContent("no kvrocks settings found: no Compose service runs a kvrocks image", ctx.path)
    return out


def settingless(ctx: Ctx, label: str, svc: Node, image: str | None) -> Piece:
    """A service that only names the image: it runs on the image's built-in kvrocks.conf (builtin.py).
    Its environment is reported, by name only: the image reads no environment variable."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    from ..builtin import outcome
    from ..engine import carrier_finding
    from ..images import retag
    from ..yamltext import get

    node = get(svc, "image")
    line = node.start_mark.line + 1 if node is not None else None
    done = outcome(ctx, label, line, ctx.image_release(image))
    env = get(svc, "environment")
    names: list[str] = []
    if isinstance(env, MappingNode):
        names = [str(k.value) for k, _ in env.value]
    elif isinstance(env, SequenceNode):
        names = [str(getattr(i, "value", "")).split("=", 1)[0] for i in env.value]
    if names:
        done.findings.append(carrier_finding(
            "image-ignores-environment", "environment", "info",
            f"{label}: sets {', '.join(n for n in names[:8] if n)}{' …' if len(names) > 8 else ''} in its"
            " environment, which the kvrocks image does not read: the node runs on the image's built-in"
            " kvrocks.conf. Pass settings as command: flags or mount a kvrocks.conf.",
            next(k.start_mark.line + 1 for k, v in svc.value if v is env)))
    splices, found = retag(ctx, node, label)
    done.splices += splices
    done.findings += found
    return done


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
