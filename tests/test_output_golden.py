"""Every command's output, in every format, byte for byte as recorded in tests/golden/output/.

The golden files were first written by the code before the report writers (issue 13 item 5:
the fleet's ``Sink`` special cases and cli.py's hand-written rollback/matrix output), so the
writers are held to the exact bytes the old code printed: stdout, stderr and the exit code of
plan/apply/check/rollback/matrix on a small fleet (a file to change, one holding a password,
one unreadable; then the single-file shape, and a directory with nothing to take). The temporary directory, the run id and
the tool's version are replaced by placeholders.

When the shipped knowledge (version_matrix.yaml, a transform's message) changes on purpose,
rewrite the files and review their diff:
    KVUPGRADE_REGEN_GOLDEN=1 python -m pytest -q -p no:cacheprovider tests/test_output_golden.py
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.clirun import kv
from upgrader import __version__

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden" / "output"
FORMATS = ("text", "json", "jsonl", "markdown", "html", "sarif")
FROM, TO = "2.12.0", "2.14.0"
SECRET = "goldenS3cretPass"  # must never reach the output


def _fleet(root: Path) -> None:
    for name in ("cache-02",):
        (root / name).mkdir(parents=True)
        shutil.copy(REPO / "examples" / "fleet" / name / "kvrocks.conf", root / name / "kvrocks.conf")
    (root / "auth").mkdir()
    (root / "auth" / "kvrocks.conf").write_text(
        f"port 6666\nrequirepass {SECRET}\nmasterauth {SECRET}\nrocksdb.row_cache_size 64\n", encoding="utf-8")
    (root / "broken").mkdir()
    (root / "broken" / "kvrocks.conf").write_bytes(b"port 6666\n\0\xff\xfebinary\n")


def _normal(text: str, tmp: Path) -> str:
    for t in {str(tmp.resolve()), str(tmp)}:
        text = text.replace(t, "<TMP>")
    text = re.sub(r"\.\d{8}T\d{6}\.", ".<STAMP>.", text)  # a backup's name holds the time of the run
    return text.replace(__version__, "<VERSION>")


def _record(name: str, r, tmp: Path) -> None:  # type: ignore[no-untyped-def]
    got = f"exit {r.returncode}\n--- stdout\n{_normal(r.stdout, tmp)}--- stderr\n{_normal(r.stderr, tmp)}"
    assert SECRET not in got
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("KVUPGRADE_REGEN_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8", newline="")
        return
    want = path.read_bytes().decode("utf-8")
    assert got == want, f"{name}: output differs from {path.relative_to(REPO)}"


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KVUPGRADE_LOCK_DIR", str(tmp_path / "locks"))
    import upgrader.manifest

    monkeypatch.setattr(upgrader.manifest, "new_run_id", lambda: "RUNID")
    _fleet(tmp_path / "fleet")
    return tmp_path


@pytest.mark.parametrize("fmt", FORMATS)
def test_plan_check_apply(fleet: Path, fmt: str) -> None:
    _record(f"plan-{fmt}", kv("plan", "--from", FROM, "--to", TO, "-f", fmt, "-j1", "fleet"), fleet)
    _record(f"plan-nodiff-{fmt}", kv("plan", "--no-diff", "--to", TO, "-f", fmt, "-j1", "fleet/cache-02",
                                     "fleet/auth/kvrocks.conf"), fleet)
    _record(f"check-{fmt}", kv("check", "--to", TO, "-f", fmt, "-j1", "fleet"), fleet)
    _record(f"apply-{fmt}", kv("apply", "--from", FROM, "--to", TO, "-f", fmt, "-j1", "--backup-dir", "bk",
                               "fleet"), fleet)
    # Nothing left to do, one file: the single-file shape of each format.
    _record(f"apply-again-{fmt}", kv("apply", "--from", FROM, "--to", TO, "-f", fmt, "-j1",
                                     "fleet/auth/kvrocks.conf"), fleet)
    _record(f"empty-{fmt}", kv("plan", "--to", TO, "-f", fmt, "-j1", "--include", "*.none", "fleet/cache-02"),
            fleet)


@pytest.mark.parametrize("fmt", ("text", "json", "jsonl"))
def test_rollback(fleet: Path, fmt: str) -> None:
    assert kv("apply", "--from", FROM, "--to", TO, "-j1", "--backup-dir", "bk", "fleet").returncode == 1  # the broken file
    _record(f"rollback-dry-{fmt}", kv("rollback", "--dry-run", "-f", fmt, "bk"), fleet)
    # One file edited since the run: refused, the others restored.
    edited = fleet / "fleet" / "cache-02" / "kvrocks.conf"
    edited.write_text(edited.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    _record(f"rollback-{fmt}", kv("rollback", "-f", fmt, "bk"), fleet)


@pytest.mark.parametrize("fmt", FORMATS)
def test_matrix(fleet: Path, fmt: str) -> None:
    _record(f"matrix-{fmt}", kv("matrix", "--from", "2.11.0", "--to", TO, "-f", fmt), fleet)
    _record(f"matrix-one-{fmt}", kv("matrix", "--from", "2.13.0", "--to", "2.14.0", "-f", fmt), fleet)
