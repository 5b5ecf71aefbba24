"""A kvrocks.conf embedded in another text (a here-document body, a template), planned as a conf.

The carrier hands over the embedded lines (their offsets in the file, a prefix each line
keeps, e.g. tabs or indentation) and says which lines are *templated*: decided when the
file is rendered or run. Templated lines are planned with a stand-in value (or left out when
the key itself is an expression) and never edited; every other changed line is spliced back
with its prefix, and all other bytes of the file keep their place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Optional

from ..confmodel import parse_line

if TYPE_CHECKING:  # pragma: no cover
    from ..findings import Finding
    from .context import Ctx
    from .engine import UnitOutcome

STRINGY = ("string", "multistring")


@dataclass
class Embedded:
    label: str  # "here-document at line 9 (<<EOF)", "template kvrocks.conf.j2"
    first_line: int  # the file's line number of lines[0]
    lines: list[tuple[int, str, str]]  # (offset in the file, raw line, eol)
    pads: list[str]  # the prefix of each raw line that is not part of the conf (tabs, indentation)
    # why a new line cannot be written into this text (None: it can)
    unwritable: Callable[[str], Optional[str]] = lambda t: None
    drop: set[int] = field(default_factory=set)  # lines that render to nothing a conf could read


def stand_in(ctx: Ctx, key: str, value: str, default: Optional[str] = None) -> str:
    """The value a check uses for one decided at render/run time: ``default`` when the
    expression names one, else the option's default for a typed option (value checks stay quiet)."""
    if default is not None:
        return default
    m = ctx.matrix
    st = next((s for s in (m.state(key, r.version) for r in reversed(m.releases)) if s), None)
    if st is not None and st.type not in STRINGY and st.default not in (None, ""):
        return st.default
    return value


def plan_embedded(ctx: Ctx, e: Embedded, expression: Callable[[str], bool],
                  default_of: Callable[[str], Optional[str]], when: str) -> UnitOutcome:
    """Plan the embedded conf. ``expression(s)``: s holds a template/shell expression;
    ``default_of(value)``: the default a whole-value expression names; ``when`` says when
    expressions are decided ("the script runs", "the template is rendered")."""
    from ..planner import plan as plan_conf
    from .engine import Splice, UnitOutcome, carrier_finding, map_back, refuse, rendered_unit

    conf_lines: list[str] = []
    templated: dict[int, str] = {}
    extra: list[Finding] = []
    for idx, (_, raw, _) in enumerate(e.lines):
        body = raw[len(e.pads[idx]):]
        line_no = e.first_line + idx
        if idx in e.drop:
            conf_lines.append("")
            continue
        if not expression(body):
            conf_lines.append(body)
            continue
        ln = parse_line(body, "", 2, "quoted")
        if ln.kind != "directive":
            conf_lines.append(body if ln.kind != "error" else "")
            continue
        if expression(ln.key):
            templated[idx] = f"its key is decided when {when}"
            extra.append(carrier_finding(
                "templated-key", ln.key, "info",
                f"{e.label}: the key {ln.key} is decided when {when}; the line is not checked.", line_no))
            conf_lines.append("")
            continue
        templated[idx] = f"the value {ln.value} is decided when {when}; change its source"
        shown = "" if ctx.matrix.is_secret(ln.key) else f" ({ln.value})"
        extra.append(carrier_finding(
            "templated-value", ln.key, "info",
            f"{e.label}: the value of {ln.key}{shown} is decided when {when}; only the key is checked.", line_no))
        conf_lines.append(f"{ln.key} {stand_in(ctx, ln.key, ln.value, default_of(ln.value))}")
    conf = "".join(t + "\n" for t in conf_lines)
    plan = plan_conf(conf, ctx.request, ctx.path)
    d = map_back(conf_lines, plan)
    by_line: dict[int, list[Finding]] = {}
    for f in plan.findings:
        idx = d.index(f)
        if f.applied and f.edit is not None and f.edit.lineno and idx is not None:
            by_line.setdefault(idx, []).append(f)
        f.line = e.first_line + idx if idx is not None else None
        if f.line is None:
            f.message = f"{e.label}: {f.message}"
    splices: list[Splice] = []
    realised: set[int] = set()
    for idx in sorted(set(d.changes) | set(d.unmapped)):
        off, raw, eol = e.lines[idx]
        why = d.unmapped.get(idx) or templated.get(idx) or next(
            (w for w in map(e.unwritable, d.changes[idx]) if w), None)
        if why:
            for f in by_line.get(idx, []):
                refuse(f, why)
            continue
        sep = eol or "\n"
        splices.append(Splice(off, off + len(raw), sep.join(e.pads[idx] + t for t in d.changes[idx])))
        realised.add(idx)
    added = False
    if d.appends:
        why = next((w for w in map(e.unwritable, d.appends) if w), None)
        last = max((i for i, (_, r, _) in enumerate(e.lines) if r.strip() and i not in e.drop), default=None)
        if why or last is None:
            for f in plan.findings:
                if f.applied and f.edit is not None and d.index(f) is None:
                    refuse(f, why or "the embedded conf is empty")
        else:
            off, raw, eol = e.lines[last]
            sep = eol or "\n"
            splices.append(Splice(off + len(raw), off + len(raw), "".join(sep + e.pads[last] + t for t in d.appends)))
            added = True
    if templated:  # a stand-in is not what the node will read: judging it would check our guess
        return UnitOutcome(plan, extra + plan.findings, splices,
                           unrendered=(e.label, f"some values are decided when {when}"))
    rendered = rendered_unit(e.label, conf_lines, [e.first_line + i for i in range(len(conf_lines))], d,
                             realised, added)
    return UnitOutcome(plan, extra + plan.findings, splices, rendered)
