"""Edits of argv words inside shell-like text (Compose string form, systemd, shell scripts).

A removal drops the flag and its value and nothing else: a line that held only the
pair (and a continuation ``\\``) goes as a whole; otherwise the two words and the
blanks on one side go. Removing the last line of a continued command also takes the
now dangling ``\\`` off the line before, so the next line does not join the command.
"""

from __future__ import annotations

import re

from .argv import Arg
from .engine import Result, Splice
from .lexer import Word, lex
from .yamltext import line_bounds

_BARE = re.compile(r"[A-Za-z0-9_./,:@+=-]+")


def quote(value: str, dialect: str) -> str:
    """One argv word holding exactly ``value`` in this dialect."""
    if value and _BARE.fullmatch(value):
        return value
    if dialect == "sh":
        return "'" + value.replace("'", "'\\''") + "'"
    body = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$")
    if dialect == "systemd":
        body = body.replace("%", "%%")
    return f'"{body}"'


def line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def words_to_args(text: str, words: list[Word]) -> list[Arg]:
    return [Arg(w.value, line_of(text, w.start), w.dynamic, w.splits, text[w.start:w.end], w) for w in words]


class ShellText:
    def __init__(self, text: str, dialect: str, continued: bool = True) -> None:
        self.text = text
        self.dialect = dialect
        self.continued = continued  # lines join with a trailing backslash (not in a YAML block)

    def replace_key(self, arg: Arg, old_key: str, new_key: str) -> Result:
        w: Word = arg.ref
        if self.text[w.start:w.end] != "--" + old_key:
            return "the flag is quoted or escaped; rename it by hand"
        return [Splice(w.start, w.end, "--" + new_key)]

    def replace_value(self, arg: Arg, new: str) -> Result:
        w: Word = arg.ref
        check = lex(quote(new, self.dialect), 0, len(quote(new, self.dialect)), self.dialect)
        if [x.value for x in check.words] != [new]:
            return f"{new!r} cannot be written as one {self.dialect} word"
        return [Splice(w.start, w.end, quote(new, self.dialect))]

    def remove_pair(self, flag: Arg, value: Arg, why: str) -> Result:
        t = self.text
        fs, ve = flag.ref.start, value.ref.end
        ls, le = line_bounds(t, fs)
        if ve > le:
            return "the flag and its value are on different lines; remove them by hand"
        body_end = le - (1 if t[:le].endswith("\n") else 0)
        body_end -= 1 if t[:body_end].endswith("\r") else 0
        before, after = t[ls:fs], t[ve:body_end]
        cont = after.strip(" \t") == "\\"
        if before.strip(" \t") == "" and (after.strip(" \t") == "" or cont):
            out = [Splice(ls, le, "")]
            if self.continued and not cont:
                prev = self._dangling(ls)
                if prev is None:
                    return "the pair ends the command; remove it by hand"
                out.append(prev)
            return out
        j = ve
        while j < body_end and t[j] in " \t":
            j += 1
        if j < body_end:
            return [Splice(fs, j, "")]
        k = fs
        while k > ls and t[k - 1] in " \t":
            k -= 1
        return [Splice(k, ve, "")]

    def _dangling(self, ls: int):  # type: ignore[no-untyped-def]
        """The continuation backslash that ends the line before ``ls``, as a removal."""
        if ls == 0:
            return None
        pls, _ = line_bounds(self.text, ls - 1)
        line = self.text[pls:ls]
        stripped = line.rstrip("\r\n")
        m = re.search(r"[ \t]*\\$", stripped)
        if not m:
            return None
        return Splice(pls + m.start(), pls + len(stripped), "")
