"""Lossless model of a kvrocks.conf file.

A document is a list of lines; each line keeps its exact text and terminator, so
rendering an unedited document gives back the input bytes. Parsing follows the
line grammar of the Kvrocks release in question:

* ``legacy`` (1.3.0 - 2.1.0): key is split at the first space/tab, the value is the
  rest trimmed of spaces and tabs; no quoting, escapes or inline comments.
* ``quoted`` (2.2.0+, ``ParseConfigLine``): quotes and escapes are syntax, an
  unquoted ``#`` starts a comment anywhere, values are trimmed.

Bytes that are not UTF-8 survive through ``surrogateescape``; a BOM is kept as a
prefix of the first line and ignored for parsing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import chain, repeat
from typing import Iterator, Literal, Optional

Grammar = Literal["legacy", "quoted"]
LineKind = Literal["blank", "comment", "directive", "skipped", "invalid"]

BOM = "\ufeff"
# std::isspace in the C locale; '\n' never occurs inside a line body.
_CSPACE = " \t\n\v\f\r"
# util::Trim set used by ParseConfigLine for unquoted values.
_TRIM = " \t\r\n\v\f\b"
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "t": "\t", "r": "\r", "n": "\n", "v": "\v", "f": "\f", "b": "\b"}


class ConfigSyntaxError(ValueError):
    """A line Kvrocks would refuse to load (malformed, not a bad value)."""

    def __init__(self, message: str, lineno: int, path: Optional[str] = None) -> None:
        self.message = message
        self.lineno = lineno
        self.path = path
        where = f"{path}:" if path else "line "
        super().__init__(f"{where}{lineno}: {message}")


@dataclass
class Line:
    """One physical line: ``text`` (without terminator) + ``eol`` ('\\n', '\\r\\n' or '')."""

    text: str
    eol: str
    lineno: int  # 1-based
    kind: LineKind = "blank"
    key: str = ""  # as written
    value: str = ""  # as Kvrocks reads it (unquoted, unescaped)
    key_span: tuple[int, int] = (0, 0)
    value_span: tuple[int, int] = (0, 0)  # raw span in text, quotes included
    quoted: bool = False
    comment_start: Optional[int] = None  # index of an inline '#' comment
    error: str = ""
    nkey: str = ""  # normalize_key(key), computed once at parse time

    @property
    def raw(self) -> str:
        return self.text + self.eol

    @property
    def norm_key(self) -> str:
        return self.nkey if self.nkey or not self.key else normalize_key(self.key)

    @property
    def raw_value(self) -> str:
        return self.text[self.value_span[0] : self.value_span[1]]


def normalize_key(key: str) -> str:
    """Kvrocks lower-cases keys before lookup; ``namespace.<name>`` keeps the name's case."""
    low = key.lower()
    if low.startswith("namespace."):
        return "namespace." + key[len("namespace.") :]
    return low


def _parse_quoted(text: str) -> tuple[LineKind, dict]:
    """A port of Kvrocks' ParseConfigLine state machine that also records spans."""
    n = len(text)
    i = 0
    while i < n and text[i] in _CSPACE:
        i += 1
    if i == n:
        return "blank", {}
    if text[i] == "#":
        return "comment", {}
    k0 = i
    while i < n and text[i] not in _CSPACE and text[i] != "#":
        i += 1
    key_span = (k0, i)
    info: dict = {"key_span": key_span, "key": text[k0:i]}
    if i < n and text[i] == "#":
        info["comment_start"] = i
        return "skipped", info  # key without value: ignored by Kvrocks
    while i < n and text[i] in _CSPACE:
        i += 1
    if i == n:
        return "skipped", info
    if text[i] == "#":
        info["comment_start"] = i
        return "skipped", info
    if text[i] in "\"'":
        quote = text[i]
        v0 = i
        i += 1
        out: list[str] = []
        closed = False
        while i < n:
            c = text[i]
            if c == "\\":
                if i + 1 >= n:
                    i += 1
                    break
                nxt = text[i + 1]
                if nxt in _ESCAPES:
                    out.append(_ESCAPES[nxt])
                # any other escape drops both characters
                i += 2
                continue
            if c == quote:
                closed = True
                i += 1
                break
            out.append(c)
            i += 1
        if not closed:
            info["error"] = "config line ends unexpectedly in quoted string"
            return "invalid", info
        info["value_span"] = (v0, i)
        info["quoted"] = True
        while i < n and text[i] in _CSPACE:
            i += 1
        if i < n:
            if text[i] != "#":
                info["error"] = "more than 2 item in config line"
                return "invalid", info
            info["comment_start"] = i
        value = "".join(out)
        info["value"] = value
        return ("directive" if value else "skipped"), info
    v0 = i
    hash_at = text.find("#", i)
    end = n if hash_at < 0 else hash_at
    raw = text[v0:end]
    value = raw.strip(_TRIM)
    # span of the value as trimmed, so an edit keeps the trailing blanks
    lead = len(raw) - len(raw.lstrip(_TRIM))
    info["value_span"] = (v0 + lead, v0 + lead + len(value))
    if hash_at >= 0:
        info["comment_start"] = hash_at
    info["value"] = value
    return ("directive" if value else "skipped"), info


