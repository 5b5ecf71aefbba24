"""Every realistic file under tests/fixtures/carriers: planned, applied twice, or a distinct
"no Kvrocks content" outcome; a directory run over them fails no file a person calls a config."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from upgrader.api import apply_file, plan_file

from .fixtures import FIXTURES
from .helpers import REPO, changed_old_lines

NO_CONTENT = {"compose-no-kvrocks.yml", "heredoc-not-conf.sh", "docker-compose.yml.tpl"}
ALL = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*") if p.is_file())


def test_the_corpus_is_large_enough():
    assert len(ALL) >= 30


@pytest.mark.parametrize("name", ALL)
def test_each_fixture_plans_applies_once_and_keeps_other_bytes(tmp_path, name):
    f = tmp_path / name
    f.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / name, f)
    original = f.read_bytes()
    out = plan_file(str(f), to="2.14.0")
    if os.path.basename(name) in NO_CONTENT:
        assert out.error and out.no_content and "would not start" not in out.error
        return
    assert out.error is None, out.error
    p = out.plan
    applied = {x.line for x in p.findings if x.applied and x.line}
    assert changed_old_lines(p.old_text, p.new_text) <= applied | {n + 1 for n in applied}  # a pair: two lines
    first = apply_file(str(f), to="2.14.0", backup=False)
    assert first.error is None and first.written == p.changed
    after = f.read_bytes()
    second = apply_file(str(f), to="2.14.0", backup=False)
    assert second.error is None and not second.written and f.read_bytes() == after
    if not p.changed:
        assert after == original


def test_directory_run_skips_files_without_kvrocks_content_and_fails_none(tmp_path):
    root = tmp_path / "corpus"
    shutil.copytree(FIXTURES, root)
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    run = subprocess.run([sys.executable, "-m", "upgrader", "plan", "--to", "2.14.0", "-f", "json", str(root)],
                         capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    data = json.loads(run.stdout)
    failed = {os.path.basename(f["path"]) for f in data["files"] if f["status"] == "error"}
    skipped = {os.path.basename(f["path"]) for f in data["files"] if f["status"] == "skipped"}
    assert not failed, failed  # no file a person would call a Kvrocks config fails
    assert NO_CONTENT <= skipped, skipped  # the files without Kvrocks settings are listed as skipped
    assert data["summary"]["skipped"] == len(skipped)
    assert run.returncode == 3  # skipped files do not change the exit code
    assert data["summary"]["blocked"] == 0 and data["summary"]["changed"] >= 15
    for name in NO_CONTENT:  # named on the command line, a file without Kvrocks settings is still an error
        one = next(root.rglob(name))
        named = subprocess.run([sys.executable, "-m", "upgrader", "plan", "--to", "2.14.0", str(one)],
                               capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
        assert named.returncode == 1 and "kvrocks" in named.stderr.lower(), (name, named.stderr)
