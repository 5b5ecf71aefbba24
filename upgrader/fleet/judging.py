"""The real server as a fleet's judge: ``check --kvrocks-bin`` and ``plan``/``apply --verify-with``.

``prepare`` runs once per run, at the edge: the binary is checked, its ``--version`` read and
matched with ``--to`` (a mismatch is an error unless allowed), and the build features it has are
learnt from one start on ``build_features.probe_config``. ``judge_plan`` runs per file in the
worker: it starts the binary on a sandboxed copy (``realserver.judge``) and turns the verdict into
findings of the file's plan, so every ``--format`` shows them and the exit code follows them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Optional

from ..findings import Finding, Plan, Severity

if TYPE_CHECKING:  # pragma: no cover
    from ..realserver import BinaryVersion, Verdict
    from ..request import Request

RULE_REFUSED = "realserver/refused"
RULE_LINE = "realserver/output"
RULE_UNVERIFIED = "realserver/not-verified"
TIMEOUT = 20.0  # seconds for the server to become ready (or exit), per file


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
    the record's ``realserver`` field (what ran, whether it started)."""
    from ..realserver import judge

    if plan.kind != "conf":
        # A carrier's synthetic conf is inside the carrier engine, not on the Plan: say so.
        plan.findings.append(_finding(RULE_UNVERIFIED, "*", "info",
                                      f"not started on the real server: {plan.kind} files are not verifiable yet"))
        return {"binary": spec.binary, "version": spec.version.text, "verified": False}
    text = plan.new_text if spec.what == "new" else plan.old_text
    v = judge(spec.binary, text, timeout=spec.timeout, matrix=matrix, version=spec.version)
    plan.findings.extend(verdict_findings(v, text))
    return {"binary": spec.binary, "version": spec.version.text, "verified": True, "started": v.started,
            "timed_out": v.timed_out, "exit_status": v.exit_status, "seconds": v.seconds}


def verdict_findings(v: "Verdict", text: str = "") -> list[Finding]:
    """One finding per warning or error line the server printed (already masked), and an error
    finding when it did not start: its own message. ``text``: the judged config, to name the key
    of the line a message points at."""
    rows = text.splitlines()

    def key_at(n: Optional[int]) -> str:
        words = rows[n - 1].split() if n and 0 < n <= len(rows) else []
        return words[0].lower() if words and not words[0].startswith("#") else "*"

    out: list[Finding] = []
    lines = sorted(v.warnings + v.errors, key=lambda x: x.number)
    for ln in lines:
        if not v.started and ln.text == v.fatal:
            continue  # said once, as the refusal below
        out.append(_finding(RULE_LINE, ln.flag or key_at(ln.config_line), "warning",
                            f"the real server printed ({ln.level}): {ln.text}", ln.config_line))
    if not v.started:
        line = next((x.config_line for x in v.errors if x.text == v.fatal), None)
        why = ("did not become ready within the timeout" if v.timed_out else v.fatal or "did not start")
        out.append(_finding(RULE_REFUSED, key_at(line), "error", f"the real server refused to start: {why}", line))
    return out


def _finding(rule: str, option: str, severity: Severity, message: str, line: Optional[int] = None) -> Finding:
    return Finding(id=f"{rule}/{option}", rule=rule, option=option, severity=severity, message=message, line=line,
                   evidence="real-server")


def refused(plan: Plan) -> Optional[str]:
    """The refusal message the judge added to ``plan``, if any (apply writes nothing then)."""
    return next((f.message for f in plan.findings if f.rule == RULE_REFUSED), None)
