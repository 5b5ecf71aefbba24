"""Human-readable output: findings grouped per file, the diff, a summary. Colour only on a TTY."""

from __future__ import annotations

import textwrap
from typing import Optional

from ..api import Outcome
from ..diff import unified
from ..matrix import Matrix, load_matrix
from ..redact import Redactor
from .jsonout import summary

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m", "+": "\033[32m", "-": "\033[31m",
            "@": "\033[35m"}
_RESET = "\033[0m"


def _c(text: str, key: str, colour: bool) -> str:
    return f"{_COLOURS[key]}{text}{_RESET}" if colour and key in _COLOURS else text


def render_outcome(o: Outcome, command: str, colour: bool = False, show_diff: bool = True,
                   matrix: Optional[Matrix] = None) -> str:
    m = matrix or load_matrix()
    if o.error is not None:
        return _c("error", "error", colour) + f": {o.error}\n"
    plan = o.plan
    assert plan is not None
    red = Redactor(m, plan.secrets)
    out: list[str] = []
    head = f"{o.path}: Kvrocks {plan.from_version} -> {plan.to_version}"
    if len(plan.hops) > 1:
        head += f" (through {', '.join(plan.hops)})"
    out.append(head)
    if plan.from_detected:
        det = plan.from_detected
        out.append(f"  source version detected: {det['version']} ({det['confidence']} confidence: {det['reason']})")
    if not plan.findings:
        out.append("  no findings")
    width = 100
    for f in plan.findings:
        where = f"line {f.line}" if f.line else "not set"
        state = ""
        if f.action not in ("none",):
            state = (" [fixed]" if f.applied and command == "apply" else " [fix: will apply]" if f.applied
                     else f" [{f.action}: not applied]")
        first = f"  {_c(f'{f.severity:<7}', f.severity, colour)} {where:<9} {f.option}{state}"
        out.append(first)
        for para in textwrap.wrap(red.free(f.message), width - 12):
            out.append(" " * 12 + para)
        if f.action != "none" and not f.applied and f.why:
            out.append(" " * 12 + f"why: {red.free(f.why)}")
        if f.references:
            out.append(" " * 12 + "refs: " + ", ".join(f.references))
        if f.evidence != "source-verified":
            out.append(" " * 12 + f"evidence: {f.evidence}")
    if show_diff and plan.changed:
        diff = unified(plan.old_text, plan.new_text, o.path, red)
        out.append("")
        for line in diff.splitlines():
            out.append(_c(line, line[:1], colour) if line[:1] in "+-@" and not line.startswith(("+++", "---")) else line)
    tail = []
    if command == "apply":
        if o.written:
            tail.append("written" + (f", backup at {o.backup}" if o.backup else ""))
        elif plan.changed:
            tail.append("not written")
        else:
            tail.append("nothing to change")
    if plan.blockers:
        tail.append(_c(f"{len(plan.blockers)} blocker(s): the target would refuse this config", "error", colour))
    if tail:
        out.append("  " + "; ".join(tail))
    return red.free("\n".join(out)) + "\n"


def render(outcomes: list[Outcome], command: str, colour: bool = False, show_diff: bool = True,
           matrix: Optional[Matrix] = None) -> str:
    parts = [render_outcome(o, command, colour, show_diff, matrix) for o in outcomes]
    s = summary(outcomes)
    verb = "changed" if command == "apply" else "to change"
    parts.append(
        f"{s['files']} file(s): {s['changed']} {verb}, {s['unchanged']} unchanged, {s['failed']} failed,"
        f" {s['blocked']} blocked; findings: {s['findings']['error']} error, {s['findings']['warning']} warning,"
        f" {s['findings']['info']} info\n"
    )
    return "\n".join(parts)
