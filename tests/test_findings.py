"""Finding.to_dict is written by hand (speed); it must still carry every field but the edit."""

from __future__ import annotations

import json
from dataclasses import asdict, fields

from upgrader.findings import Finding


def test_to_dict_has_every_field_but_the_edit_and_matches_asdict() -> None:
    f = Finding(id="r/o", rule="r", option="o", severity="warning", message="m", line=3, since="2.13.0",
                references=["x"], impact={"resource": "memory", "detail": [{"mb": (1, 2)}]})
    d = f.to_dict()
    assert list(d) == [x.name for x in fields(Finding) if x.name != "edit"]
    expected = {k: v for k, v in asdict(f).items() if k != "edit"}
    assert json.loads(json.dumps(d)) == json.loads(json.dumps(expected))
    d["impact"]["detail"][0]["mb"] = None  # a copy: the finding is not changed through it
    assert f.impact == {"resource": "memory", "detail": [{"mb": (1, 2)}]}


def test_severity_safety_and_action_are_literal_types_every_finding_keeps() -> None:
    """Issue 13 item 7: the types say what each field allows, and what the planner produces fits."""
    from typing import get_args

    from upgrader import findings
    from upgrader.planner import plan_text
    from upgrader.settings import Settings

    assert findings.SEVERITIES == get_args(findings.Severity) == ("error", "warning", "info")
    assert set(get_args(findings.Safety)) == {"safe", "unsafe", "display"}
    assert {"comment_out", "rename", "manual", "none"} <= set(get_args(findings.Action))
    assert not hasattr(findings, "ACTIONS") and not hasattr(findings, "SAFETY")  # the unused tuples went
    conf = "port 6666\nrocksdb.row_cache_size 5\nrename-command KEYS \"\"\ncluster-enabled yes\nworkers 9000000\n"
    plan = plan_text(conf, from_="2.8.0", to="2.14.0", settings=Settings(unsafe_fixes=True, pin_defaults=True))
    assert len(plan.findings) >= 3
    for f in plan.findings:
        assert f.severity in get_args(findings.Severity), f
        assert f.safety in get_args(findings.Safety), f
        assert f.action in get_args(findings.Action), f
