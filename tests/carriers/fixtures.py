"""The realistic carrier files under tests/fixtures/carriers (issue 12), and checks every one gets."""

from __future__ import annotations

import json
from pathlib import Path

from upgrader.findings import Plan
from upgrader.report.jsonout import plan_to_dict

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "carriers"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def assert_masked(p: Plan, *secrets: str) -> None:
    """Each secret is known to the plan and appears in none of its outputs."""
    dumped = json.dumps(plan_to_dict(p))  # findings, messages and both sides of the diff
    assert "diff" in dumped
    for s in secrets:
        assert s in p.old_text
        assert s not in dumped, f"{s!r} leaked"
