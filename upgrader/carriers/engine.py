"""The carrier engine: occurrences -> synthetic kvrocks.conf -> conf planner -> carrier splices.

A carrier module extracts *units* (one per Kvrocks node the file configures: a Compose
service, a container, a dict, an operator resource). Each unit is a list of
``Occurrence``: a key/value the node reads, the line it sits on in the carrier, the
``key value`` line a real conf would hold for it, and an ``Editor`` that can rename,
set or remove it by splicing exact character spans of the carrier text. The unit's
synthetic conf goes through ``plan_text``; the difference between the synthetic text
before and after is mapped back to the occurrences (``map_back``: the one reading of a
synthetic plan, for the engine and for a carrier that plans a conf itself). Nothing is
re-serialised, so every byte outside the spans an edit touches stays identical by construction.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Optional, Protocol, Union

from ..confmodel import parse_line, split_lines
from ..findings import Action, Edit, Finding, Plan, RenderedUnit, Severity
from ..matrix import Matrix
from ..planner import plan as plan_conf
from ..registry import REGISTRY
from ..request import Request
from ..settings import MARKER
from ..versions import Release, format_version

FLAGS_SINCE = "2.2.0"  # command-line --key value flags exist from 2.2.0 (#1037)


@dataclass(frozen=True)
class Splice:
    """Replace ``text[start:end]`` of the carrier by ``new``."""

    start: int
    end: int
    new: str


Result = Union[list[Splice], str]  # splices, or the reason the carrier refuses the edit


class Editor(Protocol):
    def rename(self, new_key: str) -> Result: ...
    def set_value(self, new_value: str) -> Result: ...
    def remove(self, why: str) -> Result: ...


class ReadOnly:
    """An occurrence kvupgrade can read but must not edit (anchor, template, operator-generated...)."""

    def __init__(self, why: str) -> None:
        self.why = why

    def rename(self, new_key: str) -> Result:
        return self.why

    def set_value(self, new_value: str) -> Result:
        return self.why

    def remove(self, why: str) -> Result:
        return self.why


@dataclass
class Occurrence:
    key: str
    conf: str  # the kvrocks.conf line the consumer renders for it
    line: int  # 1-based line in the carrier file
    editor: Editor
    node: Any = None  # the YAML value node behind it, for carriers that have one


Appender = Callable[[str, str, str], Result]  # (key, value, note) -> splices that add the option


@dataclass
class Unit:
    label: str  # "service kvrocks-a", "kvrocks_config", ...
    occurrences: list[Occurrence] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # carrier findings (lines already in the carrier)
    secrets: list[str] = field(default_factory=list)
    source_hint: Optional[tuple[Release, str]] = None  # e.g. from an image tag
    source_line: Optional[int] = None  # the carrier line of that evidence (the image), for findings about it
    flags: bool = False  # argv: needs 2.2.0+, and options it leaves unset come from a conf not in view
    appender: Optional[Appender] = None
    plan_empty: bool = False  # plan even without occurrences (a dict that is the whole config)
    splices: list[Splice] = field(default_factory=list)  # carrier fixes (e.g. quoting a YAML 1.1 boolean)


def carrier_finding(rule: str, option: str, severity: Severity, message: str, line: Optional[int], *,
                    action: Action = "none", why: str = "", since: Optional[str] = None) -> Finding:
    return Finding(id=f"carrier/{rule}/{option}", rule=f"carrier/{rule}", option=option, severity=severity,
                   message=message, line=line, since=since, action=action, safety="display",
                   why=why or "report only: nothing in the file to change")


def refuse(f: Finding, why: str) -> None:
    """The conf planner would fix it, the carrier cannot: report it for a manual change."""
    f.applied = f.fixable = False
    f.action = "manual"
    f.why = f"not applied in this file: {why}"


# --- mapping the synthetic rewrite back ----------------------------------------------

@dataclass
class Rewrite:
    """How the conf planner's rewrite of a synthetic conf lands on that conf's lines (0-based)."""

    changes: dict[int, list[str]] = field(default_factory=dict)  # old index -> the lines replacing it
    appends: list[str] = field(default_factory=list)  # lines added after the last one
    unmapped: dict[int, str] = field(default_factory=dict)  # old index -> why its rewrite has no place
    new_to_old: dict[int, int] = field(default_factory=dict)
    size: int = 0  # lines of the synthetic conf

    def index(self, f: Finding) -> Optional[int]:
        """The synthetic line a finding is about: hop findings cite the text as read, window and
        target findings the rewritten text."""
        if f.line is None:
            return None
        idx = f.line - 1
        if _stage(f) in ("window", "target"):
            return self.new_to_old.get(idx)
        return idx if idx < self.size else None


def map_back(old: list[str], plan: Plan) -> Rewrite:
    """The one way a carrier reads a plan of its synthetic conf ``old`` (one line per entry):
    which of its lines change into what, which are added, and which cannot be placed."""
    return _delta(old, [t for t, _ in split_lines(plan.new_text)])


def _delta(old: list[str], new: list[str]) -> Rewrite:
    d = Rewrite(size=len(old))
    sm = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for k in range(i2 - i1):
                d.new_to_old[j1 + k] = i1 + k
                if op == "replace":
                    d.changes[i1 + k] = [new[j1 + k]]
        elif op == "insert":
            if i1 == len(old):
                d.appends.extend(new[j1:j2])
            elif i1 > 0:
                d.changes.setdefault(i1 - 1, [old[i1 - 1]]).extend(new[j1:j2])
            else:
                d.unmapped[0] = "the rewrite inserts lines before the first option"
        elif op == "delete" or i2 - i1 == 1:
            for k in range(i1, i2):
                d.changes[k] = new[j1:j2] if k == i1 else []
            for j in range(j1, j2):
                d.new_to_old[j] = i1
        else:
            for k in range(i1, i2):
                d.unmapped[k] = "the rewrite merges several lines into others"
    return d


def _why_of(marker_lines: list[str]) -> str:
    for t in marker_lines:
        body = t.strip()
        if body.startswith(MARKER) and "  -- " in body:
            return body.split("  -- ", 1)[1]
    return "removed by kvupgrade"


def _directive(text: str, grammar: str):  # type: ignore[no-untyped-def]
    ln = parse_line(text, "", 2, grammar)  # type: ignore[arg-type]
    return ln if ln.kind == "directive" else None


def _realise(occ: Occurrence, before: str, after: list[str], grammar: str, appender: Optional[Appender]) -> Result:
    """Turn one synthetic line's rewrite into carrier splices."""
    old = _directive(before, grammar)
    news = [ln for ln in (_directive(t, grammar) for t in after) if ln is not None]
    if not news:
        return occ.editor.remove(_why_of(after))
    first, extra = news[0], news[1:]
    out: list[Splice] = []
    if old is None or first.norm_key != old.norm_key:
        r = occ.editor.rename(first.key)
        if isinstance(r, str):
            return r
        out += r
    if old is None or first.value != old.value:
        r = occ.editor.set_value(first.value)
        if isinstance(r, str):
            return r
        out += r
    for ln in extra:
        if appender is None:
            return "this carrier cannot add options here"
        r = appender(ln.key, ln.value, "")
        if isinstance(r, str):
            return r
        out += r
    return out


