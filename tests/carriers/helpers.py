"""Shared checks for carrier tests: byte identity outside edited lines, idempotent apply, CLI."""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterable, Optional

from upgrader.api import apply_file, plan_file
from upgrader.carriers import plan_any
from upgrader.findings import Finding, Plan
from upgrader.request import Request
from upgrader.settings import CarrierOptions

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "carriers"
ROW_CACHE = "comment_out/rocksdb.row_cache_size@2.13.0"


def plan(text: str, kind: Optional[str] = None, *, to: str = "2.14.0", from_: Optional[str] = "2.12.1",
         path: Optional[str] = None, set_image: bool = False) -> Plan:
    carrier = CarrierOptions(set_image=set_image)
    return plan_any(text, Request.build(to=to, from_=from_, kind=kind, carrier=carrier), path)


def example(name: str) -> str:
    return (EXAMPLES / name).read_text()


def by_id(p: Plan, fid: str) -> list[Finding]:
    return [f for f in p.findings if f.id == fid]


def changed_old_lines(old: str, new: str) -> set[int]:
    """1-based line numbers of ``old`` that are not kept byte for byte in ``new``."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    out: set[int] = set()
    for op, i1, i2, _, _ in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op != "equal":
            out.update(range(i1 + 1, max(i2, i1 + 1) + 1) if op == "insert" else range(i1 + 1, i2 + 1))
    return out


def assert_only(p: Plan, lines: Iterable[int]) -> None:
    """Every line outside ``lines`` is byte-identical (line endings included)."""
    allowed = set(lines)
    touched = changed_old_lines(p.old_text, p.new_text)
    assert touched, "nothing changed"
    assert touched <= allowed, f"lines {sorted(touched - allowed)} changed, only {sorted(allowed)} may"
    kept_old = [ln for i, ln in enumerate(p.old_text.splitlines(keepends=True), 1) if i not in allowed]
    kept_new = p.new_text.splitlines(keepends=True)
    # the untouched lines appear in the new text in the same order, unchanged
    it = iter(kept_new)
    assert all(any(x == y for y in it) for x in kept_old)


def apply_twice(tmp_path: Path, name: str, text: str, kind: Optional[str] = None,
                from_: Optional[str] = "2.12.1", set_image: bool = False) -> tuple[str, str]:
    """Apply, then apply again: the second run writes nothing. Returns (before, after)."""
    f = tmp_path / name
    f.write_text(text)
    req = Request.build(to="2.14.0", from_=from_, kind=kind, carrier=CarrierOptions(set_image=set_image))
    first = apply_file(str(f), request=req, backup=False)
    assert first.error is None, first.error
    assert first.written
    after = f.read_text()
    second = apply_file(str(f), request=req, backup=False)
    assert second.error is None, second.error
    assert not second.written and not second.plan.changed
    assert f.read_text() == after
    return text, after


def library_plan(path: Path, expect_kind: str) -> Plan:
    out = plan_file(str(path), to="2.14.0", kind=None)
    assert out.error is None, out.error
    assert out.plan is not None and out.plan.kind == expect_kind
    return out.plan


def cli_plan(path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return subprocess.run([sys.executable, "-m", "upgrader", "plan", "--to", "2.14.0", str(path)],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=120)


def copy_example(tmp_path: Path, name: str) -> Path:
    dest = tmp_path / name
    shutil.copy(EXAMPLES / name, dest)
    return dest
