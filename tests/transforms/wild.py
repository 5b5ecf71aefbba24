"""The realistic files of tests/fixtures/wild/ (issue 12), and one plan rendered in every format."""

from __future__ import annotations

from pathlib import Path

from upgrader.api import Outcome
from upgrader.findings import Plan
from upgrader.report import get as report_format
from upgrader.report.jsonout import outcome_to_dict, summary

WILD = Path(__file__).resolve().parent.parent / "fixtures" / "wild"
FORMATS = ("text", "markdown", "html", "json", "sarif")


def wild(name: str) -> str:
    return (WILD / name).read_text(encoding="utf-8")


def rendered(plan: Plan) -> dict[str, str]:
    """Format -> the plan as that report shows it (diff included)."""
    rec = outcome_to_dict(Outcome(plan.path or "k.conf", plan=plan))
    return {fmt: report_format(fmt).render([rec], summary([rec]), "plan", {}) for fmt in FORMATS}