# --- planning one unit -----------------------------------------------------------------

@dataclass
class UnitOutcome:
    plan: Plan
    findings: list[Finding]
    splices: list[Splice]
    rendered: Optional[RenderedUnit] = None  # what the node would receive (for the judge, the live check)
    unrendered: Optional[tuple[str, str]] = None  # (label, why) when it cannot be rendered


def rendered_unit(label: str, old: list[str], lines: list[Optional[int]], d: Rewrite, realised: set[int],
                  appended: bool, *, as_flags: bool = False) -> RenderedUnit:
    """The unit's synthetic conf ``old`` (carrier line of each in ``lines``) and the conf it becomes:
    only the rewrites that reach the carrier (``realised`` line indexes, the appends if ``appended``);
    a refused fix stays as it was, as it does in the file."""
    new: list[str] = []
    new_lines: list[Optional[int]] = []
    for idx, text in enumerate(old):
        got = d.changes[idx] if idx in realised and idx in d.changes else [text]
        new += got
        new_lines += [lines[idx]] * len(got)
    if appended:
        new += d.appends
        new_lines += [None] * len(d.appends)
    return RenderedUnit(label, "".join(t + "\n" for t in old), "".join(t + "\n" for t in new), tuple(lines),
                        tuple(new_lines), as_flags)


# What a carrier's ``units(ctx)`` yields: units for the engine to plan, or outcomes the carrier
# planned itself from its own synthetic conf (through ``map_back``: a ConfigMap's embedded file).
Piece = Union[Unit, UnitOutcome]


