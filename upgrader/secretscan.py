"""Where secret values stand in raw text, whatever the file is: one regex pass per form.

The carriers collect secrets from what they parse; this scan collects them from the bytes, so
text no parser understood (a YAML error, a CR-only file, a ``--key=value`` word, a Helm
``password:``) is masked all the same. ``value_spans`` finds where such values stand, which
masks the file's own text (diffs) structurally in every carrier, commented-out lines included. It over-collects on purpose: a word that
only looks like a secret value is masked too, which costs a ``********`` in output, never a leak.

Three forms, each a linear ``finditer`` (pure: text in, spans out):

* a flag: ``--requirepass=v``, ``--requirepass v``, ``"--requirepass", "v"``, or a YAML list
  item ``- --requirepass`` followed by ``- v``;
* a YAML/JSON key: ``requirepass: v``, ``"masterauth": "v"``, any ``…password: v`` (Helm, operator);
* a conf line, also commented out (``# requirepass v``), also after a lone CR (or its escape ``\\r``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

from .matrix import Matrix

# A value: double-quoted (with escapes), single-quoted, or a bare word (which a quoted repr's
# "\r"/"\n" escape ends, as a real line end would).
_VAL = r"""(?P<val>"(?:[^"\\\r\n]|\\.)*"?|'(?:[^'\r\n]|'')*'?|(?:[^\s\\]|\\(?![rn]))+)(?=(?P<rest>[^\r\n]*))"""
_BARE_END = "\"',]}"  # what ends a bare value inside a list or a flow mapping


@lru_cache(maxsize=8)
def _patterns(keys: tuple[str, ...], prefixes: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    key = "|".join([re.escape(k) for k in sorted(keys, key=len, reverse=True)]
                   + [re.escape(p) + r"[^\s=:\"',]+" for p in prefixes])
    flag = re.compile(r"--(?:" + key + r")(?:=|[\"']?[ \t]*,[ \t]*|[\"']?[ \t]*\r?\n[ \t]*-[ \t]+|[ \t]+)" + _VAL,
                      re.I)
    ykey = re.compile(r"(?<![\w.-])[\"']?(?:" + key + r"|[\w.-]*password)[\"']?[ \t]*:[ \t]+" + _VAL, re.I)
    # a line starts after a newline, a lone CR, or their escapes in a quoted repr ('6666\\rrequirepass …')
    conf = re.compile(r"(?:^|(?<=\r)|(?<=\\[rn]))[ \t]*(?P<hash>#[ \t#]*)?(?:" + key + r")[ \t]+" + _VAL, re.I | re.M)
    return flag, ykey, conf


_NEEDLES: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _needles(m: Matrix) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(secret keys, secret key prefixes) of a matrix, computed once per distinct set."""
    needles = m.secret_needles()
    got = _NEEDLES.get(needles)
    if got is None:
        keys = tuple(sorted(m.secret_keys()))
        got = _NEEDLES[needles] = keys, tuple(n for n in needles if n not in keys)
    return got


def _windows(m: Matrix, text: str) -> list[tuple[int, int]]:
    """The lines that mention a secret key (and the line after a ``--key`` flag, where a list item
    may hold its value), merged: the regexes run on these only. Needles are found with str.find,
    at C speed, so a file with no secret costs one pass per needle."""
    low = text.lower()
    if len(low) != len(text):  # a character whose lower case is longer: positions would not match
        return [(0, len(text))]
    spans: list[tuple[int, int]] = []
    for needle in (*m.secret_needles(), "password"):
        pos = low.find(needle)
        while pos >= 0:
            a = max(text.rfind("\n", 0, pos), text.rfind("\r", 0, pos)) + 1
            nl = text.find("\n", pos)
            if text.startswith("--", pos - 2):  # a flag: its value may be the next list item
                nl = -1 if nl < 0 else text.find("\n", nl + 1)
            b = len(text) if nl < 0 else nl + 1
            spans.append((a, b))
            pos = low.find(needle, b if b > pos else pos + 1)
    spans.sort()
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out


def _matches(m: Matrix, text: str) -> Iterator[tuple[int, "re.Match[str]"]]:
    """(offset, match) of every form in the windows of ``text``; spans are window-relative."""
    rxs = _patterns(*_needles(m))
    for a, b in _windows(m, text):
        window = text[a:b]
        for rx in rxs:
            for mt in rx.finditer(window):
                yield a, mt


def value_spans(m: Matrix, text: str) -> Iterator[tuple[int, int]]:
    """Spans of the values that stand after a secret key, quotes left out."""
    for off, mt in _matches(m, text):
        a, b = mt.span("val")
        raw = mt.group("val")
        if raw[:1] in "\"'":
            a, b = a + 1, b - (1 if len(raw) > 1 and raw[-1] == raw[0] else 0)
        else:
            b = a + len(raw.rstrip(_BARE_END))
        if b > a:
            yield off + a, off + b


def scan(m: Matrix, text: str) -> set[str]:
    """Every value that stands after a secret key in ``text``, in the forms output may show it."""
    out: set[str] = set()
    for _, mt in _matches(m, text):
        if mt.groupdict().get("hash"):
            continue  # a commented-out value: masked where it stands (Redactor.text), not in all output
        raw, rest = mt.group("val"), mt.group("rest")
        forms = {raw, raw.rstrip(_BARE_END), raw.strip("\"'"), raw.lstrip("*&!").rstrip(_BARE_END),
                 (raw + rest).rstrip(" \t")}
        if raw[:1] == '"':
            forms.add(raw.strip('"').replace('\\"', '"').replace("\\\\", "\\"))
        elif raw[:1] == "'":
            forms.add(raw.strip("'").replace("''", "'"))
        out.update(f for f in forms if f)
    return out
