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

import json
import re
from pathlib import Path
from typing import Any, Optional

import pytest

from upgrader.confmodel import Document
from upgrader.findings import Plan
from upgrader.matrix import Matrix, OptionState, load_matrix
from upgrader.planner import plan_text
from upgrader.values import ValueProblem, read_value
from upgrader.versions import Release, format_version, parse_version

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


def check(m: Matrix, text: str, src: Release, dst: Release, plan: Optional[Plan] = None) -> list[str]:
    """Every problem with the plan of ``text`` from ``src`` to ``dst`` (empty when it is right)."""
    where = f"{format_version(src)} -> {format_version(dst)}"
    plan = plan or plan_text(text, from_=src, to=dst)
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


@pytest.fixture(scope="module")
def shipped_plans(m: Matrix, shared_dir: Path) -> list[tuple[Release, Release, str, Plan]]:
    """Each pair's plan of the source's shipped conf, made once for every test that reads it."""
    return [(src, dst, text, plan_text(text, from_=src, to=dst)) for src, dst, text in pairs(m, shared_dir)]


def test_shipped_confs_every_pair(m: Matrix, shipped_plans: list[tuple[Release, Release, str, Plan]]) -> None:
    problems: list[str] = []
    for src, dst, text, plan in shipped_plans:
        problems += check(m, text, src, dst, plan)
    assert len(shipped_plans) >= 250
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
    text = "repl-workers 4\nworkers lots\n"  # a value no release accepts: an error with no fix
    src, dst = m.resolve("2.0.3"), m.resolve("2.14.0")
    plan = plan_text(text, from_=src, to=dst)
    assert any(f.severity == "error" and not f.applied for f in plan.findings)
    assert not loads_on_target(m, plan, text, src, dst)  # the open error explains the refused value
    plan.findings, plan.new_text = [], text  # a plan that reports and changes nothing
    found = loads_on_target(m, plan, text, src, dst)
    assert any("repl-workers" in p for p in found) and any("workers 'lots'" in p for p in found)


# --- issue 14 item 1: default drift, checked against the upstream option tables themselves ---------