def _source(unit: Unit, synthetic: str, m: Matrix, target: Release,
            given: Optional[Release]) -> tuple[Release, Optional[dict]]:
    if given is not None:
        return given, None
    if unit.source_hint and unit.source_hint[0] < target:  # a tag already at the target was just bumped
        v, why = unit.source_hint
        return v, {"version": format_version(v), "candidates": [format_version(v)], "confidence": "high",
                   "reason": why}
    from ..detect import detect_source

    det = detect_source(synthetic, m, target)
    v = det.version
    if unit.flags:
        floor = m.resolve(FLAGS_SINCE)
        v = next((c for c in det.candidates if c >= floor), max(v, floor) if floor <= target else v)
    d = det.to_dict()
    d["version"] = format_version(v)
    return v, d


def tag_disagrees(hint: tuple[Release, str], synthetic: str, m: Matrix, target: Release,
                  label: str, line: Optional[int]) -> Optional[Finding]:
    """A finding when the settings do not fit the release the image tag names (None: they do,
    or they say nothing either way)."""
    from ..detect import detect_source

    version, why = hint
    if not synthetic.strip():
        return None
    det = detect_source(synthetic, m, max(target, version))
    if not det.candidates or version in det.candidates:
        return None
    fits = ", ".join(format_version(c) for c in det.candidates[:4]) + (" …" if len(det.candidates) > 4 else "")
    return carrier_finding(
        "image-tag-disagrees", "image", "warning",
        f"{label}: the {why} says Kvrocks {format_version(version)}, but the settings do not fit that release;"
        f" they fit {fits}. The plan starts from the tag; check which release really runs"
        " (or pass --from).", line)


def _carrier_lines(text: str, unit: Unit) -> str:
    """Messages that cite synthetic conf lines ("line 24") should cite the carrier's lines."""
    occ = unit.occurrences

    def sub(mt: "re.Match[str]") -> str:
        n = int(mt.group(2))
        return f"{mt.group(1)}{occ[n - 1].line}" if 0 < n <= len(occ) else mt.group(0)

    return re.sub(r"(\bline #?L?)(\d+)\b", sub, text)


def _stage(f: Finding) -> str:
    t = REGISTRY.get(f.rule)
    return t.stage if t else "hop"


def _one_line(unit: Unit) -> tuple[Unit, Optional[str]]:
    """The unit without the occurrences whose ``key value`` cannot be one conf line (a YAML
    ``"a\\nb"``, a list item with a line break), each reported, and why the unit must then be
    left untouched: the synthetic conf would gain a line and every later finding, and edit,
    would land on the wrong entry."""
    broken = [o for o in unit.occurrences if "\n" in o.conf or "\r" in o.conf]
    if not broken:
        return unit, None
    found = [carrier_finding(
        "multiline-value", o.key, "error",
        f"{unit.label}: the value of {o.key} holds a line break, and a kvrocks.conf line cannot: the rendered"
        " file would end the value there and read the rest as another line. Nothing in this unit is changed;"
        " fix the value by hand.", o.line) for o in broken]
    kept = [o for o in unit.occurrences if all(o is not b for b in broken)]
    return replace(unit, occurrences=kept, findings=unit.findings + found, splices=[]), \
        f"a value in {unit.label} cannot be one kvrocks.conf line (line {broken[0].line})"


