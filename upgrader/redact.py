"""Secret masking for every output: text, diff, JSON, reports, logs, error messages.

Two layers: lines of the config whose key is secret (requirepass, masterauth,
tls-key-file-pass, namespace.* tokens, anything the matrix marks ``secret``) have
their value replaced structurally, also inside kvupgrade's own comment markers; and
every secret value found in the file is replaced wherever else it appears, the way
Ansible's ``no_log_values`` works.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

from .confmodel import parse_line, split_lines
from .matrix import Matrix
from .settings import MARKER

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


class _Finder:
    """All occurrences of many strings in one pass (Aho-Corasick, in C): linear in the text
    plus the matches, however many secrets there are (a loop of ``str.replace`` per secret
    is text x secrets: minutes for 60,000 namespace tokens)."""

    def __init__(self, words: Iterable[str]) -> None:
        import ahocorasick

        self.auto = ahocorasick.Automaton()
        for w in words:
            self.auto.add_word(w, len(w))
        self.empty = len(self.auto) == 0
        if not self.empty:
            self.auto.make_automaton()

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Matched spans, overlapping ones merged."""
        if self.empty:
            return []
        return _merge([(end + 1 - n, end + 1) for end, n in self.auto.iter(text)])

    def found(self, text: str) -> bool:
        return not self.empty and next(self.auto.iter(text), None) is not None


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    parts, last = [], 0
    for a, b in spans:
        parts += [text[last:a], MASK]
        last = b
    parts.append(text[last:])
    return "".join(parts)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out


class Redactor:
    def __init__(self, matrix: Matrix, secrets: Iterable[str] = ()) -> None:
        self.matrix = matrix
        # The lower-cased form too: Kvrocks (and kvupgrade's messages) lower-case a key, so a
        # password that also stands as a key of a line comes back lower-cased.
        given = {s for s in secrets if s}
        self.secrets = sorted(given | {s.lower() for s in given}, key=len, reverse=True)
        self.short = frozenset(s for s in self.secrets if len(s) < MIN_FREE_TEXT)
        self._long: Optional[_Finder] = None
        self._json: Optional[_Finder] = None

    @property
    def long(self) -> _Finder:
        if self._long is None:  # built on first use: most records never need it
            self._long = _Finder(s for s in self.secrets if len(s) >= MIN_FREE_TEXT)
        return self._long

    def line(self, text: str) -> str:
        return self.free(self._structural(text) if self.matrix.may_hold_secret(text) else text)

    def _structural(self, text: str) -> str:
        if "\r" in text:  # a lone CR does not end a line for Kvrocks, but the text may still read as lines
            return "\r".join(self._structural(part) for part in text.split("\r"))
        body = text
        prefix = ""
        stripped = text.lstrip(" \t\ufeff")
        if stripped.startswith(MARKER):
            cut = len(text) - len(stripped) + len(MARKER)
            prefix, body = text[:cut], text[cut:]
        elif stripped.startswith("#"):  # a commented-out secret line is still the secret
            cut = len(text) - len(stripped.lstrip("# \t"))
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
        """Long secrets masked wherever they stand; short ones where they stand as a value
        (after a secret key, as a conf value, a flag value or a YAML value)."""
        spans = self.long.spans(text)
        if self.short and any(s in text for s in self.short):
            from .secretscan import value_spans

            short = [(a, b) for a, b in value_spans(self.matrix, text) if text[a:b] in self.short]
            spans = _merge(spans + short) if short else spans
        if spans:
            text = _masked(text, spans)
        return text if text.isascii() else printable(text)

    def text(self, conf_text: str) -> str:
        lines = split_lines(conf_text)
        hits = secret_line_indexes(self.matrix, lines)
        masked = self.free("".join((self._structural(t) if i in hits else t) + e for i, (t, e) in enumerate(lines)))
        # Every carrier's forms (--k=v, k: v, a Helm password:, # k v), whatever the value: this
        # is the file itself, where a value after a secret key is a secret.
        from .secretscan import value_spans

        spans = list(value_spans(self.matrix, masked))
        return _masked(masked, _merge(spans)) if spans else masked

    def clean(self, obj: Any) -> Any:
        """``data(obj)``, but ``obj`` itself when masking would change nothing: its JSON text holds
        no secret (in JSON-escaped form) and no byte that is not UTF-8. One C-speed dump and
        one Aho-Corasick pass instead of a walk over every node of a large record."""
        import json

        try:
            blob = json.dumps(obj, ensure_ascii=False, check_circular=False)
            blob.encode("utf-8")
        except (TypeError, ValueError):  # not plain JSON data, or surrogates: the walk handles both
            return self.data(obj)
        if self._json is None:
            self._json = _Finder(json.dumps(s, ensure_ascii=False)[1:-1] for s in self.secrets)
        return self.data(obj) if self._json.found(blob) else obj

    def data(self, obj: Any) -> Any:
        """Mask every string inside JSON-like data (a copy)."""
        if isinstance(obj, str):
            return self.free(obj)
        if isinstance(obj, dict):
            return {k: self.data(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self.data(v) for v in obj]
        return obj