def _parse_legacy(text: str, eol: str) -> tuple[LineKind, dict]:
    """1.3.0-2.1.0: split at the first space or tab; no quotes, escapes or inline comments."""
    if text == "" or text.strip(" \t") == "" and "\r" not in text:
        return "blank", {}
    if text.startswith("#"):
        return "comment", {}
    cut = [p for p in (text.find(" "), text.find("\t")) if p >= 0]
    if not cut:
        return "skipped", {"key": text, "key_span": (0, len(text))}
    k_end = min(cut)
    info: dict = {"key_span": (0, k_end), "key": text[:k_end]}
    # The '\r' of a CRLF line is part of the value in this grammar.
    rest = text[k_end:] + ("\r" if eol == "\r\n" else "")
    value = rest.strip(" \t")
    if k_end == 0 or value == "":
        info["error"] = "wrong number of arguments"
        return "invalid", info
    if value == '""':
        return "skipped", info
    lead = len(rest) - len(rest.lstrip(" \t"))
    v0 = k_end + lead
    v_end = min(len(text), v0 + len(value))
    info["value_span"] = (v0, v_end)
    info["value"] = value
    return "directive", info


_Parsed = tuple  # (kind, key, key_span, value_span, value, quoted, comment_start, error)


# 16,384 lines (about 6 MB): every line of a few templates under both grammars stays cached, while
# a fleet's per-node lines (each seen once) cannot grow a worker's memory with the fleet.
@lru_cache(maxsize=1 << 14)
def _parsed(body: str, eol: str, grammar: Grammar) -> _Parsed:
    """Parse one line body; cached because a fleet's files share most of their lines."""
    kind, info = _parse_quoted(body) if grammar == "quoted" else _parse_legacy(body, eol)
    key = info.get("key", "")
    return (kind, key, info.get("key_span", (0, 0)), info.get("value_span", (0, 0)),
            info.get("value", ""), info.get("quoted", False), info.get("comment_start"), info.get("error", ""),
            normalize_key(key) if key else "")


def parse_line(text: str, eol: str, lineno: int, grammar: Grammar, cached: bool = True) -> Line:
    """One line as ``grammar`` reads it. ``cached=False``: a line seen once (a node's own ``port``
    line) need not take a cache slot from the lines every file shares."""
    body = text[1:] if (lineno == 1 and text.startswith(BOM)) else text
    offset = len(text) - len(body)
    # Only the legacy grammar reads the terminator (a CR stays in the value).
    kind, key, ks, vs, value, quoted, cs, error, nkey = (_parsed if cached else _parsed.__wrapped__)(
        body, eol if grammar == "legacy" else "", grammar)
    if offset:
        ks = (ks[0] + offset, ks[1] + offset) if key else ks
        vs = (vs[0] + offset, vs[1] + offset) if vs != (0, 0) else vs
        cs = cs + offset if cs is not None else None
    return Line(text, eol, lineno, kind, key, value, ks, vs, quoted, cs, error, nkey)


def lines_with_ends(text: str) -> list[str]:
    """Lines ending at '\\n' only, each with its terminator (the last may have none), as
    ``split_lines`` cuts them: str.splitlines would also break at VT, FF, FS, GS, RS, NEL, U+2028
    and U+2029, which are ordinary characters inside a config line."""
    parts = text.split("\n")
    last = parts.pop()
    out = [p + "\n" for p in parts]
    if last:
        out.append(last)
    return out


def split_lines(text: str) -> list[tuple[str, str]]:
    """Split on '\\n' only (as std::getline does), keeping each terminator."""
    parts = text.split("\n")
    last = parts.pop()
    if "\r" not in text:  # the common case, at C speed
        out = list(zip(parts, repeat("\n", len(parts))))
    else:
        out = [(p[:-1], "\r\n") if p.endswith("\r") else (p, "\n") for p in parts]
    if last:
        out.append((last, ""))
    return out


def decode(data: bytes) -> str:
    """Decode losslessly: invalid UTF-8 bytes become surrogates and encode back unchanged."""
    return data.decode("utf-8", "surrogateescape")


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


_QUIET = ("blank", "comment")


