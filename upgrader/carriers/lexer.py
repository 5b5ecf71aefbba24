"""Split shell-like command text into words, keeping each word's exact span.

Three dialects, after the consumers' own rules:

* ``sh``: POSIX quoting; ``\\``-newline joins lines; unquoted ``$VAR``/``$(...)`` expand
  and may split into several words or none; ``;&|<>()`` and a word-initial ``#`` end
  the command.
* ``systemd``: ``ExecStart=`` (systemd.service "Command lines"): quotes and C escapes,
  ``\\`` at line end continues; ``$VAR`` splits, ``${VAR}`` is one word, ``%x``
  specifiers are filled in.
* ``compose``: the string form of ``command:`` — variables are interpolated first
  (``$$`` is a literal ``$``), then the string is split shell-style.

The lexer reads values; edits never re-render a word, they splice spans of the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

_WS = " \t"
_SH_OPS = set(";&|<>()")


@dataclass
class Word:
    value: str  # what the program receives (expansions kept as written)
    start: int  # span in the whole text
    end: int
    dynamic: bool = False  # holds an expansion decided at run time
    splits: bool = False  # the expansion may become several words or none


@dataclass
class Lexed:
    words: list[Word]
    end: int  # where the command stopped
    error: Optional[str] = None


def _dollar(text: str, i: int, dialect: str) -> tuple[int, bool]:
    """Length of an expansion at ``text[i] == '$'`` (0 if none) and whether it can split."""
    n = len(text)
    if i + 1 >= n:
        return 0, False
    c = text[i + 1]
    if c == "$" and dialect == "compose":
        return 0, False
    if c == "{":
        close = text.find("}", i + 2)
        return (close + 1 - i if close > 0 else n - i), dialect != "systemd"
    if c == "(" and dialect == "sh":
        depth, j = 0, i + 1
        while j < n:
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            if depth == 0:
                return j + 1 - i, True
            j += 1
        return n - i, True
    if c.isalnum() or c == "_" or (dialect == "sh" and c in "@*#?-$!"):
        j = i + 2
        while j < n and (text[j].isalnum() or text[j] == "_") and not c.isdigit():
            j += 1
        return j - i, True
    return 0, False


def lex(text: str, start: int, end: int, dialect: str) -> Lexed:
    """Words of ``text[start:end]``; a newline ends the command unless escaped (sh/systemd)."""
    words: list[Word] = []
    i = start
    cur: Optional[list[str]] = None
    w0 = 0
    dyn = split = False

    def flush(at: int) -> None:
        nonlocal cur, dyn, split
        if cur is not None:
            words.append(Word("".join(cur), w0, at, dyn, split))
        cur, dyn, split = None, False, False

    while i < end:
        c = text[i]
        if c == "\\" and i + 1 < end and text[i + 1] == "\n" and dialect != "compose":
            flush(i)
            i += 2
            continue
        if c == "\\" and i + 2 < end and text[i + 1:i + 3] == "\r\n" and dialect != "compose":
            flush(i)
            i += 3
            continue
        if c in _WS or c in "\r\n":
            if c == "\n" and dialect != "compose":
                flush(i)
                return Lexed(words, i)
            flush(i)
            i += 1
            continue
        if dialect == "sh" and cur is None and c == "#":
            nl = text.find("\n", i, end)
            return Lexed(words, end if nl < 0 else nl)
        if dialect == "sh" and c in _SH_OPS:
            flush(i)
            return Lexed(words, i)
        if cur is None:
            cur, w0 = [], i
        if c in "'\"":
            q = c
            j = i + 1
            while j < end and text[j] != q:
                if q == '"' and text[j] == "\\" and j + 1 < end:
                    nxt = text[j + 1]
                    if dialect == "sh" and nxt not in '$`"\\\n':
                        cur.append("\\")
                    cur.append(nxt)
                    j += 2
                    continue
                if q == '"' and text[j] == "$":
                    k, _ = _dollar(text, j, dialect)
                    if k:
                        dyn = True
                        cur.append(text[j:j + k])
                        j += k
                        continue
                if text[j] == "\n":
                    return Lexed(words, j, "a quoted word spans lines")
                cur.append(text[j])
                j += 1
            if j >= end:
                return Lexed(words, end, "unterminated quote")
            i = j + 1
            continue
        if c == "\\" and i + 1 < end:
            cur.append(text[i + 1])
            i += 2
            continue
        if c == "$" or (c == "`" and dialect == "sh") or (c == "%" and dialect == "systemd"):
            if c == "`":
                close = text.find("`", i + 1, end)
                k, sp = ((close + 1 - i) if close > 0 else end - i), True
            elif c == "%":
                k, sp = (2 if text[i + 1:i + 2] != "%" else 0), False
            else:
                k, sp = _dollar(text, i, dialect)
            if k:
                dyn, split = True, split or sp
                cur.append(text[i:i + k])
                i += k
                continue
            if c == "$" and dialect == "compose" and text[i + 1:i + 2] == "$":
                cur.append("$")
                i += 2
                continue
            if c == "%" and dialect == "systemd":
                cur.append("%")
                i += 2
                continue
        cur.append(c)
        i += 1
    flush(end)
    return Lexed(words, end)
