"""Secret masking for every output: text, diff, JSON, reports, logs, error messages.

Two layers: lines of the config whose key is secret (requirepass, masterauth,
tls-key-file-pass, namespace.* tokens, anything the matrix marks ``secret``) have
their value replaced structurally, also inside kvupgrade's own comment markers; and
every secret value found in the file is replaced wherever else it appears, the way
Ansible's ``no_log_values`` works.
"""

from __future__ import annotations

from typing import Any, Iterable

from .confmodel import parse_line, split_lines
from .matrix import Matrix
from .registry import MARKER

MASK = "********"
MIN_FREE_TEXT = 4  # shorter secrets are masked only where they stand as a value


def printable(text: str) -> str:
    """Bytes that are not UTF-8 (kept as surrogates internally) are shown as \\xNN in output."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def secret_line_indexes(matrix: Matrix, lines: list[tuple[str, str]]) -> set[int]:
    """Indexes of the lines that mention a secret key: one C-speed scan of the whole text."""
    low = "\n".join([t for t, _ in lines]).lower()
    positions = sorted(pos for needle in matrix.secret_needles() for pos in _find_all(low, needle))
    hits: set[int] = set()
    line = last = 0
    for pos in positions:  # line number = newlines before the hit, counted incrementally
        line += low.count("\n", last, pos)
        last = pos
        hits.add(line)
    return hits


def _find_all(text: str, needle: str) -> Iterable[int]:
    pos = text.find(needle)
    while pos >= 0:
        yield pos
        pos = text.find(needle, pos + 1)


class Redactor:
    def __init__(self, matrix: Matrix, secrets: Iterable[str] = ()) -> None:
        self.matrix = matrix
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def line(self, text: str) -> str:
        return self.free(self._structural(text) if self.matrix.may_hold_secret(text) else text)

    def _structural(self, text: str) -> str:
        body = text
        prefix = ""
        stripped = text.lstrip(" \t\ufeff")
        if stripped.startswith(MARKER):
            cut = len(text) - len(stripped) + len(MARKER)
            prefix, body = text[:cut], text[cut:]
        ln = parse_line(body, "", 2, "legacy")
        q = parse_line(body, "", 2, "quoted")
        key_line = q if q.key else ln
        if key_line.key and self.matrix.is_secret(key_line.key):
            # Mask everything after the key: the grammars disagree on where the value ends
            # (a legacy value runs through '#', a quoted one stops there).
            a = key_line.key_span[1]
            if body[a:].strip(" \t\r"):
                body = body[:a] + " " + MASK
        return prefix + body

    def free(self, text: str) -> str:
        for s in self.secrets:
            if len(s) >= MIN_FREE_TEXT and s in text:
                text = text.replace(s, MASK)
        return text if text.isascii() else printable(text)

    def text(self, conf_text: str) -> str:
        lines = split_lines(conf_text)
        hits = secret_line_indexes(self.matrix, lines)
        masked = "".join((self._structural(t) if i in hits else t) + e for i, (t, e) in enumerate(lines))
        return self.free(masked)

    def clean(self, obj: Any) -> Any:
        """``data(obj)``, but ``obj`` itself when masking would change nothing: its JSON text holds
        no secret (in JSON-escaped form) and no byte that is not UTF-8. One C-speed dump and
        a few substring searches instead of a walk over every node of a large record."""
        import json

        try:
            blob = json.dumps(obj, ensure_ascii=False, check_circular=False)
            blob.encode("utf-8")
        except (TypeError, ValueError):  # not plain JSON data, or surrogates: the walk handles both
            return self.data(obj)
        for s in self.secrets:
            if len(s) >= MIN_FREE_TEXT and json.dumps(s, ensure_ascii=False)[1:-1] in blob:
                return self.data(obj)
        return obj

    def data(self, obj: Any) -> Any:
        """Mask every string inside JSON-like data (a copy)."""
        if isinstance(obj, str):
            return self.free(obj)
        if isinstance(obj, dict):
            return {k: self.data(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self.data(v) for v in obj]
        return obj
