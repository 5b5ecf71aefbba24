"""The real server as a fleet's judge: ``check --kvrocks-bin`` and ``plan``/``apply --verify-with``.

``prepare`` runs once per run, at the edge: the binary is checked, its ``--version`` read and
matched with ``--to`` (a mismatch is an error unless allowed), and the build features it has are
learnt from one start on ``build_features.probe_config``. ``judge_plan`` runs per file in the
worker: it starts the binary on a sandboxed copy (``realserver.judge``) and turns the verdict into
findings of the file's plan, so every ``--format`` shows them and the exit code follows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Optional, Sequence

from ..findings import Finding, Plan, Severity

if TYPE_CHECKING:  # pragma: no cover
    from ..realserver import BinaryVersion, ServerLine, Verdict
    from ..request import Request

RULE_REFUSED = "realserver/refused"
RULE_LINE = "realserver/output"
RULE_UNVERIFIED = "realserver/not-verified"
TIMEOUT = 20.0  # seconds for the server to become ready (or exit), per file; per node of a carrier
MAX_UNITS = 8  # nodes of one carrier file started on (each a start of ~0.5 s, up to TIMEOUT); the rest are listed


@dataclass(frozen=True)
class JudgeSpec:
    """What every worker needs to judge a file: read once, at the edge."""

    binary: str  # absolute path, checked executable
    version: "BinaryVersion"
    timeout: float = TIMEOUT
    what: str = "new"  # "new": the rewritten text (plan, apply); "old": the file as it stands (check)


def prepare(binary: str, request: "Request", *, allow_mismatch: bool = False, what: str = "new",
            timeout: float = TIMEOUT, learn_features: bool = True) -> tuple[JudgeSpec, "Request"]:
    """The judge and the request with the binary's build features. Raises ``RealServerError``
    (``VersionMismatch``) when the binary cannot judge for ``request.target``."""
    from ..build_features import build_dependent, features_from_startup, probe_config
    from ..realserver import executable, binary_version, check_version, judge

    path = executable(binary)
    m = request.matrix
    found = binary_version(path, m)
    check_version(found, request.target, allow_mismatch=allow_mismatch, binary=path)
    spec = JudgeSpec(path, found, timeout, what)
    if learn_features and build_dependent(m, request.target):
        probe = judge(path, probe_config(m, request.target), timeout=timeout, matrix=m, version=found)
        if probe.started:  # a probe that did not start tells nothing about the build
            features = features_from_startup(m, request.target, "\n".join(probe.output))
            settings = replace(request.settings, build_features={**features, **request.settings.build_features})
            request = replace(request, settings=settings)
    return spec, request


def judge_plan(spec: JudgeSpec, plan: Plan, matrix: Any) -> dict[str, Any]:
    """Start the server on the plan's text; its verdict's findings are appended to ``plan``. Returns
    the record's ``realserver`` field (what ran, whether it started). A carrier is judged node by
    node (``plan.units``), each as the node receives it (``judge_units``)."""
    from ..realserver import judge

    if plan.kind != "conf":
        return judge_units(spec, plan, matrix)
    text = plan.new_text if spec.what == "new" else plan.old_text
    v = judge(spec.binary, text, timeout=spec.timeout, matrix=matrix, version=spec.version)
    plan.findings.extend(verdict_findings(v, text))
    return {"binary": spec.binary, "version": spec.version.text, "verified": True, "started": v.started,
            "timed_out": v.timed_out, "exit_status": v.exit_status, "seconds": v.seconds}


def judge_units(spec: JudgeSpec, plan: Plan, matrix: Any) -> dict[str, Any]:
    """One start per node of a carrier, at most ``MAX_UNITS`` (each bounded by ``spec.timeout``). A
    conf-shaped node (a YAML dict, a ConfigMap's file) is started on its conf; a flags node on an
    empty conf plus its flags, as it is started (the sandbox's own flags still come last and win).
    Each server line is placed on the carrier line it is about and names the node."""
    from ..confmodel import parse_line
    from ..realserver import judge

    field: dict[str, Any] = {"binary": spec.binary, "version": spec.version.text, "verified": False}
    skipped = [f"{label} ({why})" for label, why in plan.unrendered]
    judged = plan.units[:MAX_UNITS]
    if len(plan.units) > MAX_UNITS:
        skipped.append(f"{len(plan.units) - MAX_UNITS} more node(s) past the first {MAX_UNITS}"
                       f" ({', '.join(u.label for u in plan.units[MAX_UNITS:][:3])}"
                       f"{' …' if len(plan.units) > MAX_UNITS + 3 else ''}): one start each would take too long")
    if skipped:
        plan.findings.append(_finding(
            RULE_UNVERIFIED, "*", "info", "not started on the real server: " + "; ".join(skipped)))
    if not judged:
        return field
    started, timed_out, seconds, status = True, False, 0.0, None
    for u in judged:
        text, lines = (u.new_conf, u.new_lines) if spec.what == "new" else (u.old_conf, u.old_lines)
        if u.as_flags:
            flags: list[tuple[str, str]] = []
            where: dict[str, Optional[int]] = {}
            for row, line in zip(text.splitlines(), lines):
                ln = parse_line(row, "", 1, "quoted")
                if ln.kind == "directive":
                    flags.append((ln.key, ln.value))
                    where[ln.norm_key] = line
            v = judge(spec.binary, "", flags, timeout=spec.timeout, matrix=matrix, version=spec.version)
            plan.findings.extend(verdict_findings(v, "", flag_lines=where, label=u.label))
        else:
            v = judge(spec.binary, text, timeout=spec.timeout, matrix=matrix, version=spec.version)
            plan.findings.extend(verdict_findings(v, text, lines=lines, label=u.label))
        if status is None or (started and not v.started):
            status = v.exit_status
        started = started and v.started
        timed_out = timed_out or v.timed_out
        seconds += v.seconds
    field.update(verified=True, started=started, timed_out=timed_out, exit_status=status,
                 seconds=round(seconds, 3), units=len(judged))
    return field


_NAMED = re.compile(r"'([A-Za-z][\w.-]*)'")  # the key a flag's message quotes: 'maxclients'


def verdict_findings(v: "Verdict", text: str = "", *, lines: Optional[Sequence[Optional[int]]] = None,
                     flag_lines: Optional[dict[str, Optional[int]]] = None, label: str = "") -> list[Finding]:
    """One finding per warning or error line the server printed (already masked), and an error
    finding when it did not start: its own message. ``text``: the judged config, to name the key
    of the line a message points at. A carrier's node: ``lines`` maps the config's lines to the
    carrier's, ``flag_lines`` the keys of its flags; ``label`` names the node in each message."""
    rows = text.splitlines()

    def key_at(n: Optional[int]) -> str:
        words = rows[n - 1].split() if n and 0 < n <= len(rows) else []
        return words[0].lower() if words and not words[0].startswith("#") else "*"

    def place(sl: "Optional[ServerLine]") -> tuple[str, Optional[int]]:
        """(option, line in the file judged or in the carrier) of a server line."""
        if sl is None:
            return "*", None
        if sl.config_line is not None:
            n = sl.config_line
            if lines is None:
                return key_at(n), n
            return key_at(n), (lines[n - 1] if 0 < n <= len(lines) else None)
        named = _NAMED.search(sl.text)
        key = sl.flag or (named.group(1).lower() if named else None)
        if flag_lines is not None and key in flag_lines:
            return key, flag_lines[key]
        return sl.flag or "*", None

    said = f"{label}: " if label else ""
    out: list[Finding] = []
    for ln in sorted(v.warnings + v.errors, key=lambda x: x.number):
        if not v.started and ln.text == v.fatal:
            continue  # said once, as the refusal below
        option, line = place(ln)
        out.append(_finding(RULE_LINE, option, "warning", f"{said}the real server printed ({ln.level}): {ln.text}",
                            line))
    if not v.started:
        option, line = place(next((x for x in v.errors if x.text == v.fatal), None))
        why = ("did not become ready within the timeout" if v.timed_out else v.fatal or "did not start")
        out.append(_finding(RULE_REFUSED, option, "error", f"{said}the real server refused to start: {why}", line))
    return out


def _finding(rule: str, option: str, severity: Severity, message: str, line: Optional[int] = None) -> Finding:
    return Finding(id=f"{rule}/{option}", rule=rule, option=option, severity=severity, message=message, line=line,
                   evidence="real-server")


def refused(plan: Plan) -> Optional[str]:
    """The refusal message the judge added to ``plan``, if any (apply writes nothing then)."""
    return next((f.message for f in plan.findings if f.rule == RULE_REFUSED), None)
