"""How a Kvrocks release reads one option value, and whether it accepts it.

Integer parsing changed across releases (README of the reference tables, section 4):

* ``prefix10`` (<= 2.1.0): ``std::stoll`` prefix, base 10 (``64MB`` -> 64, ``0x10`` -> 0).
* ``strict10`` (2.2.0): whole string, base 10.
* ``base0`` (2.3.0 - 2.13.0): whole string, ``strtol`` base 0 (``010`` = 8, ``0x10`` = 16).
* ``from_chars10`` (2.14.0+): whole string, base 10, no leading ``+``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple, Optional

from .matrix import OptionState
from .quoting import quoted

INT_TYPES = {"int", "int64", "uint32", "uint64"}
_UNIT_SUFFIX = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


class ValueProblem(ValueError):
    """The release would refuse this value: the server does not start."""


def read_int(text: str, era: str) -> int:
    n, problem = _read_int(text, era)
    if problem:
        raise ValueProblem(problem)
    return n


@lru_cache(maxsize=1 << 13)  # bounded low: per-node values must not grow a worker with the fleet
def _read_int(text: str, era: str) -> tuple[int, str]:
    """(value, '') or (0, why the release refuses it); cached, a fleet repeats its numbers."""
    try:
        return _parse_int(text, era), ""
    except ValueProblem as exc:
        return 0, str(exc)


# More digits than any integer type Kvrocks reads can hold (uint64: 20 decimal, 22 octal, 16 hex
# digits): such a value is out of range whatever its digits, and int() is never asked to convert it
# (Python refuses more than 4,300 digits; below that, a huge conversion is just wasted time).
MAX_INT_DIGITS = 40


_DIGIT_RUN = re.compile(r"\s*[+-]?(?:0[xX])?0*(\d*)")


def _parse_int(text: str, era: str) -> int:
    s = text
    if len(s) > MAX_INT_DIGITS:
        m = _DIGIT_RUN.match(s)
        if m and len(m.group(1)) > MAX_INT_DIGITS:  # significant digits, leading zeros aside
            raise ValueProblem(f"{quoted(text, 60)}: out of range of integer type")
    if era == "prefix10":
        m = re.match(r"^\s*([+-]?\d+)", s)
        if not m:
            raise ValueProblem(f"{quoted(text, 60)} is not a number")
        return int(m.group(1))
    if era == "strict10" or era == "from_chars10":
        if era == "from_chars10" and s.startswith("+"):
            raise ValueProblem(f"{quoted(text, 60)}: a leading '+' is rejected")
        if not re.fullmatch(r"[+-]?\d+", s):
            raise ValueProblem(f"{quoted(text, 60)}: encounter non-integer characters")
        return int(s, 10)
    if era == "base0":
        m = re.fullmatch(r"\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)", s)
        if not m:
            raise ValueProblem(f"{quoted(text, 60)}: encounter non-integer characters")
        sign = -1 if m.group(1) == "-" else 1
        body = m.group(2)
        if body.lower().startswith("0x"):
            return sign * int(body, 16)
        if body.startswith("0") and len(body) > 1:
            return sign * int(body, 8)
        return sign * int(body, 10)
    raise ValueError(f"unknown integer era {era!r}")


def read_int_with_unit(text: str) -> int:
    m = re.fullmatch(r"(\d+)([kKmMgGtTpP]?)", text)
    if not m:
        raise ValueProblem(f"{quoted(text, 60)}: expected a number with an optional k/m/g/t/p suffix")
    return int(m.group(1)) * _UNIT_SUFFIX[m.group(2).lower()]


class Reading(NamedTuple):
    """What the release makes of the text: a canonical value to compare across releases."""

    canonical: str


def read_value(text: str, state: OptionState, era: str) -> Reading:
    """Read ``text`` as ``state``'s release would, or raise ValueProblem."""
    t = state.type
    if t == "yesno":
        low = text.lower()
        if low not in ("yes", "no"):
            raise ValueProblem(f"{quoted(text, 60)}: expected yes or no")
        return Reading(low)
    if t in INT_TYPES:
        n = read_int(text, era)
        lo, hi = state.min, state.max
        checked = lo is not None and hi is not None and (era != "prefix10" or hi > lo)
        if t.startswith("uint") and n < 0 and era != "prefix10":
            raise ValueProblem(f"{quoted(text, 60)}: out of numeric range")
        if checked and not (lo <= n <= hi):  # type: ignore[operator]
            raise ValueProblem(f"{quoted(text, 60)} is out of numeric range [{lo}, {hi}]")
        return Reading(str(n))
    if t == "int_with_unit":
        n = read_int_with_unit(text)
        if state.min is not None and state.max is not None and not (state.min <= n <= state.max):
            raise ValueProblem(f"{quoted(text, 60)} is out of numeric range [{state.min}, {state.max}]")
        return Reading(str(n))
    if t == "octal":
        if not re.fullmatch(r"[0-7]+", text):
            raise ValueProblem(f"{quoted(text, 60)}: expected octal digits")
        return Reading(str(int(text, 8)))
    if t == "enum":
        allowed = state.enum_values or ()
        low = text.lower()
        if low not in {a.lower() for a in allowed}:
            raise ValueProblem(f"{quoted(text, 60)}: expected one of {', '.join(allowed)}")
        return Reading(low)
    return Reading(text)


@lru_cache(maxsize=1 << 13)  # bounded low: per-node values must not grow a worker with the fleet
def check_value(text: str, state: OptionState, era: str) -> Optional[str]:
    """None when accepted, else the reason the server refuses it (cached: states are immutable and
    a fleet repeats the same values across files and releases)."""
    try:
        read_value(text, state, era)
    except ValueProblem as exc:
        return str(exc)
    return None
