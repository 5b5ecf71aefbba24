"""Unified diff of a plan, secrets masked on both sides."""

from __future__ import annotations

import difflib

from .redact import Redactor


def _lines(text: str) -> list[str]:
    """Lines ending at '\\n' only, as the config parser splits them (confmodel.split_lines):
    str.splitlines would also break at VT, FF, FS, GS, RS, NEL, U+2028 and U+2029, which
    are ordinary characters inside a config line, and show false line ends in the diff."""
    parts = text.split("\n")
    last = parts.pop()
    out = [p + "\n" for p in parts]
    if last:
        out.append(last)
    return out


def unified(old: str, new: str, path: str, redactor: Redactor, context: int = 3) -> str:
    if old == new:
        return ""
    a = _lines(redactor.text(old))
    b = _lines(redactor.text(new))
    out = []
    for line in difflib.unified_diff(a, b, fromfile=f"{path} (before)", tofile=f"{path} (after)", n=context):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