class Document:
    """A parsed file. Comment and blank lines (most of a shipped conf) are kept as raw text
    only; a ``Line`` is built for them only if ``lines`` is asked for. Never mutated in
    place: edits produce a new Document, so the indexes below are computed once."""

    def __init__(self, raw: list[tuple[str, str]], active: list[Line], grammar: Grammar,
                 text: Optional[str] = None) -> None:
        self.grammar: Grammar = grammar
        self._raw = raw  # (text, terminator) of every line
        self._active = active  # the parsed lines that are not comments or blanks
        if text is not None:
            self.__dict__["_text"] = text  # render() of an unedited document is the input itself

    @classmethod
    def parse(cls, text: str, grammar: Grammar = "quoted") -> "Document":
        raw = split_lines(text)
        return cls(raw, _active_lines(raw, grammar), grammar, text)

    @classmethod
    def parse_bytes(cls, data: bytes, grammar: Grammar = "quoted") -> "Document":
        return cls.parse(decode(data), grammar)

    def replaced(self, new: dict[int, str]) -> "Document":
        """This document with line ``n`` replaced by the text ``new[n]`` (same terminator)."""
        raw = list(self._raw)
        for n, t in new.items():
            raw[n - 1] = (t, raw[n - 1][1])
        active = [ln for ln in self._active if ln.lineno not in new]
        for n in sorted(new):
            ln = parse_line(raw[n - 1][0], raw[n - 1][1], n, self.grammar)
            if ln.kind not in _QUIET:
                active.append(ln)
        active.sort(key=lambda ln: ln.lineno)
        return Document(raw, active, self.grammar)

    def __repr__(self) -> str:
        return f"Document(grammar={self.grammar!r}, lines={len(self._raw)}, active={len(self._active)})"

    @cached_property
    def lines(self) -> list[Line]:
        by_no = {ln.lineno: ln for ln in self._active}
        g = self.grammar
        return [by_no.get(i) or parse_line(t, e, i, g) for i, (t, e) in enumerate(self._raw, 1)]

    def raw_lines(self) -> list[tuple[str, str]]:
        """(text, terminator) of every line; do not mutate."""
        return self._raw

    def active(self) -> list[Line]:
        """Every line that is not a comment or blank (directives, skipped and invalid lines)."""
        return self._active

    def line_at(self, lineno: int) -> Optional[Line]:
        if not 1 <= lineno <= len(self._raw):
            return None
        hit = self._by_lineno.get(lineno)
        if hit is None:
            t, e = self._raw[lineno - 1]
            hit = parse_line(t, e, lineno, self.grammar)
        return hit

    @cached_property
    def _by_lineno(self) -> dict[int, Line]:
        return {ln.lineno: ln for ln in self._active}

    def render(self) -> str:
        return self._text

    @cached_property
    def _text(self) -> str:
        return "".join(chain.from_iterable(self._raw))

    def reparse(self, grammar: Grammar) -> "Document":
        return Document(self._raw, _active_lines(self._raw, grammar), grammar, self._text)

    @property
    def dominant_eol(self) -> str:
        crlf = sum(1 for _, e in self._raw if e == "\r\n")
        lf = sum(1 for _, e in self._raw if e == "\n")
        return "\r\n" if crlf > lf else "\n"

    @cached_property
    def _directives(self) -> list[Line]:
        return [ln for ln in self._active if ln.kind == "directive"]

    @cached_property
    def _invalid(self) -> list[Line]:
        return [ln for ln in self._active if ln.kind == "invalid"]

    def directives(self) -> Iterator[Line]:
        return iter(self._directives)

    def invalid_lines(self) -> list[Line]:
        return list(self._invalid)

    def check_syntax(self, path: Optional[str] = None) -> None:
        """Raise on the first line Kvrocks would refuse to parse."""
        if self._invalid:
            ln = self._invalid[0]
            raise ConfigSyntaxError(ln.error, ln.lineno, path)

    @cached_property
    def _effective(self) -> dict[str, Line]:
        eff: dict[str, Line] = {}
        for ln in self._directives:
            eff[ln.norm_key] = ln
        return eff

    @cached_property
    def _by_key(self) -> dict[str, list[Line]]:
        out: dict[str, list[Line]] = {}
        for ln in self._directives:
            out.setdefault(ln.norm_key, []).append(ln)
        return out

    def effective(self) -> dict[str, Line]:
        """Key -> the line whose value wins (the last occurrence, for single-value keys)."""
        return dict(self._effective)

    def keys(self) -> "dict[str, list[Line]]":
        """Every active key (normalised) with its lines, in file order; do not mutate."""
        return self._by_key

    def occurrences(self, norm_key: str) -> list[Line]:
        return list(self._by_key.get(norm_key, ()))


def _active_lines(raw: list[tuple[str, str]], grammar: Grammar) -> list[Line]:
    """Parse the lines that are not comments or blanks. The cached per-line parse tells which
    are; only those get a Line object (a shipped conf is ~85 % comments)."""
    out: list[Line] = []
    legacy = grammar == "legacy"
    for i, (t, e) in enumerate(raw, 1):
        if i == 1 and t.startswith(BOM):
            ln = parse_line(t, e, 1, grammar)
            if ln.kind not in _QUIET:
                out.append(ln)
        elif not t or t[0] == "#":
            continue  # blank or a comment in both grammars: no lookup needed
        elif _parsed(t, e if legacy else "", grammar)[0] not in _QUIET:
            out.append(parse_line(t, e, i, grammar))
    return out


# --- writing values back -------------------------------------------------------------

_NEEDS_QUOTES = set(' \t\r\n\v\f\b"\'#\\')


def format_value(value: str, grammar: Grammar = "quoted") -> str:
    """Render a value the way Kvrocks' DumpConfigLine does (quote when needed)."""
    if grammar == "legacy" or not any(c in _NEEDS_QUOTES for c in value):
        return value
    rev = {v: k for k, v in _ESCAPES.items() if k not in "'"}
    body = "".join("\\" + rev[c] if c in rev else c for c in value)
    return f'"{body}"'
