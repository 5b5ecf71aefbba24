"""``flags-systemd``: unit files and drop-ins whose ``ExecStart=`` runs kvrocks with flags.

Only the last non-empty ``ExecStart=`` of the file counts for a simple service (an
empty one resets the list in a drop-in), but every one that runs kvrocks is checked.
Continuation lines end with ``\\``; systemd removes quotes; ``$VAR`` splits into words,
``${VAR}`` does not.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..registry import Carrier, Probe

if TYPE_CHECKING:  # pragma: no cover
    from ..context import Ctx
    from ..engine import Piece

EXEC = re.compile(r"^[ \t]*ExecStart[ \t]*=[ \t]*", re.M)
_PREFIX = "-@:+!|"


def units(ctx: Ctx) -> list[Piece]:
    from ..argv import flags_unit
    from ..lexer import lex
    from ..shelltext import ShellText, line_of, words_to_args

    t = ctx.text
    out: list[Piece] = []
    for m in EXEC.finditer(t):
        lexed = lex(t, m.end(), len(t), "systemd")
        words = lexed.words
        if not words:
            continue
        exe = words[0].value.lstrip(_PREFIX)
        if exe.rsplit("/", 1)[-1] not in ctx.options.binaries:
            continue
        args = words_to_args(t, words[1:])
        label = f"ExecStart (line {line_of(t, m.start())})"
        out.append(flags_unit(label, args, ShellText(t, "systemd"), ctx.matrix, kind="flags-systemd"))
    return out


def looks_like(text: str) -> bool:
    return bool(re.search(r"^\[(Service|Unit)\]", text, re.M)) and bool(EXEC.search(text))


def detect(probe: Probe) -> bool:
    """A unit file or drop-in (by name, or a ``[Service]`` line) with an ``ExecStart=``."""
    head = probe.text
    if head.startswith("#!") and not probe.name.endswith(".service"):
        return False  # a script (that may write a unit file with a here-document) is a script
    service = head.startswith("[Service]") or "\n[Service]" in head  # a '[Service]' line, without a regex scan
    return (probe.name.endswith(".service") or ".service.d" in (probe.path or "") or service) and looks_like(head)


# drop-ins are *.conf files in a <unit>.service.d directory
CARRIER = Carrier(__name__, order=20, globs=("*.service", "*.conf"), scope="text", rank=10, detect=detect,
                  units=units)
