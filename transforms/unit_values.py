"""Units and ranges seen in the wild (issue 12 item 9), with the release's real reading.

Integer options take a plain number in the option's own unit (``rocksdb.write_buffer_size`` is in
MB). Files copied from Redis habits write ``64MB``, or a byte count where Kvrocks wants MB. What a
release makes of that depends on its integer era (upgrader/values.py):

* up to 2.1.0 the leading number is read and the suffix ignored: ``4GB`` is 4 (MB);
* from 2.2.0 on the line is refused and the server does not start. Checked on the real 2.13.0 and
  2.14.0 binaries: ``failed to set value of field 'rocksdb.write_buffer_size': encounter
  non-integer characters``; a number past the option's maximum but within its C++ type says ``out
  of numeric range``, one past the type (``rocksdb.block_cache_size 4294967296``, an ``int``) says
  ``out of range of integer type``.

The fix writes the size the operator wrote, in the option's unit, when that is a whole number in
range. Safe when the suffix is the option's own unit (``64MB`` -> ``64``): every release that starts
on the line reads 64. Unsafe otherwise (``4GB`` -> ``4096``, a byte count -> MB): a release up to
2.1.0 ran with another number, and the conversion assumes what the operator meant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Optional

from upgrader.confmodel import Line
from upgrader.findings import Finding
from upgrader.matrix import OptionState
from upgrader.registry import Context, Transform, replace_value
from upgrader.quoting import cut
from upgrader.values import INT_TYPES, MAX_INT_DIGITS, check_value

transform = Transform(
    __name__,
    kind="unit or range in the wild",
    stage="target",
    safety="unsafe",
    why="the new number assumes what the operator meant by the suffix or the byte count",
    title="Say how the target reads sizes with units and values past their maximum, and convert them",
    priority=77,
    directions=("forward", "backward"),
)

SIZE = re.compile(r"^\s*(\d+)\s*([kmgtp])(i?b)?\s*$|^\s*(\d+)\s*(b)\s*$", re.IGNORECASE)
POWER = {"b": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5}
UNIT_BYTES = {"bytes": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}
TYPE_MAX = {"int": (1 << 31) - 1, "uint32": (1 << 32) - 1, "int64": (1 << 63) - 1, "uint64": (1 << 64) - 1}


@dataclass(frozen=True)
class Reading:
    severity: str
    says: str  # what the release does with the line
    meant: str  # what the operator most likely meant
    fix: Optional[int]  # the number to write, when there is one
    safe: bool


def _refusal(key: str, n: Optional[int], st: OptionState) -> str:
    """The real server's words for a refused integer (checked on 2.13.0 and 2.14.0)."""
    if n is None:
        why = "encounter non-integer characters"
    elif n > TYPE_MAX.get(st.type, n):
        why = "out of range of integer type"
    else:
        why = "out of numeric range"
    return f"the server will not start (failed to set value of field '{key}': {why})"


def _digits(text: str) -> int:
    mt = re.match(r"\s*[+-]?0*(\d*)", text)
    return len(mt.group(1)) if mt else 0


def assess(key: str, text: str, st: OptionState, era: str, release: str) -> Optional[Reading]:
    """How ``release`` reads a size with a unit suffix or a number past the maximum; None otherwise."""
    if st.type not in INT_TYPES:
        return None
    unit = st.unit or ""
    per = UNIT_BYTES.get(unit)
    refused = check_value(text, st, era) is not None
    if len(text) > MAX_INT_DIGITS and _digits(text) > MAX_INT_DIGITS:
        # Thousands of digits: out of range whatever they are, and never converted (values.py).
        return Reading("error", f"{release} refuses it: {_refusal(key, TYPE_MAX['uint64'] + 1, st)}",
                       "choose a value in range", None, False) if refused else None
    mt = SIZE.match(text)
    if mt:
        num, letter, tail = (mt.group(1), mt.group(2), mt.group(3)) if mt.group(1) else (mt.group(4), "b", "")
        n = int(num)
        suffix = text.strip()[len(num):].strip()
        size = n * (1 << (10 * POWER[letter.lower()]))
        same = per is not None and size == n * per
        says = (f"{release} reads only the leading {n} ({unit or 'the option’s unit'}) and ignores {suffix!r}"
                if not refused else f"{release} refuses it: {_refusal(key, None, st)}")
        fix = size // per if per and size % per == 0 else None
        if fix is not None and st.max is not None and not (st.min or 0) <= fix <= st.max:
            fix = None
        meant = (f"{key} takes a plain number of {unit}: {n}{suffix} is {fix}" if fix is not None else
                 f"{key} takes a plain number of {unit}, and {n}{suffix} is no whole number of it in range"
                 if per else f"{key} takes a plain number{f' of {unit}' if unit else ''}, with no unit suffix")
        if not refused and same:
            return Reading("info", says, meant, fix, True)
        return Reading("error" if refused else "warning", says, meant, fix, same)
    if not refused or not re.fullmatch(r"\s*\d+\s*", text) or st.max is None:
        return None
    n = int(text)
    if n <= st.max:
        return None
    says = f"{release} refuses it: {_refusal(key, n, st)}; the maximum is {st.max}{f' {unit}' if unit else ''}"
    if per and per > 1 and n % per == 0 and (st.min or 0) <= n // per <= st.max:
        return Reading("error", says, f"it looks like a size in bytes: {n} bytes is {n // per} {unit}",
                       n // per, False)
    return Reading("error", says, "choose a value in range", None, False)


def _reading(ctx: Context, ln: Line) -> Optional[Reading]:
    if ln.kind != "directive" or ctx.matrix.is_secret(ln.norm_key):
        return None
    st = ctx.state(ln.norm_key, ctx.target)
    if st is None:
        return None
    tgt = ctx.matrix.release(ctx.target)
    return assess(ln.norm_key, ln.value, st, tgt.integers, tgt.name)


def handles(ctx: Context, ln: Line) -> bool:
    """Whether this transform owns the line (target_check's refusal error then stands aside)."""
    s = ctx.settings
    if (s.select and transform.name not in s.select) or transform.name in s.ignore:
        return False
    return _reading(ctx, ln) is not None


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    for ln in ctx.doc.directives():
        r = _reading(ctx, ln)
        if r is None:
            continue
        key = ln.norm_key
        fix = None if r.fix is None else [replace_value(ln, str(r.fix))]
        yield transform.finding(
            key, r.severity, f"{key} {cut(ln.value)}: {r.says}; {r.meant}.",
            line=ln, action="convert_value" if fix else "manual", new_lines=fix, before=cut(ln.value),
            after=str(r.fix) if r.fix is not None else None,
            safety="safe" if r.safe else None,
            why=("the suffix is the option's own unit: every release that starts on the line reads this number"
                 if r.safe else None) if fix else "which value is right depends on intent",
        )
