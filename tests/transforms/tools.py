"""Helpers for transform tests, after django-upgrade's check_noop/check_transformed.

Each helper runs the real planner with only the transform under test selected, on a
dedented snippet, against the shipped matrix.
"""

from __future__ import annotations

from textwrap import dedent
from typing import Optional

from upgrader.findings import Finding, Plan
from upgrader.planner import plan_text
from upgrader.settings import Settings


def run(rule: str, text: str, *, from_: str, to: str, settings: Optional[Settings] = None) -> Plan:
    s = settings or Settings()
    s = Settings(unsafe_fixes=s.unsafe_fixes, pin_defaults=s.pin_defaults, select=frozenset({rule}))
    return plan_text(dedent(text), from_=from_, to=to, settings=s)


def findings(rule: str, text: str, *, from_: str, to: str, settings: Optional[Settings] = None) -> list[Finding]:
    return [f for f in run(rule, text, from_=from_, to=to, settings=settings).findings if f.rule == rule]


def noop(rule: str, text: str, *, from_: str, to: str, settings: Optional[Settings] = None) -> Plan:
    """The transform changes nothing (it may still report)."""
    plan = run(rule, text, from_=from_, to=to, settings=settings)
    assert plan.new_text == dedent(text), f"{rule} changed the text:\n{plan.new_text}"
    return plan


def silent(rule: str, text: str, *, from_: str, to: str, settings: Optional[Settings] = None) -> None:
    """The transform neither changes nor reports anything."""
    plan = noop(rule, text, from_=from_, to=to, settings=settings)
    assert not [f for f in plan.findings if f.rule == rule], [f.message for f in plan.findings]


def transformed(rule: str, before: str, after: str, *, from_: str, to: str,
                settings: Optional[Settings] = None) -> Plan:
    """The transform rewrites ``before`` into exactly ``after``, and a second pass changes nothing."""
    plan = run(rule, before, from_=from_, to=to, settings=settings)
    assert plan.new_text == dedent(after), f"got:\n{plan.new_text}"
    again = run(rule, plan.new_text, from_=from_, to=to, settings=settings)
    assert again.new_text == plan.new_text, "not idempotent"
    return plan
