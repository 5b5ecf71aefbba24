"""JSON output: one document per run on stdout (schema in docs/JSON.md; ``schema`` field versioned)."""

from __future__ import annotations

from typing import Any, Iterable, Optional

from ..api import Outcome
from ..diff import unified
from ..findings import Plan
from ..matrix import Matrix, load_matrix
from ..redact import Redactor
from .escape import dumps

SCHEMA = "kvupgrade/report/v1"


def plan_to_dict(plan: Plan, matrix: Optional[Matrix] = None, with_diff: bool = True) -> dict[str, Any]:
    """A plan as JSON-native data, secrets masked."""
    red = Redactor(matrix or load_matrix(), plan.secrets)
    return red.data(_plan_fields(plan, red, with_diff))


def _plan_fields(plan: Plan, red: Redactor, with_diff: bool) -> dict[str, Any]:
    """The plan's fields, not yet masked (the diff is masked structurally as it is made)."""
    d: dict[str, Any] = {
        "path": plan.path,
        "kind": plan.kind,
        "from": plan.from_version,
        "to": plan.to_version,
        "from_detected": plan.from_detected,
        "hops": plan.hops,
        "direction": plan.direction,
        "changed": plan.changed,
        "counts": plan.counts(),
        "blockers": len(plan.blockers),
        "findings": [f.to_dict() for f in plan.findings],
        "data_version": plan.data_version,
    }
    if plan.build_features:
        d["build_features"] = dict(plan.build_features)
    if plan.impact is not None:
        d["impact"] = plan.impact
    if with_diff:
        d["diff"] = unified(plan.old_text, plan.new_text, plan.path or "<text>", red)
    return d


def outcome_to_dict(o: Outcome, matrix: Optional[Matrix] = None, with_diff: bool = True) -> dict[str, Any]:
    """The per-file record every format renders (and what ``--format jsonl`` prints per line)."""
    if o.error is not None:
        status = "error"
    elif o.plan is not None and o.plan.blockers:
        status = "blocked"
    elif o.plan is not None and o.plan.changed:
        status = "changed"
    else:
        status = "unchanged"
    d: dict[str, Any] = {"path": o.path, "status": status, "exit": int(o.exit)}
    if o.error is not None:
        d["error"] = o.error
        d["error_line"] = o.error_line
    # Error records too: an error message may quote the file (o.secrets is what the text held).
    red = Redactor(matrix or load_matrix(), o.plan.secrets if o.plan is not None else o.secrets)
    if o.plan is not None:
        d.update(_plan_fields(o.plan, red, with_diff))
        d["path"] = o.path
    d["written"] = o.written
    d["backup"] = o.backup
    d.update(o.extra)
    # One masking pass over the whole record, plan fields and extras alike.
    return red.clean(d)


def new_summary() -> dict[str, Any]:
    return {"files": 0, "changed": 0, "unchanged": 0, "failed": 0, "blocked": 0,
            "findings": {"error": 0, "warning": 0, "info": 0}, "by_option": {}}


def add_to_summary(s: dict[str, Any], f: dict[str, Any]) -> None:
    s["files"] += 1
    if f["status"] == "error":
        s["failed"] += 1
        return
    if f["status"] == "blocked":
        s["blocked"] += 1
    if f.get("changed"):
        s["changed"] += 1
    else:
        s["unchanged"] += 1
    for x in f.get("findings", []):
        s["findings"][x["severity"]] += 1
        s["by_option"][x["option"]] = s["by_option"].get(x["option"], 0) + 1


def summary(files: Iterable[dict[str, Any]]) -> dict[str, Any]:
    s = new_summary()
    for f in files:
        add_to_summary(s, f)
    return s


def render(files: list[dict[str, Any]], summary: dict[str, Any], command: str, meta: dict[str, Any],
           colour: bool = False) -> str:
    doc = {"schema": SCHEMA, **meta, "command": command, "files": files, "summary": summary}
    return dumps(doc, indent=2) + "\n"
