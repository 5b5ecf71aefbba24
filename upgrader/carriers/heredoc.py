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
    from ..findings import Finding
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


def _templated_value(ctx: Ctx, key: str, value: str) -> str:
    """What a check can use for a value the shell expands (key-level checks still fire)."""
    whole = _DEFAULTED.match(value)
    if whole:
        return whole.group(1)
    m = ctx.matrix
    st = next((s for s in (m.state(key, r.version) for r in reversed(m.releases)) if s), None)
    if st is not None and st.type not in ("string", "multistring") and st.default not in (None, ""):
        return st.default
    return value


def plan_heredoc(ctx: Ctx, doc: Heredoc) -> UnitOutcome:
    """The body planned as a kvrocks.conf; changed literal lines spliced back, templated ones refused."""
    from ..planner import plan_text
    from .engine import Splice, UnitOutcome, carrier_finding, map_back, refuse

    label = f"here-document at line {doc.line} (<<{'-' if doc.tabs else ''}{doc.delimiter})"
    conf_lines: list[str] = []
    pads: list[str] = []
    templated: dict[int, str] = {}
    extra: list[Finding] = []
    for idx, (_, raw, _) in enumerate(doc.body):
        body = raw.lstrip("\t") if doc.tabs else raw
        pads.append(raw[:len(raw) - len(body)])
        if doc.quoted or not _EXPANSION.search(body):
            conf_lines.append(body)
            continue
        ln = parse_line(body, "", 2, "quoted")
        line_no = doc.line + 1 + idx
        if ln.kind != "directive":
            conf_lines.append(body)
            continue
        if _EXPANSION.search(ln.key):
            templated[idx] = "its key is expanded by the shell when the script runs"
            extra.append(carrier_finding(
                "templated-key", ln.key, "info",
                f"{label}: the key {ln.key} is expanded when the script runs; the line is not checked.", line_no))
            conf_lines.append("")
            continue
        templated[idx] = f"the value {ln.value} is expanded by the shell when the script runs; change its source"
        if ctx.matrix.is_secret(ln.key):
            extra.append(carrier_finding(
                "templated-value", ln.key, "info",
                f"{label}: the value of {ln.key} is decided when the script runs; only the key is checked.",
                line_no))
        else:
            extra.append(carrier_finding(
                "templated-value", ln.key, "info",
                f"{label}: the value of {ln.key} ({ln.value}) is decided when the script runs; only the key is"
                " checked.", line_no))
        conf_lines.append(f"{ln.key} {_templated_value(ctx, ln.key, ln.value)}")
    conf = "".join(t + "\n" for t in conf_lines)
    plan = plan_text(conf, to=ctx.target, from_=ctx.from_, path=ctx.path, matrix=ctx.matrix, settings=ctx.settings)
    d = map_back(conf_lines, plan)
    first = doc.line + 1
    by_line: dict[int, list[Finding]] = {}
    for f in plan.findings:
        idx = d.index(f)
        if f.applied and f.edit is not None and f.edit.lineno and idx is not None:
            by_line.setdefault(idx, []).append(f)
        f.line = first + idx if idx is not None else None
        if f.line is None:
            f.message = f"{label}: {f.message}"
    splices: list[Splice] = []
    for idx in sorted(set(d.changes) | set(d.unmapped)):
        off, raw, eol = doc.body[idx]
        why = d.unmapped.get(idx) or templated.get(idx) or _unwritable(doc, d.changes[idx])
        if why:
            for f in by_line.get(idx, []):
                refuse(f, why)
            continue
        sep = eol or "\n"
        splices.append(Splice(off, off + len(raw), sep.join(pads[idx] + t for t in d.changes[idx])))
    if d.appends:
        why = _unwritable(doc, d.appends)
        last = max((i for i, (_, r, _) in enumerate(doc.body) if r.strip()), default=None)
        if why or last is None:
            for f in plan.findings:
                if f.applied and f.edit is not None and d.index(f) is None:
                    refuse(f, why or "the here-document is empty")
        else:
            off, raw, eol = doc.body[last]
            sep = eol or "\n"
            splices.append(Splice(off + len(raw), off + len(raw), "".join(sep + pads[last] + t for t in d.appends)))
    return UnitOutcome(plan, extra + plan.findings, splices)


def _unwritable(doc: Heredoc, lines: list[str]) -> Optional[str]:
    """Why these new lines cannot go into the body as written (None: they can)."""
    for t in lines:
        if (t.lstrip("\t") if doc.tabs else t) == doc.delimiter:
            return f"a new line would read as the delimiter {doc.delimiter}"
        if not doc.quoted and (_EXPANSION.search(t) or "\\" in t):
            return "the new line holds '$', '`' or '\\', which the shell would expand in this here-document"
    return None


def conf_heredocs(ctx: Ctx) -> tuple[list[UnitOutcome], list[tuple[int, int]]]:
    """Outcomes of every here-document writing a kvrocks.conf, and the spans of all here-document
    bodies (the flags reader skips them: their lines are data, not commands)."""
    docs = heredocs(ctx.text)
    spans = [(d.body[0][0] if d.body else d.end, d.end) for d in docs]
    return [plan_heredoc(ctx, d) for d in docs if writes_conf(d, ctx)], spans
