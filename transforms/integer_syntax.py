"""H2, integer syntax across the integer eras (2.2.0, 2.3.0, 2.14.0).

Kvrocks read integers four ways (README section 4): a ``stoll`` prefix up to 2.1.0
(``64MB`` is 64, ``0x10`` is 0), the whole string in base 10 in 2.2.0, base 0 in
2.3.0-2.13.0 (``010`` is 8, ``0x10`` is 16, ``08`` is fatal) and base 10 via
``from_chars`` from 2.14.0 (``010`` is 10, ``0x10`` and ``+5`` are fatal).

At each hop that changes the era, an integer the old era read as N and the new era
reads differently (or refuses) is rewritten to N in plain decimal. Safe: every era reads
plain decimal the same way, so the server keeps the number it ran with (a unit suffix
the old release ignored stays ignored, which the finding says). On a rollback the same holds
the other way: 2.14.0 reads ``010`` as 10, a 2.13.0 started on that file as 8, so the line
becomes ``10``. ``octal``
(``unixsocketperm``) and ``int_with_unit`` (``proto-max-bulk-len``) have their own
syntax and are left alone; ``unixsocketperm 511`` gets a report-only note (H12).
"""

from __future__ import annotations

import re
from typing import Iterator, Optional

from upgrader.confmodel import Line, parse_line
from upgrader.findings import Finding
from upgrader.registry import Context, Transform, replace_value
from upgrader.values import INT_TYPES, ValueProblem, read_int

transform = Transform(
    __name__,
    kind="integer syntax",
    stage="hop",
    safety="safe",
    why="the new text is the number the old release read, in plain decimal, which every release reads the same way",
    title="Rewrite integers to the plain decimal the source release read",
    priority=30,
    directions=("forward", "backward"),
)

OCTAL_PRINT_FIX = (2, 3, 0)  # #1151: 2.1.0-2.2.0 printed unixsocketperm in decimal


def _cause(text: str, old_era: str, old: int) -> str:
    body = text.strip()
    m = re.match(r"^[+-]?\d+", body)
    if old_era == "prefix10" and m and m.group(0) != body:
        return f"read only the leading number ({old}) and ignored {body[m.end():]!r}"
    if body.startswith("+"):
        return f"read the leading '+' as a sign ({old})"
    if body.lower().lstrip("+-").startswith("0x"):
        return f"read it as hexadecimal ({old})"
    if re.fullmatch(r"[+-]?0\d+", body):
        base = "octal" if old_era == "base0" else "decimal"
        return f"read the leading zero as {base} ({old})"
    return f"read it as {old}"


def _unit_note(ctx: Context, key: str, text: str, old: int) -> str:
    m = re.match(r"^\s*[+-]?\d+\s*(\S.*)?$", text)
    if ctx.start_release.integers != "prefix10" or not m or not m.group(1):
        return ""
    st = ctx.state(key, ctx.end)
    unit = st.unit if st and st.unit else "the option's own unit"
    return (f" The suffix {m.group(1)!r} was never applied: the server has been running with {old}"
            f" ({unit}); change the number if you meant something else.")


def _hi_line(ctx: Context, ln: Line) -> Line:
    grammar = ctx.end_release.grammar
    return ln if grammar == ctx.doc.grammar else parse_line(ln.text, ln.eol, ln.lineno, grammar)  # type: ignore[arg-type]


def _new_reading(text: str, era: str) -> Optional[int]:
    try:
        return read_int(text, era)
    except ValueProblem:
        return None


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    yield from _socket_perm_note(ctx)
    # lo/hi here are the release the file comes from and the one it goes to (either direction).
    lo, hi = ctx.start_release, ctx.end_release
    if lo.integers == hi.integers:
        return
    for ln in ctx.doc.directives():
        key = ln.norm_key
        before, after = ctx.state(key, ctx.start), ctx.state(key, ctx.end)
        if before is None or after is None or before.type not in INT_TYPES or after.type not in INT_TYPES:
            continue
        try:
            old = read_int(ln.value, lo.integers)
        except ValueProblem:
            continue  # the old release refused it too: not an upgrade change
        new_ln = _hi_line(ctx, ln)
        if new_ln.kind != "directive" or new_ln.norm_key != key:
            continue  # the line itself reads differently: grammar_quotes' business
        new = _new_reading(new_ln.value, hi.integers)
        if new == old:
            continue
        shown = ctx.shown(key, ln.value)
        effect = "refuses it: the server would not start" if new is None else f"reads it as {new}"
        msg = (f"{key} {shown}: {lo.name} {_cause(ln.value, lo.integers, old)}; {hi.name} {effect}."
               f" Rewritten to {old}, the number the server used.{_unit_note(ctx, key, ln.value, old)}")
        yield transform.finding(
            key, "error" if new is None else "warning", msg, since=ctx.hi, line=ln,
            action="convert_value", new_lines=[replace_value(new_ln, str(old))],
            before=shown, after=ctx.shown(key, str(old)),
        )


def _socket_perm_note(ctx: Context) -> Iterator[Finding]:
    """H12: 2.1.0-2.2.0 rewrites printed 0777 as decimal 511, which reads back as octal 0511."""
    if ctx.backward or not ctx.crosses(OCTAL_PRINT_FIX):
        return
    for ln in ctx.doc.occurrences("unixsocketperm"):
        if ln.value.strip() == "511":
            yield transform.finding(
                "unixsocketperm", "warning",
                "unixsocketperm 511 is read as octal 0511 (r-x--x--x). 2.1.0-2.2.0 printed 0777 in decimal"
                " (511) on CONFIG REWRITE, so this line is most likely a rewritten 777: set 777 if the socket"
                " should stay open to everyone (fixed in 2.3.0, apache/kvrocks#1151).",
                since=OCTAL_PRINT_FIX, line=ln, references=["apache/kvrocks#1151"], before="511",
            )
