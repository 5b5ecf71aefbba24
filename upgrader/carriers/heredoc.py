"""A kvrocks.conf written by a shell script with a here-document.

``cat > "$DIR/kvrocks.conf" <<EOF`` … ``EOF`` (also ``<<'EOF'``, ``<<"EOF"``, ``<<\\EOF``
and ``<<-EOF``, which strips leading tabs): the body is the conf file the script writes.
It is planned with the conf planner, and each changed line is spliced back with its
leading tabs; every other byte keeps its place.

With an unquoted delimiter the shell expands ``$VAR``, ``${VAR:-x}``, ``$(cmd)`` and
backquotes in the body, so such a line is *templated*: planned with the value the shell
would most likely give (``x`` for a whole-value ``${VAR:-x}``, else the option's default
for a typed option) and never edited. A quoted delimiter writes the body verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from ..confmodel import parse_line, split_lines

if TYPE_CHECKING:  # pragma: no cover
    from .context import Ctx
    from .engine import UnitOutcome

# the redirection: << or <<-, then the delimiter word, bare or quoted ('EOF', "EOF", \EOF)
_OPEN = re.compile(r"<<(-?)[ \t]*(?:'([^'\n]+)'|\"([^\"\n]+)\"|\\?([A-Za-z_][\w-]*))")
_EXPANSION = re.compile(r"\$[{(A-Za-z_0-9@*#?!$-]|`")
_DEFAULTED = re.compile(r"^\$\{[A-Za-z_]\w*:?[-=]([^}$`]*)\}$")  # ${VAR:-x}, ${VAR-x}, ${VAR:=x}


@dataclass
class Heredoc:
    line: int  # 1-based line of the command holding <<
    command: str  # that line's text
    delimiter: str
    quoted: bool  # the shell writes the body verbatim
    tabs: bool  # <<- : leading tabs are stripped from body lines
    body: list[tuple[int, str, str]]  # (offset, raw line, eol) between the command and the delimiter
    end: int  # offset just past the delimiter line (or the text end when it is missing)


def heredocs(text: str) -> list[Heredoc]:
    """Every here-document of a script, in order (one per ``<<`` outside comments)."""
    lines = list(split_lines(text))
    offsets, off = [], 0
    for raw, eol in lines:
        offsets.append(off)
        off += len(raw) + len(eol)
    out: list[Heredoc] = []
    i = 0
    while i < len(lines):
        raw = lines[i][0]
        code = raw.split(" #", 1)[0] if not raw.lstrip().startswith("#") else ""
        pending = [m for m in _OPEN.finditer(code) if not code[:m.start()].rstrip().endswith("<")]
        j = i + 1
        for m in pending:  # several here-documents on one line are read one after the other
            delim = m.group(2) or m.group(3) or m.group(4)
            quoted = m.group(4) is None or code[m.start():m.end()].lstrip("<-").lstrip().startswith("\\")
            tabs = m.group(1) == "-"
            body = []
            while j < len(lines):
                b, eol = lines[j]
                if (b.lstrip("\t") if tabs else b) == delim:
                    break
                body.append((offsets[j], b, eol))
                j += 1
            end = offsets[j] + len(lines[j][0]) + len(lines[j][1]) if j < len(lines) else len(text)
            out.append(Heredoc(i + 1, raw, delim, quoted, tabs, body, end))
            j += 1
        i = j if pending else i + 1
    return out


def writes_conf(doc: Heredoc, ctx: Ctx) -> bool:
    """The here-document writes a kvrocks.conf: its body's directives are Kvrocks options (at
    least one when the command names a ``.conf``/``conf`` file or kvrocks, else two and most)."""
    known = ctx.matrix.options
    keys = []
    for _, raw, _ in doc.body:
        ln = parse_line(raw.lstrip("\t"), "", 2, "quoted")
        if ln.kind == "directive":
            keys.append(ln.key.lower() in known or ln.key.lower().startswith("rocksdb."))
    hits = sum(keys)
    named = "conf" in doc.command.lower() or "kvrocks" in doc.command.lower()
    return hits >= 1 if named else (hits >= 2 and 2 * hits > len(keys))


def _default(value: str) -> Optional[str]:
    whole = _DEFAULTED.match(value)
    return whole.group(1) if whole else None


def plan_heredoc(ctx: Ctx, doc: Heredoc) -> UnitOutcome:
    """The body planned as a kvrocks.conf; changed literal lines spliced back, templated ones refused."""
    from .embedded import Embedded, plan_embedded

    def unwritable(t: str) -> Optional[str]:
        if (t.lstrip("\t") if doc.tabs else t) == doc.delimiter:
            return f"a new line would read as the delimiter {doc.delimiter}"
        if not doc.quoted and (_EXPANSION.search(t) or "\\" in t):
            return "the new line holds '$', '`' or '\\', which the shell would expand in this here-document"
        return None

    pads = [raw[:len(raw) - len(raw.lstrip("\t"))] if doc.tabs else "" for _, raw, _ in doc.body]
    e = Embedded(f"here-document at line {doc.line} (<<{'-' if doc.tabs else ''}{doc.delimiter})", doc.line + 1,
                 doc.body, pads, unwritable)
    expression = (lambda s: False) if doc.quoted else (lambda s: bool(_EXPANSION.search(s)))
    return plan_embedded(ctx, e, expression, _default, "the script runs")


def conf_heredocs(ctx: Ctx) -> tuple[list[UnitOutcome], list[tuple[int, int]]]:
    """Outcomes of every here-document writing a kvrocks.conf, and the spans of all here-document
    bodies (the flags reader skips them: their lines are data, not commands)."""
    docs = heredocs(ctx.text)
    spans = [(d.body[0][0] if d.body else d.end, d.end) for d in docs]
    return [plan_heredoc(ctx, d) for d in docs if writes_conf(d, ctx)], spans
