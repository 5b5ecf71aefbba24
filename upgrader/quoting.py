"""Quoting text from a config or an argument inside a message, cut to a bounded length.

A message may name a key or value that is megabytes long (hostile or broken input): copying it
whole into every message multiplies memory by the number of messages, and nobody reads it. The
cut form keeps the start and says the length, so the operator still finds the line.
"""

from __future__ import annotations


def cut(text: str, limit: int = 80) -> str:
    """``text`` itself, or its first ``limit`` characters followed by its length."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def quoted(text: object, limit: int = 40) -> str:
    """``repr`` of ``text``, cut to ``limit`` characters with its length said."""
    s = str(text)
    return repr(s) if len(s) <= limit else f"{s[:limit]!r}... ({len(s)} characters)"
