"""Plan an upgrade: (text, from, to) -> Plan. Pure: no I/O, no printing.

The planner walks every release in the window in order. At each hop it runs the
hop-stage transforms on the document as it stands, applies the edits it accepts
(back to front) and re-parses the result with that release's grammar. After the last
hop it runs the window stage (net default drift over the whole window) and the target
stage (is every active key and value valid for the target?).

A rollback (``from`` newer than ``to``: the old binary started on the new release's file) walks
the same releases newest first. Each step's Context keeps the window ordered (lo < hi) and says
``direction="backward"``; only transforms that declare the backward direction run on it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional, Union

from .confmodel import Document, parse_line
from .findings import Edit, Finding, Plan
from .impact import annotate
from .limits import MAX_FINDINGS_PER_KEY, check_key_lines, check_line_count
from .matrix import Matrix, ReleaseInfo
from .registry import Context, Direction, Transform, load_transforms
from .request import Request
from .settings import Settings
from .versions import Release, VersionError, format_version


class PlanError(ValueError):
    """The request cannot be planned."""


def apply_edits(doc: Document, edits: list[Edit]) -> str:
    """Apply line edits back to front; untouched lines keep their exact bytes."""
    raw = doc.raw_lines()
    lines = [t + e for t, e in raw]
    eol = doc.dominant_eol
    appends = [e for e in edits if e.lineno == 0]
    for e in sorted((e for e in edits if e.lineno > 0), key=lambda e: e.lineno, reverse=True):
        term = raw[e.lineno - 1][1]
        # Inner lines of a multi-line replacement use the file's newline style.
        new = [t + eol for t in e.new_lines[:-1]] + [e.new_lines[-1] + term] if e.new_lines else []
        lines[e.lineno - 1 : e.lineno] = new
    if appends:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += eol
        for e in appends:
            lines.extend(t + eol for t in e.new_lines)
    return "".join(lines)


def edited(doc: Document, edits: list[Edit], grammar: str) -> Document:
    """The document after ``edits``, re-parsing only the lines they replaced.

    Hop edits replace one line by one line, so line numbers and untouched Line objects can be
    reused; anything else (appends, multi-line replacements, a grammar switch) re-parses all.
    """
    if grammar != doc.grammar or any(e.lineno == 0 or len(e.new_lines) != 1 for e in edits):
        return Document.parse(apply_edits(doc, edits), grammar)  # type: ignore[arg-type]
    return doc.replaced({e.lineno: e.new_lines[0] for e in edits})


def _selected(t: Transform, settings: Settings) -> bool:
    if settings.select and t.name not in settings.select:
        return False
    return t.name not in settings.ignore


def _accept(findings: list[Finding], settings: Settings, taken: dict[int, str]) -> list[Edit]:
    """Decide which fixes apply: safe ones, unsafe ones only with --unsafe-fixes, one per line."""
    edits: list[Edit] = []
    for f in findings:
        if f.edit is None:
            continue
        if f.safety == "unsafe" and not settings.unsafe_fixes:
            f.fixable = False
            f.why = f"needs review, not applied without --unsafe-fixes: {f.why}"
            continue
        if f.edit.lineno and f.edit.lineno in taken:
            f.fixable = False
            f.why = f"not applied: line {f.edit.lineno} is already changed by {taken[f.edit.lineno]}"
            continue
        if f.edit.lineno:
            taken[f.edit.lineno] = f.id
        f.fixable = f.applied = True
        edits.append(f.edit)
    return edits


def _run(stage: str, transforms: list[Transform], ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for t in transforms:
        if t.stage == stage:
            out.extend(t.run(ctx))
    return _drop_superseded(out)


def _drop_superseded(found: list[Finding]) -> list[Finding]:
    """A bespoke transform that offers a fix for a line supersedes a generic report-only
    finding on the same option, line and release (e.g. value_domain's range error)."""
    fixed = {(f.option, f.line, f.since, f.rule) for f in found if f.edit is not None and f.line}
    return [f for f in found if f.edit is not None or not any(
        (f.option, f.line, f.since) == k[:3] and k[3] != f.rule for k in fixed)]


def plan_text(
    text: str,
    *,
    to: Union[str, Release],
    from_: Union[str, Release, None] = None,
    path: Optional[str] = None,
    matrix: Optional[Matrix] = None,
    settings: Optional[Settings] = None,
) -> Plan:
    """Plan the upgrade of one kvrocks.conf text. ``from_`` None or "auto" infers it.

    The library's keyword edge: it builds the Request and calls ``plan``."""
    return plan(text, Request.build(to=to, from_=from_, matrix=matrix, settings=settings), path)


def plan(text: str, request: Request, path: Optional[str] = None) -> Plan:
    """Plan one kvrocks.conf text for ``request`` (its source None: detected from the text)."""
    m = request.matrix
    settings = request.settings
    target = request.target
    detected = None
    # Bounds first (upgrader/limits.py): a library caller may not have gone through fileio.
    check_line_count(text, path)
    parsed: dict[str, Document] = {"quoted": Document.parse(text, "quoted")}
    check_key_lines(len(parsed["quoted"].active()), path)
    if request.source is None:
        from .detect import detect_source

        det = detect_source(text, m, target, parsed)
        source = det.version
        detected = det.to_dict()
    else:
        source = request.source
    backward = source > target
    transforms = sorted((t for t in load_transforms().values() if _selected(t, settings)), key=lambda t: t.priority)
    src_rel = m.release(source)
    original = parsed.get(src_rel.grammar) or Document.parse(text, src_rel.grammar)  # type: ignore[arg-type]
    check_key_lines(len(original.active()), path)
    original.check_syntax(path)

    findings: list[Finding] = []
    edits: list[Edit] = []
    # line -> the fix that changed it last. Each stage applies its edits to the document as it
    # stands, so one fix per line per stage: a later hop may still change a line again (e.g.
    # rename at 2.10.0, then the integer syntax of 2.14.0).
    taken: dict[int, str] = {}
    doc = original
    prev = source

    def replan(other: str, with_settings: Settings) -> str:
        return plan(other, replace(request, source=source, settings=with_settings, kind=None)).new_text

    for hop in _steps(m, source, target):
        # Backward, the step from prev down to hop un-crosses the window (hop, prev].
        lo, hi = (hop.version, prev) if backward else (prev, hop.version)
        direction: Direction = "backward" if backward else "forward"
        ctx = Context(doc=doc, matrix=m, lo=lo, hi=hi, source=source, target=target,
                      settings=settings, original=original, direction=direction, replan=replan)
        found = _run("hop", transforms, ctx)
        hop_taken: dict[int, str] = {}
        hop_edits = _accept(found, settings, hop_taken)
        taken.update(hop_taken)
        findings.extend(found)
        if hop_edits:
            edits.extend(hop_edits)
            doc = edited(doc, hop_edits, hop.grammar)  # type: ignore[arg-type]
        elif doc.grammar != hop.grammar:
            doc = doc.reparse(hop.grammar)  # type: ignore[arg-type]
        prev = hop.version

    final_ctx = Context(doc=doc, matrix=m, lo=min(source, target), hi=max(source, target), source=source,
                        target=target, settings=settings, original=original,
                        direction="backward" if backward else "forward", replan=replan)
    late = _run("window", transforms, final_ctx) + _run("target", transforms, final_ctx)
    reported = {(f.option, f.line) for f in findings if f.severity == "error"}
    late = [f for f in late if not (f.severity == "error" and (f.option, f.line) in reported)]
    late_taken: dict[int, str] = {}
    late_edits = _accept(late, settings, late_taken)
    taken.update(late_taken)
    findings.extend(late)
    if late_edits:
        edits.extend(late_edits)
        doc = edited(doc, late_edits, doc.grammar)
    by_id = {f.id: f for f in findings if f.applied}
    for f in findings:
        if f.edit is None and not f.applied:
            f.fixable = False
        # An error on a line another applied fix commented out is resolved by that fix.
        holder = by_id.get(taken.get(f.line or 0, ""))
        if not f.applied and f.line and holder is not None and holder is not f and holder.action == "comment_out":
            f.applied = True
            f.why = f"resolved: the line is commented out by {holder.id}"

    order = {"error": 0, "warning": 1, "info": 2}
    findings.sort(key=lambda f: (order[f.severity], f.line or 10**9, f.id))
    findings = collapse(findings, MAX_FINDINGS_PER_KEY)
    result = Plan(
        path=path,
        from_version=format_version(source),
        to_version=format_version(target),
        hops=[h.name for h in _steps(m, source, target)],
        findings=findings,
        old_text=text,
        new_text=doc.render(),
        data_version=m.data_version,
        from_detected=detected,
        edits=edits,
        secrets=collect_secrets(original, m, text),  # original is text, unedited
        direction="rollback" if backward else "upgrade",
        build_features=dict(sorted(settings.build_features.items())),
    )
    return annotate(result, m, original, doc, source, target)  # resource model + impact per finding (pure)


def _steps(m: Matrix, source: Release, target: Release) -> list[ReleaseInfo]:
    """The releases a plan arrives at, in walking order: upward for an upgrade; for a rollback
    every release below the source down to the target, newest first."""
    if source <= target:
        return m.hops(source, target)
    return [r for r in reversed(m.releases) if target <= r.version < source]


def collapse(findings: list[Finding], cap: int) -> list[Finding]:
    """At most ``cap`` findings of one rule about one option with one outcome; the rest become one
    finding that counts them (issue 16: a key repeated 20,000 times must not cost 20,000 findings
    in every report). Only the list shrinks: every accepted edit is still in ``Plan.edits``."""
    groups: dict[tuple, list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.rule, f.option, f.since, f.severity, f.action, f.applied), []).append(f)
    if all(len(g) <= cap for g in groups.values()):
        return findings
    keep: set[int] = set()
    summaries: dict[int, Finding] = {}  # id of the first finding left out -> the finding that counts them
    for g in groups.values():
        keep.update(id(f) for f in g[:cap])
        rest = g[cap:]
        if rest:
            first = rest[0]
            lines = [f.line for f in rest if f.line]
            where = f" (lines {lines[0]}-{lines[-1]})" if lines else ""
            summaries[id(first)] = Finding(
                id=first.id, rule=first.rule, option=first.option, severity=first.severity,
                message=f"{len(rest)} more findings like the ones above for {first.option}{where}, not listed one by"
                        f" one; the first: {first.message}",
                line=first.line, since=first.since, action=first.action, safety=first.safety, why=first.why,
                fixable=first.fixable, applied=first.applied, references=list(first.references),
                evidence=first.evidence, before=first.before, after=first.after)
    return [summaries.get(id(f), f) for f in findings if id(f) in keep or id(f) in summaries]


def collect_secrets(doc: Document, m: Matrix, text: Optional[str] = None) -> list[str]:
    """Every secret value in the file, as read by either grammar, for masking output. ``text``:
    the document's text when the caller has it (saves joining the lines again)."""
    values: set[str] = set()
    from .redact import secret_line_indexes
    from .secretscan import scan

    raw = doc.raw_lines()
    if text is None:
        text = "".join(t + e for t, e in raw)
    values |= scan(m, text)  # commented-out, CR-only and odd forms too
    for i in sorted(secret_line_indexes(m, raw)):
        body, eol = raw[i]
        for grammar in ("legacy", "quoted"):
            ln = parse_line(body, eol, i + 1, grammar)  # type: ignore[arg-type]
            if ln.key and m.is_secret(ln.key):
                for v in (ln.value, ln.raw_value, ln.raw_value.strip("\"'")):
                    if v:
                        values.add(v)
    return sorted(values, key=lambda v: (-len(v), v))  # longest first; ties in one order in every process


__all__ = ["PlanError", "plan", "plan_text", "apply_edits", "VersionError"]
