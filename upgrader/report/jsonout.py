"""JSON output: one document per run on stdout (schema in docs/JSON.md, ``schema`` field versioned)."""

from __future__ import annotations

import json
from typing import Any, Iterable, Optional

from ..api import Outcome
from ..diff import unified
from ..findings import Plan
from ..matrix import Matrix, load_matrix
from ..redact import Redactor

SCHEMA = "kvupgrade/report/v1"


def plan_to_dict(plan: Plan, matrix: Optional[Matrix] = None, with_diff: bool = True) -> dict[str, Any]:
    """A plan as JSON-native data, secrets masked."""
    m = matrix or load_matrix()
    red = Redactor(m, plan.secrets)
    d: dict[str, Any] = {
        "path": plan.path,
        "kind": plan.kind,
        "from": plan.from_version,
        "to": plan.to_version,
        "from_detected": plan.from_detected,
        "hops": plan.hops,
        "changed": plan.changed,
        "counts": plan.counts(),
        "blockers": len(plan.blockers),
        "findings": [f.to_dict() for f in plan.findings],
        "data_version": plan.data_version,
    }
    if plan.impact is not None:
        d["impact"] = plan.impact
    if with_diff:
        d["diff"] = unified(plan.old_text, plan.new_text, plan.path or "<text>", red)
    return red.data(d)


def outcome_to_dict(o: Outcome, matrix: Optional[Matrix] = None, with_diff: bool = True) -> dict[str, Any]:
    status = "error" if o.error else ("blocked" if o.plan and o.plan.blockers else
                                       "changed" if o.plan and o.plan.changed else "unchanged")
    d: dict[str, Any] = {"path": o.path, "status": status, "exit": int(o.exit)}
    if o.error is not None:
        d["error"] = o.error
        d["error_line"] = o.error_line
    if o.plan is not None:
        d.update(plan_to_dict(o.plan, matrix, with_diff))
        d["path"] = o.path
    d["written"] = o.written
    d["backup"] = o.backup
    d.update(o.extra)
    if o.plan is not None:
        d = Redactor(matrix or load_matrix(), o.plan.secrets).data(d)
    return d


def summary(outcomes: Iterable[Outcome]) -> dict[str, Any]:
    s = {"files": 0, "changed": 0, "unchanged": 0, "failed": 0, "blocked": 0,
         "findings": {"error": 0, "warning": 0, "info": 0}, "by_option": {}}
    for o in outcomes:
        s["files"] += 1
        if o.error:
            s["failed"] += 1
            continue
        assert o.plan is not None
        if o.plan.blockers:
            s["blocked"] += 1
        if o.plan.changed:
            s["changed"] += 1
        else:
            s["unchanged"] += 1
        for f in o.plan.findings:
            s["findings"][f.severity] += 1
            s["by_option"][f.option] = s["by_option"].get(f.option, 0) + 1
    return s


def render(outcomes: list[Outcome], command: str, tool_version: str, matrix: Optional[Matrix] = None) -> str:
    m = matrix or load_matrix()
    doc = {
        "schema": SCHEMA,
        "tool_version": tool_version,
        "data_version": m.data_version,
        "command": command,
        "files": [outcome_to_dict(o, m) for o in outcomes],
        "summary": summary(outcomes),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