def tables(shared_dir: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """release -> option -> row of ../shared/kvrocks/options/<release>.json, read in place."""
    index = json.loads((shared_dir / "options" / "index.json").read_text(encoding="utf-8"))
    return {e["version"]: {row["name"]: row for row in
                           json.loads((shared_dir / "options" / e["options_file"]).read_text(encoding="utf-8"))}
            for e in index["versions"]}


def deprecated(shared_dir: Path) -> dict[str, set[str]]:
    index = json.loads((shared_dir / "options" / "index.json").read_text(encoding="utf-8"))
    return {e["version"]: set(e.get("deprecated_keys") or ()) for e in index["versions"]}


def drifted(rows: dict[str, dict[str, dict[str, Any]]], gone: dict[str, set[str]], src: str, dst: str
            ) -> dict[str, tuple[str, str]]:
    """option -> (effective default at src, default at dst) where they differ. An option src does
    not have takes its first default (the behaviour before it existed: the first table after src
    that lists it)."""
    later = sorted((v for v in rows if parse_version(src) < parse_version(v) <= parse_version(dst)), key=parse_version)
    out = {}
    for name, row in rows[dst].items():
        if name in gone[dst]:
            continue  # deprecated on the target: its default does not take effect
        first = rows[src].get(name) or next(rows[v][name] for v in later if name in rows[v])
        if first["default"] != row["default"]:
            out[name] = (first["default"], row["default"])
    return out


def test_every_default_drift_is_mentioned(m: Matrix, shared_dir: Path,
                                          shipped_plans: list[tuple[Release, Release, str, Plan]]) -> None:
    """Done-when: every option whose effective default differs between the two ends is mentioned,
    unless the file sets it to something other than the old default (then the file decides)."""
    rows, gone = tables(shared_dir), deprecated(shared_dir)
    problems, introduced_seen = [], 0
    for src, dst, text, plan in shipped_plans:
        a, b = m.release(src).table or "", m.release(dst).table or ""  # a patch release may share a table
        file_sets = Document.parse(text, m.release(src).grammar).effective()  # type: ignore[arg-type]
        mentioned = {f.option for f in plan.findings}
        for name, (old, new) in drifted(rows, gone, a, b).items():
            introduced_seen += name not in rows[a]
            if name in file_sets and file_sets[name].value != old:
                continue
            if name not in mentioned:
                problems.append(f"{a} -> {b}: {name} default {old!r} -> {new!r}: not mentioned")
    assert introduced_seen >= 100  # the options introduced inside a window are in the check
    assert not problems, "\n".join(problems[:30]) + f"\n({len(problems)} problems)"


def test_drift_checker_sees_an_introduced_option(shared_dir: Path) -> None:
    """The table reading above can fail: resp3-enabled (added 2.8.0 as no, yes from 2.12.0) drifts
    over 2.7.0 -> 2.14.0 although 2.7.0 does not have it."""
    rows, gone = tables(shared_dir), deprecated(shared_dir)
    assert drifted(rows, gone, "2.7.0", "2.14.0")["resp3-enabled"] == ("no", "yes")
    assert "resp3-enabled" not in drifted(rows, gone, "2.12.0", "2.14.0")


# --- issue 14 item 5: no message repeats a clause or a line ---------------------------------------

RUN = 5  # words: a run this long said twice in one finding is a repeated clause, not shared wording


def repeated_runs(text: str) -> list[str]:
    words = re.findall(r"[\w.'<>/-]+", text.lower())
    seen: dict[tuple[str, ...], int] = {}
    for i in range(len(words) - RUN + 1):
        seen[tuple(words[i:i + RUN])] = seen.get(tuple(words[i:i + RUN]), 0) + 1
    return [" ".join(g) for g, n in seen.items() if n > 1]


def repeats(plan: Plan, where: str) -> list[str]:
    """A finding whose message, reason and impact note together say one clause twice, and two
    findings of one plan that print the same message for the same line."""
    out = []
    for f in plan.findings:
        said = " ".join((f.message, f.why or "", (f.impact or {}).get("text") or ""))
        out += [f"{where}: {f.id}: {run!r} twice" for run in repeated_runs(said)]
    printed = [(f.line, f.message) for f in plan.findings]
    out += [f"{where}: line {ln}: {msg[:60]!r} printed twice"
            for ln, msg in set(printed) if printed.count((ln, msg)) > 1]
    return out


def test_no_message_repeats_a_clause_or_a_line(m: Matrix, shared_dir: Path,
                                               shipped_plans: list[tuple[Release, Release, str, Plan]]) -> None:
    """Every upgrade of a shipped conf, and `check` of each shipped conf against a sample of older
    releases (the oldest, the middle one, the one before it): what `check --to` does, a plan from
    the target to itself. A message that repeats a clause does so in every check that meets its
    case, so the sample finds it at about a quarter of the cost of every older release."""
    problems: list[str] = []
    for src, dst, _, plan in shipped_plans:
        problems += repeats(plan, f"plan {format_version(src)} -> {format_version(dst)}")
    newer = {src: text for src, _, text, _ in shipped_plans}
    releases = sorted(newer)
    checks = [(conf, old) for i, conf in enumerate(releases)
              for old in sorted({releases[j] for j in (0, i // 2, i - 1) if i})]
    for conf, old in checks:
        where = f"check {format_version(conf)} conf --to {format_version(old)}"
        problems += repeats(plan_text(newer[conf], from_=old, to=old), where)
    assert len(checks) >= 60
    assert not problems, "\n".join(problems[:30]) + f"\n({len(problems)} problems)"


def test_repeat_detector_sees_the_old_check_message() -> None:
    """The detector can fail: the message `check --to 2.10.1` printed before the fix is caught."""
    old = ("socket-fd is not an option of 2.10.1: the line is ignored with a warning at startup"
           " (it is not an option of 2.10.1 either).")
    assert repeated_runs(old) == ["is not an option of", "not an option of 2.10.1"]
