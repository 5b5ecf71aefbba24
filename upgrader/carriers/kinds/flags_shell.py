"""``flags-shell``: shell scripts that run kvrocks (directly, through ``exec``, or as the
image of ``docker run``) with ``--key value`` flags, and scripts that write a kvrocks.conf
with a here-document (``cat > kvrocks.conf <<EOF``; see heredoc.py).

A word that expands unquoted (``$OPTS``, ``$(…)``) can become any number of words, so
pairs after it are read but not edited, and a pair holding one is not removed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..registry import Carrier, Probe

if TYPE_CHECKING:  # pragma: no cover
    from ..context import Ctx
    from ..engine import Piece


_WRAPPERS = {"exec", "nohup", "sudo", "env", "time", "nice", "ionice", "numactl", "taskset", "chpst", "gosu",
             "su-exec", "setpriv", "tini", "--"}


def _prefix(word: str) -> bool:
    """A word that may come before the binary in the same command (wrapper, option, VAR=value)."""
    return word in _WRAPPERS or word.startswith("-") or ("=" in word and not word.startswith("="))


def _start(word: str, ctx: Ctx) -> str:
    """'binary', 'image' or '' for a word that begins the kvrocks argv."""
    base = word.rsplit("/", 1)[-1]
    if base in ctx.options.binaries:
        return "binary"
    if ctx.options.image_match in word and ("/" in word or ":" in word) and not word.startswith("-"):
        return "image"
    return ""


def units(ctx: Ctx) -> list[Piece]:
    from ..argv import flags_unit
    from ..heredoc import conf_heredocs
    from ..lexer import lex
    from ..shelltext import ShellText, line_of, words_to_args

    t = ctx.text
    confs, bodies = conf_heredocs(ctx)
    out: list[Piece] = list(confs)
    pos = 0
    while pos < len(t):
        inside = next((b for a, b in bodies if a <= pos < b), None)
        if inside is not None:  # a here-document's lines are data, not commands
            pos = inside
            continue
        lexed = lex(t, pos, len(t), "sh")
        words = lexed.words
        for i, w in enumerate(words):
            what = _start(w.value, ctx)
            if not what or (what == "image" and not any(x.value == "run" for x in words[:i])):
                continue
            if what == "binary" and not all(_prefix(x.value) for x in words[:i]):
                continue  # "echo kvrocks …" mentions it, does not run it
            args = words_to_args(t, words[i + 1:])
            label = f"{w.value} (line {line_of(t, w.start)})"
            unit = flags_unit(label, args, ShellText(t, "sh"), ctx.matrix, kind="flags-shell")
            if what == "image":
                unit.source_hint = ctx.image_release(w.value)
            out.append(unit)
            break
        pos = max(lexed.end + 1, pos + 1)
    if not out:
        from ...errors import NoKvrocksContent

        raise NoKvrocksContent("no kvrocks settings found: the script neither runs kvrocks nor writes a kvrocks.conf",
                               ctx.path)
    return out


def looks_like(text: str, name: str) -> bool:
    """A shell script, by name or shebang."""
    return name.endswith((".sh", ".bash")) or bool(re.match(r"#!\s*/\S*(sh|bash|dash|ksh|zsh)\b", text)) \
        or bool(re.match(r"#!\s*/usr/bin/env\s+(sh|bash|dash)\b", text))


def detect(probe: Probe) -> bool:
    return looks_like(probe.text, probe.name)


CARRIER = Carrier(__name__, order=40, globs=("*.sh", "*.bash"), scope="text", rank=20, detect=detect, units=units)