def plan_unit(unit: Unit, request: Request, path: Optional[str]) -> Optional[UnitOutcome]:
    unit, frozen = _one_line(unit)
    if not unit.occurrences and not unit.plan_empty:
        return UnitOutcome(plan_conf("", request.with_source(request.target), path),
                           unit.findings, [], unrendered=(unit.label, frozen)) if frozen else None
    m = request.matrix
    target = request.target
    old = [o.conf for o in unit.occurrences]
    synthetic = "".join(t + "\n" for t in old)
    source, detected = _source(unit, synthetic, m, target, request.source)
    floor = m.resolve(FLAGS_SINCE)
    early: list[Finding] = []
    if unit.source_hint is not None and unit.source_hint[0] <= target:
        bad = tag_disagrees(unit.source_hint, synthetic, m, target, unit.label,
                            unit.source_line or (unit.occurrences[0].line if unit.occurrences else None))
        early += [bad] if bad else []
    if unit.flags and source < floor <= target:
        # <=2.1.0 prints usage and exits on any flag but -c/-h/-v: nothing to carry over from there
        early.append(carrier_finding(
            "flags-need-2.2.0", "argv", "error",
            f"{unit.label}: command-line --key value flags need Kvrocks 2.2.0 or later; {format_version(source)}"
            " prints its usage and exits without starting. The flags are checked from 2.2.0 on.",
            unit.occurrences[0].line if unit.occurrences else None, since=FLAGS_SINCE))
        source = floor
    plan = plan_conf(synthetic, request.with_source(source), path)
    plan.from_detected = detected
    if detected and "reason" in detected:
        detected["reason"] = _carrier_lines(detected["reason"], unit)
    grammar = m.release(target).grammar
    d = map_back(old, plan)
    findings: list[Finding] = []
    by_occ: dict[int, list[Finding]] = {}
    appended: list[Finding] = []
    for f in plan.findings:
        if unit.flags and f.line is None:
            continue  # flags override a conf file not in view: what they leave unset is that file's business
        idx = d.index(f)
        if f.edit is not None and f.applied:
            if f.edit.lineno == 0:
                appended.append(f)
            elif idx is not None:
                by_occ.setdefault(idx, []).append(f)
        f.line = unit.occurrences[idx].line if idx is not None else None
        f.message = _carrier_lines(f.message, unit)
        if len(unit.label) and f.line is None:
            f.message = f"{unit.label}: {f.message}"
        findings.append(f)

    splices: list[Splice] = []
    realised: set[int] = set()
    for idx in sorted(set(d.changes) | set(d.unmapped)):
        occ = unit.occurrences[idx]
        res: Result = d.unmapped[idx] if idx in d.unmapped else _realise(occ, old[idx], d.changes[idx], grammar,
                                                                             unit.appender)
        if isinstance(res, str):
            for f in by_occ.get(idx, []):
                refuse(f, res)
        else:
            splices += res
            realised.add(idx)
    added = False
    if d.appends:
        res = _appends(unit, d.appends, grammar)
        if isinstance(res, str) or unit.flags:
            for f in appended:
                refuse(f, res if isinstance(res, str) else "flags carry what differs from the conf file;"
                       " set the default there")
        else:
            splices += res
            added = True
    lines: list[Optional[int]] = [o.line for o in unit.occurrences]
    if frozen:
        for f in findings:
            if f.applied:
                refuse(f, frozen)
        return UnitOutcome(plan, early + findings + unit.findings, [], unrendered=(unit.label, frozen))
    return UnitOutcome(plan, early + findings + unit.findings, splices + unit.splices,
                       rendered_unit(unit.label, old, lines, d, realised, added, as_flags=unit.flags))


def _appends(unit: Unit, lines: list[str], grammar: str) -> Result:
    if unit.appender is None:
        return "this carrier cannot add options"
    out: list[Splice] = []
    note = ""
    for t in lines:
        if t.strip().startswith(MARKER):
            note = t.strip()[len(MARKER):].strip()
            continue
        ln = _directive(t, grammar)
        if ln is None:
            continue
        r = unit.appender(ln.key, ln.value, note)
        if isinstance(r, str):
            return r
        out += r
        note = ""
    return out


# --- the whole file ----------------------------------------------------------------------

def apply_splices(text: str, splices: list[Splice]) -> tuple[str, list[Splice]]:
    """Apply non-overlapping splices back to front; returns the text and the splices dropped."""
    ordered = sorted(set(splices), key=lambda s: (s.start, s.end))
    kept: list[Splice] = []
    dropped: list[Splice] = []
    for s in ordered:
        if kept and s.start < kept[-1].end:
            dropped.append(s)
        else:
            kept.append(s)
    for s in reversed(kept):
        text = text[: s.start] + s.new + text[s.end:]
    return text, dropped


def line_edits(old: str, new: str, rule: str, splices: Optional[list[Splice]] = None) -> list[Edit]:
    """The carrier change as line edits (what ``Plan.edits`` promises consumers).

    With the ``splices`` that made ``new`` from ``old``, only the lines around each splice are
    diffed: the two texts are equal elsewhere, and difflib on a whole file of repeated lines (an
    11 MB block scalar) is quadratic (issue 16)."""
    if old == new:
        return []  # difflib on two equal files of repeated lines is quadratic too
    a = [t for t, _ in split_lines(old)]
    b = [t for t, _ in split_lines(new)]
    if not splices or not a:
        return _edits(a, b, [(0, len(a), 0, len(b))], rule)
    windows: list[list[int]] = []  # [a0, a1, line delta before, line delta of the window]
    nl = pos = 0
    shift = 0
    for sp in sorted(splices, key=lambda x: x.start):
        nl += old.count("\n", pos, sp.start)
        inner = old.count("\n", sp.start, sp.end)
        a0 = min(nl, len(a) - 1)
        a1 = min(nl + inner, len(a) - 1)
        nl += inner
        pos = sp.end
        d = sp.new.count("\n") - inner
        if windows and a0 <= windows[-1][1] + 1:
            windows[-1][1] = max(windows[-1][1], a1)
            windows[-1][3] += d
        else:
            windows.append([a0, a1, shift, d])
        shift += d
    return _edits(a, b, [(a0, a1 + 1, a0 + s0, a1 + 1 + s0 + d) for a0, a1, s0, d in windows], rule)


