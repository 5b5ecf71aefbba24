"""H1, the config line grammar of 2.2.0: quotes, escapes and inline ``#`` comments (#849).

Up to 2.1.0 a value is the rest of the line, literally: ``requirepass ab#c`` is
``ab#c``, ``dir "x"`` keeps its quotes, backslashes are plain characters, and on a CRLF
line the ``\\r`` is part of the value. From 2.2.0 an unquoted ``#`` starts a comment
(``ab#c`` becomes ``ab``; ``#x`` leaves no value and the line is skipped, so no password),
quotes are syntax and escapes are interpreted.

Fix (safe): write the value quoted and escaped (``format_value``) so 2.2.0+ reads exactly
what the legacy release read. A CRLF ``\\r`` that the legacy release kept in a string value
is reported only: keeping it would preserve a character nobody meant to type.
Integers are left to ``integer_syntax``, which compares numbers, not text.
"""

from __future__ import annotations

from typing import Iterator, Optional

from upgrader.confmodel import Line, format_value, parse_line
from upgrader.findings import Finding
from upgrader.registry import Context, Transform, replace_value
from upgrader.values import INT_TYPES, check_value

transform = Transform(
    __name__,
    kind="config line grammar",
    stage="hop",
    safety="safe",
    why="the value is rewritten quoted and escaped so 2.2.0+ reads exactly what the legacy release read",
    title="Quote values that the 2.2.0 grammar would read differently",
    since=(2, 2, 0),
    priority=25,
)


def _why_differs(raw: str) -> str:
    if raw[:1] in "\"'":
        return "a leading quote is syntax (the quotes are no longer part of the value)"
    if "#" in raw:
        return "an unquoted '#' starts a comment"
    return "backslashes are escapes"


def _reading(q: Line) -> str:
    return q.value if q.kind == "directive" else ""


def _known(ctx: Context, key: str) -> Optional[str]:
    """The option's type at the hop's end, 'pattern' for namespace tokens, None if unknown."""
    st = ctx.state(key, ctx.hi)
    if st is not None:
        return st.type
    return "pattern" if ctx.matrix.pattern_for(key) else None


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    for ln in ctx.doc.directives():
        key = ln.norm_key
        kind = _known(ctx, key)
        if kind is None or kind in INT_TYPES:
            continue
        crlf = ln.eol == "\r\n" and ln.value.endswith("\r")
        legacy = ln.value[:-1].rstrip(" \t") if crlf else ln.value
        before = ctx.state(key, ctx.lo)
        if before is not None and check_value(legacy, before, ctx.lo_release.integers):
            continue  # the legacy release refused this value: nothing to preserve
        q = parse_line(ln.text, ln.eol, ln.lineno, "quoted")
        if q.key and q.norm_key != key:
            continue
        shown = ctx.shown(key, legacy)
        if q.quoted and format_value(q.value) == ln.raw_value:
            yield from _already_quoted(ctx, ln, q)
            continue
        if _reading(q) != legacy:
            new_text = replace_value(ln, format_value(legacy))
            check = parse_line(new_text, ln.eol, ln.lineno, "quoted")
            fixable = check.kind == "directive" and check.value == legacy
            now = _reading(q)
            effect = (f"reads {ctx.shown(key, now)!s}" if now else "reads no value and skips the line"
                      + (" (no password)" if ctx.matrix.is_secret(key) else f" ({key} falls back to its default)"))
            msg = (f"{key}: {ctx.lo_release.name} and older read the value literally as {shown}; from 2.2.0"
                   f" {_why_differs(ln.raw_value)}, so the line {effect}.")
            msg += " Rewritten quoted so 2.2.0+ reads the same value." if fixable else " Quote the value by hand."
            yield transform.finding(
                key, "error" if not now else "warning", msg, since=transform.since, line=ln,
                action="convert_value" if fixable else "manual",
                new_lines=[new_text] if fixable else None,
                references=["apache/kvrocks#849"], before=shown, after=shown if fixable else ctx.shown(key, now),
            )
        elif crlf and kind not in ("yesno", "enum"):
            yield transform.finding(
                key, "warning",
                f"{key} is on a CRLF line: {ctx.lo_release.name} and older kept the carriage return in the value"
                f" ({shown} followed by \\r); from 2.2.0 it is trimmed. Check that nothing (a path, a password"
                " a client sends) depended on the trailing \\r.",
                since=transform.since, line=ln, references=["apache/kvrocks#849"], before=shown, after=shown,
            )


def _already_quoted(ctx: Context, ln: Line, q: Line) -> Iterator[Finding]:
    """A value written exactly as this transform writes it: taken as meant for 2.2.0+ (so a
    second run changes nothing), with a note for the rare legacy file that meant the quotes."""
    key = ln.norm_key
    yield transform.finding(
        key, "info",
        f"{key} is quoted the 2.2.0 way; 2.2.0+ read {ctx.shown(key, q.value)}. A release up to 2.1.0 would read"
        " the quotes and escapes as part of the value: if this file really ran on one as it is, the old value"
        " included them.",
        since=transform.since, line=ln, references=["apache/kvrocks#849"],
    )
