"""Plain data that planning produces: findings, edits and the plan itself.

Everything here is JSON-native through ``to_dict`` so the CLI, reports, the fleet
runner and the Ansible plugin all consume the same structures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Optional, get_args

# What each field allows, said by its type (mypy holds every transform and carrier to it).
Severity = Literal["error", "warning", "info"]
Safety = Literal["safe", "unsafe", "display"]  # display: a finding with no fix to apply
Action = Literal["comment_out", "rename", "set", "convert_value", "pin_default", "manual", "none"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)


@dataclass
class Edit:
    """Replace line ``lineno`` (1-based) by ``new_lines`` (texts without terminator).

    ``lineno`` 0 means "append at the end of the file". Edits are applied back to
    front, so an edit never moves the lines another edit points at.
    """

    lineno: int
    new_lines: list[str]
    rule: str


@dataclass
class Finding:
    id: str  # stable: "<rule>/<option>@<since>"
    rule: str
    option: str
    severity: Severity
    message: str
    line: Optional[int] = None
    since: Optional[str] = None
    action: Action = "none"
    safety: Safety = "display"
    why: str = ""  # why the fix is (un)safe, or why there is none
    fixable: bool = False  # apply would fix it (with the flags given)
    applied: bool = False  # the plan's new text includes the fix
    references: list[str] = field(default_factory=list)
    evidence: str = "source-verified"
    before: Optional[str] = None  # effective value before (masked when secret)
    after: Optional[str] = None  # effective value after
    impact: Optional[dict[str, Any]] = None
    edit: Optional[Edit] = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        # By hand rather than dataclasses.asdict: asdict deep-copies through copy.deepcopy, the
        # largest single cost of a fleet's per-file record.
        return {
            "id": self.id, "rule": self.rule, "option": self.option, "severity": self.severity,
            "message": self.message, "line": self.line, "since": self.since, "action": self.action,
            "safety": self.safety, "why": self.why, "fixable": self.fixable, "applied": self.applied,
            "references": list(self.references), "evidence": self.evidence, "before": self.before,
            "after": self.after, "impact": _json_copy(self.impact),
        }


def _json_copy(obj: Any) -> Any:
    """A copy of JSON-like data (dicts, lists, scalars)."""
    if isinstance(obj, dict):
        return {k: _json_copy(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_copy(v) for v in obj]
    return obj


@dataclass(frozen=True)
class RenderedUnit:
    """What one node of a carrier file would receive (a Compose service, a container, a dict, a
    ConfigMap entry): its settings as a synthetic kvrocks.conf before and after the rewrite, and
    the carrier line behind each line of those texts (None: a line with no place in the carrier,
    e.g. one the rewrite adds). ``as_flags``: the node gets them as command-line flags, which
    override a conf file not in view; otherwise they are that node's whole config file."""

    label: str
    old_conf: str
    new_conf: str
    old_lines: tuple[Optional[int], ...]  # carrier line of each line of old_conf
    new_lines: tuple[Optional[int], ...]  # carrier line (in the file as read) of each line of new_conf
    as_flags: bool = False


@dataclass
class Plan:
    path: Optional[str]
    from_version: str
    to_version: str
    hops: list[str]
    findings: list[Finding]
    old_text: str
    new_text: str
    data_version: str
    from_detected: Optional[dict[str, Any]] = None
    kind: str = "conf"
    edits: list[Edit] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list, repr=False)  # values to mask in any output
    impact: Optional[dict[str, Any]] = None
    direction: str = "upgrade"  # upgrade | rollback (the older release started on the newer file)
    build_features: dict[str, bool] = field(default_factory=dict)  # known present/absent; others unknown
    # A carrier's nodes as they would receive their settings (empty for a plain kvrocks.conf), and
    # (label, why) of the ones that cannot be rendered (a service on the image's built-in conf).
    # Not rendered in any output: the judge and the live comparison read them.
    units: list[RenderedUnit] = field(default_factory=list, repr=False)
    unrendered: list[tuple[str, str]] = field(default_factory=list, repr=False)

    @property
    def changed(self) -> bool:
        return self.new_text != self.old_text

    @property
    def blockers(self) -> list[Finding]:
        """Error findings the rewrite does not resolve: the target would not start or would break."""
        return [f for f in self.findings if f.severity == "error" and not f.applied]

    @property
    def needs_action(self) -> bool:
        return self.changed or any(f.severity in ("error", "warning") and not f.applied for f in self.findings)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            out[f.severity] += 1
        return out
