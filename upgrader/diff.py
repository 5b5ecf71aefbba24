"""Unified diff of a plan, secrets masked on both sides."""

from __future__ import annotations

import difflib

from .confmodel import lines_with_ends
from .redact import Redactor


def unified(old: str, new: str, path: str, redactor: Redactor, context: int = 3) -> str:
    if old == new:
        return ""
    a = lines_with_ends(redactor.text(old))
    b = lines_with_ends(redactor.text(new))
    out = []
    for line in difflib.unified_diff(a, b, fromfile=f"{path} (before)", tofile=f"{path} (after)", n=context):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
