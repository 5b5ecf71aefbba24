"""``flags-systemd``: unit files and drop-ins whose ``ExecStart=`` runs kvrocks with flags.

Only the last non-empty ``ExecStart=`` of the file counts for a simple service (an
empty one resets the list in a drop-in), but every one that runs kvrocks is checked.
Continuation lines end with ``\\``; systemd removes quotes; ``$VAR`` splits into words,
``${VAR}`` does not.
"""

from __future__ import annotations

import re

from ..findings import Finding
from .argv import flags_unit
from .context import Ctx
from .engine import Unit
from .lexer import lex
from .shelltext import ShellText, line_of, words_to_args

EXEC = re.compile(r"^[ \t]*ExecStart[ \t]*=[ \t]*", re.M)
_PREFIX = "-@:+!|"


def units(ctx: Ctx) -> tuple[list[Unit], list[Finding]]:
    t = ctx.text
    out: list[Unit] = []
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
    return out, []


def looks_like(text: str) -> bool:
    return bool(re.search(r"^\[(Service|Unit)\]", text, re.M)) and bool(EXEC.search(text))
