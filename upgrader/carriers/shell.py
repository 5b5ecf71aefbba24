"""``flags-shell``: shell scripts that run kvrocks (directly, through ``exec``, or as the
image of ``docker run``) with ``--key value`` flags.

A word that expands unquoted (``$OPTS``, ``$(…)``) can become any number of words, so
pairs after it are read but not edited, and a pair holding one is not removed.
"""

from __future__ import annotations


from ..findings import Finding
from .argv import flags_unit
from .context import Ctx
from .engine import Unit
from .lexer import lex
from .shelltext import ShellText, line_of, words_to_args



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


def units(ctx: Ctx) -> tuple[list[Unit], list[Finding]]:
    t = ctx.text
    out: list[Unit] = []
    pos = 0
    while pos < len(t):
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
    return out, []


from .detect import shellish as looks_like  # noqa: E402,F401  (kept here for callers)
