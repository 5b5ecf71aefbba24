"""The issue's "Done when": every (from, to) pair of releases with an option table, 2.0.0-2.14.0.

For each pair, the shipped conf of ``from`` (read in place from ../shared/kvrocks/confs) and an
edited copy that sets every option the window touches are planned with the default settings
(safe fixes only). The plan must report every change the matrix records for what the file
sets, and every default change for what it does not; the applied result must load under the
target's rules: it parses, every active key is an option of the target, every value is
accepted, and every kept value is read as the source read it. A finding that needs review
(an unsafe or report-only fix) must be reported as an unapplied error on the offending line.

The plans are pure and fast, so each test loops over all pairs and reports every failure at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest

from upgrader.confmodel import Document
from upgrader.findings import Plan
from upgrader.matrix import Matrix, OptionState, load_matrix
from upgrader.planner import plan_text
from upgrader.values import ValueProblem, read_value
from upgrader.versions import Release, format_version

LOW, HIGH = (2, 0, 0), (2, 14, 0)
STATUS_GONE = ("removed", "deprecated")


@pytest.fixture(scope="module")
def m() -> Matrix:
    return load_matrix()


def pairs(m: Matrix, shared_dir: Path) -> list[tuple[Release, Release, str]]:
    with_table = [r.version for r in m.releases if r.table and LOW <= r.version <= HIGH]
    sources = [v for v in with_table if (shared_dir / "confs" / f"{format_version(v)}.conf").is_file()]
    assert len(sources) >= 20, "the shipped confs 2.0.0-2.14.0 are expected in ../shared/kvrocks/confs"
    return [(a, b, (shared_dir / "confs" / f"{format_version(a)}.conf").read_bytes().decode("utf-8", "surrogateescape"))
            for a in sources for b in with_table if b > a]


def setting(m: Matrix, key: str, src: Release) -> Optional[str]:
    """A value the source accepts for ``key``: its default, else its shipped value."""
    st = m.state(key, src)
    if st is None or st.type == "multistring" or key == "rename-command":
        return None
    era = m.release(src).integers
    for value in (st.default, st.shipped):
        if value and _reads(value, st, era) is not None:
            return value
    return None


def _reads(text: str, st: OptionState, era: str) -> Optional[str]:
    try:
        return read_value(text, st, era).canonical
    except ValueProblem:
        return None


def touched(m: Matrix, src: Release, dst: Release) -> dict[str, str]:
    """Options of the source with an event in the window, and a value to set each to."""
    out = {}
    for name, life in m.options.items():
        if life.state_at(src) is not None and life.events_between(src, dst):
            value = setting(m, name, src)
            if value is not None:
                out[name] = value
    return out


def edited(text: str, settings: dict[str, str], grammar: str) -> str:
    """The shipped conf with its own lines for those keys turned into comments, then each key set once."""
    doc = Document.parse(text, grammar)  # type: ignore[arg-type]
    out = []
    for ln in doc.lines:
        out.append(("# " + ln.text if ln.kind == "directive" and ln.norm_key in settings else ln.text) + ln.eol)
    if out and not out[-1].endswith("\n"):
        out[-1] += "\n"
    out.extend(f"{k} {v}\n" for k, v in sorted(settings.items()))
    return "".join(out)


def expected_changes(m: Matrix, plan_doc: Document, src: Release, dst: Release) -> dict[str, str]:
    """option -> what must be reported about it, from the matrix."""
    eff = plan_doc.effective()
    want: dict[str, str] = {}
    for name, life in m.options.items():
        before, after = life.state_at(src), life.state_at(dst)
        if before is None:
            continue
        events = life.events_between(src, dst)
        if name in eff:
            gone = [e for e in events if e.renamed_to or e.changes.get("status") in STATUS_GONE]
            if gone:
                want[name] = f"{'renamed' if gone[0].renamed_to else gone[0].changes['status']} in {gone[0].since_name}"
            elif after is not None and any(e.changes.get("readonly") is True for e in events):
                want[name] = "became read-only"
            elif (after is not None and after.status == "active" and before.default not in (None, "")
                  and after.default is not None and after.default != before.default
                  and _reads(eff[name].value, before, m.release(src).integers) == _reads(before.default, before, m.release(src).integers)):
                want[name] = f"pins the old default {before.default!r} (now {after.default!r})"
        elif (after is not None and after.status == "active" and before.default is not None
              and after.default is not None and before.default != after.default):
            want[name] = f"unset: default {before.default!r} -> {after.default!r}"
    return want


def check(m: Matrix, text: str, src: Release, dst: Release) -> list[str]:
    """Every problem with the plan of ``text`` from ``src`` to ``dst`` (empty when it is right)."""
    where = f"{format_version(src)} -> {format_version(dst)}"
    plan = plan_text(text, from_=src, to=dst)
    problems = [f"{where}: {name} {what}: not reported"
                for name, what in expected_changes(m, Document.parse(text, m.release(src).grammar), src, dst).items()
                if not any(f.option == name for f in plan.findings)]
    return problems + [f"{where}: {p}" for p in loads_on_target(m, plan, text, src, dst)]


def loads_on_target(m: Matrix, plan: Plan, text: str, src: Release, dst: Release) -> list[str]:
    tgt, old_rel = m.release(dst), m.release(src)
    new = Document.parse(plan.new_text, tgt.grammar)  # type: ignore[arg-type]
    old = Document.parse(text, old_rel.grammar)  # type: ignore[arg-type]
    open_errors = {f.line for f in plan.findings if f.severity == "error" and not f.applied}
    problems = []
    for f in plan.findings:
        if f.severity == "error" and not f.applied and not (f.safety in ("unsafe", "display") and f.why):
            problems.append(f"{f.id} is an unapplied error without a reason to review it")
    if new.invalid_lines():
        problems.append(f"line {new.invalid_lines()[0].lineno} does not parse on the target")
    for ln in new.directives():
        key = ln.norm_key
        if m.pattern_for(key):
            continue
        st = m.state(key, dst)
        if st is None or st.status != "active":
            problems.append(f"{key} (line {ln.lineno}) is {'unknown' if st is None else st.status} on the target")
            continue
        after = _reads(ln.value, st, tgt.integers)
        if after is None:
            if ln.lineno not in open_errors:
                problems.append(f"{key} {ln.value!r} is refused by the target and no open error says so")
            continue
        if ln.lineno > len(old.lines) or old.lines[ln.lineno - 1].norm_key != key:
            continue  # appended or rewritten by a fix that says so
        before_st = m.state(key, src)
        before = _reads(old.lines[ln.lineno - 1].value, before_st, old_rel.integers) if before_st else None
        if before is not None and before != after:
            problems.append(f"{key} line {ln.lineno}: read as {before!r} before, {after!r} after")
    return problems


def test_shipped_confs_every_pair(m: Matrix, shared_dir: Path) -> None:
    problems: list[str] = []
    todo = pairs(m, shared_dir)
    for src, dst, text in todo:
        problems += check(m, text, src, dst)
    assert len(todo) >= 250
    assert not problems, "\n".join(problems[:30]) + f"\n({len(problems)} problems)"


def test_edited_confs_every_pair(m: Matrix, shared_dir: Path) -> None:
    problems: list[str] = []
    set_somewhere = 0
    for src, dst, text in pairs(m, shared_dir):
        settings = touched(m, src, dst)
        set_somewhere += bool(settings)
        problems += check(m, edited(text, settings, m.release(src).grammar), src, dst)
    assert set_somewhere >= 200  # nearly every window touches an option the source has
    assert not problems, "\n".join(problems[:30]) + f"\n({len(problems)} problems)"


def test_checker_catches_a_broken_plan(m: Matrix, shared_dir: Path) -> None:
    """The checks above can fail: a plan that keeps a removed key and a refused value is caught."""
    text = "repl-workers 4\nmigrate-batch-rate-limit-mb 0\n"
    src, dst = m.resolve("2.0.3"), m.resolve("2.14.0")
    plan = plan_text(text, from_=src, to=dst)
    assert any(f.severity == "error" and not f.applied for f in plan.findings)
    assert not loads_on_target(m, plan, text, src, dst)  # the open error explains the refused value
    plan.findings, plan.new_text = [], text  # a plan that reports and changes nothing
    found = loads_on_target(m, plan, text, src, dst)
    assert any("repl-workers" in p for p in found) and any("migrate-batch-rate-limit-mb" in p for p in found)
