"""Characters from a config (or a file name) made harmless for whoever reads a report.

A config can hold characters that a terminal or a viewer acts on instead of showing: ESC
sequences recolour, clear or retitle a terminal and can forge whole lines, BEL rings, CR and
BS overwrite what was printed, C1 controls (U+0080-U+009F) are 8-bit ESC sequences to some
terminals, and bidirectional overrides and isolates (Trojan Source) reorder what is shown.
The human formats (text, Markdown, HTML) show each as a visible escape, ``\\x1b`` or
``\\u202e``: ``\\xNN`` is also the form ``redact.printable`` gives a byte that is not UTF-8, so
a C1 character (valid UTF-8) is written ``\\u0085``, not ``\\x85``. The JSON
formats keep the true value and write the same characters as JSON escapes (``\\u001b``).

Only renderers use this module: the plan data and the per-file records keep the true text.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Everything a reader's terminal or viewer may act on; tab is kept (it only moves to a tab stop).
_ACTIVE = "\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
_UNSAFE = re.compile(f"[{_ACTIVE}]")
# What json.dumps(ensure_ascii=False) leaves raw: it escapes only U+0000-U+001F itself.
_JSON_RAW = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _escape(m: re.Match[str]) -> str:
    o = ord(m.group())
    return f"\\x{o:02x}" if o < 0x80 else f"\\u{o:04x}"


def visible(text: str) -> str:
    """``text`` with every control character but tab (newline included) as ``\\xNN``/``\\uNNNN``."""
    if text.isprintable():  # C speed, and nothing printable is in _ACTIVE (a regex search is 20x slower)
        return text
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def diff_lines(diff: str) -> list[str]:
    """A unified diff's lines, each made visible. Split at '\\n' only (as the diff was made);
    a CR before it is the file's CRLF line end, not content, so it is dropped."""
    lines = diff.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [visible(ln[:-1] if ln.endswith("\r") else ln) for ln in lines]


def json_safe(text: str) -> str:
    """JSON text with the characters ``json.dumps(ensure_ascii=False)`` leaves raw (DEL, C1,
    bidi controls, U+2028/U+2029) written as ``\\uXXXX``: the same value once parsed. Valid on
    any JSON text: outside strings JSON holds only ASCII punctuation, digits and words."""
    if text.isascii():  # O(1) in CPython; then DEL is the only candidate, found at memchr speed
        return text.replace("\x7f", "\\u007f") if "\x7f" in text else text
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text) if _JSON_RAW.search(text) else text


def dumps(obj: Any, **kw: Any) -> str:
    """``json.dumps(obj, ensure_ascii=False, **kw)`` that no terminal acts on."""
    return json_safe(json.dumps(obj, ensure_ascii=False, **kw))