def _edits(a: list[str], b: list[str], windows: list[tuple[int, int, int, int]], rule: str) -> list[Edit]:
    """Line edits from difflib's opcodes over each (a0, a1, b0, b1) window of the two line lists."""
    edits: list[Edit] = []
    for wa0, wa1, wb0, wb1 in windows:
        sm = difflib.SequenceMatcher(None, a[wa0:wa1], b[wb0:wb1], autojunk=False)
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op == "equal":
                continue
            i1, i2, j1, j2 = i1 + wa0, i2 + wa0, j1 + wb0, j2 + wb0
            if op == "insert":
                anchor = max(i1, 1)
                keep = [a[anchor - 1]] if i1 > 0 else []
                edits.append(Edit(anchor if a else 0, keep + b[j1:j2] if i1 > 0 else b[j1:j2] + a[:1], rule))
                continue
            for k in range(i1, i2):
                edits.append(Edit(k + 1, b[j1:j2] if k == i1 else [], rule))
    return edits


def assemble(text: str, kind: str, units: list[Unit], request: Request, path: Optional[str], *,
             findings: Optional[list[Finding]] = None, secrets: Optional[list[str]] = None,
             planned: Optional[list[UnitOutcome]] = None,
             validate: Optional[Callable[[str], Optional[str]]] = None) -> Plan:
    """Plan every unit and splice the results into one Plan for the whole carrier file.

    ``planned`` are outcomes a carrier computed itself (a ConfigMap's embedded conf)."""
    m = request.matrix
    outs = [o for o in (plan_unit(u, request, path) for u in units)
            if o is not None] + list(planned or [])
    all_findings = list(findings or [])
    from ..secretscan import scan

    all_secrets = set(secrets or []) | scan(m, text)  # what no carrier parsed (a Helm password:, --k=v)
    splices: list[Splice] = []
    for u in units:
        all_secrets.update(u.secrets)
        if not u.occurrences and not u.plan_empty:
            all_findings += u.findings  # nothing to plan, but what the carrier saw still counts
    for o in outs:
        all_findings += o.findings
        all_secrets.update(o.plan.secrets)
        splices += o.splices
    seen = {(f.option, f.line) for f in all_findings if not f.rule.startswith("carrier/")}
    # the conf planner's own finding on the same option and line says it better
    all_findings = [f for f in all_findings if f.rule != "carrier/rendered-value" or (f.option, f.line) not in seen]
    new_text, dropped = apply_splices(text, splices)
    if dropped:
        new_text, splices = text, []
        for f in all_findings:
            if f.applied:
                refuse(f, "two fixes touch the same bytes; apply them by hand")
    if new_text != text and validate is not None:
        problem = validate(new_text)
        if problem:
            new_text = text
            for f in all_findings:
                if f.applied:
                    refuse(f, f"the rewritten file would not parse ({problem})")
    rendered = [o.rendered for o in outs if o.rendered is not None]
    if new_text == text:  # nothing is written (no change, or every fix refused): each node keeps what it had
        rendered = [replace(r, new_conf=r.old_conf, new_lines=r.old_lines) for r in rendered]
    target = request.target
    if outs:
        base = min(outs, key=lambda o: m.resolve(o.plan.from_version)).plan
        from_v, hops, detected = base.from_version, base.hops, base.from_detected
    else:
        src = target if request.source is None else request.source
        from_v, hops, detected = format_version(src), [h.name for h in m.hops(src, target)], None
    order = {"error": 0, "warning": 1, "info": 2}
    all_findings.sort(key=lambda f: (order[f.severity], f.line or 10**9, f.id))
    return Plan(
        path=path, from_version=from_v, to_version=format_version(target), hops=hops, findings=all_findings,
        old_text=text, new_text=new_text, data_version=m.data_version, from_detected=detected, kind=kind,
        edits=line_edits(text, new_text, kind, splices if new_text != text else []),
        secrets=sorted((s for s in all_secrets if s), key=len, reverse=True),
        units=rendered, unrendered=[o.unrendered for o in outs if o.unrendered is not None],
    )
