"""--format markdown: a pull-request comment with a summary table, findings, impact and the diff."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from upgrader import __version__, report
from upgrader.api import plan_file
from upgrader.matrix import load_matrix
from upgrader.report.jsonout import outcome_to_dict, summary
from upgrader.report.markdown import cell

SECRET = "Md-5c1e-PLANTED-secret"
CONF = f"port 6666\nworkers 8\nrocksdb.row_cache_size 1024\nrequirepass {SECRET}\n"


def kv(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "upgrader", *args], capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"}, timeout=60)


def test_cli_markdown(tmp_path: Path) -> None:
    p = tmp_path / "kvrocks.conf"
    p.write_text(CONF)
    r = kv("plan", "--from", "2.12.1", "--to", "2.13.0", "--format", "markdown", str(p))
    assert r.returncode == 3, r.stderr
    out = r.stdout
    assert out.startswith("## kvupgrade plan: 1 file(s), 1 to change")
    assert "| file | upgrade | status | errors | warnings | info | memory budget |" in out
    # minimal config: block cache 2048 + 2048, row 1024, write buffers 64 x 4 x 7 = 1792
    assert f"| 2.12.1 → 2.13.0 | changed | 0 | 1 |" in out and "6912 → 5888 MB (-1024 MB)" in out
    assert "#### Findings" in out and "| warning | 3 | `rocksdb.row_cache_size` | will apply |" in out
    assert "#### Impact" in out and "| row cache | 1024 MB | 0 MB | -1024 MB |" in out
    assert "> **advice:** row cache 1024 MB released; to keep the memory budget set rocksdb.block_cache_size 5120" in out
    assert "```diff\n--- " in out and "-rocksdb.row_cache_size 1024" in out
    assert SECRET not in out and SECRET not in r.stderr


def test_library_markdown_matches_cli(tmp_path: Path) -> None:
    p = tmp_path / "a.conf"
    p.write_text(CONF)
    m = load_matrix()
    files = [outcome_to_dict(plan_file(str(p), to="2.13.0", from_="2.12.1", matrix=m), m),
             outcome_to_dict(plan_file(str(tmp_path / "missing.conf"), to="2.13.0", matrix=m), m)]
    meta = {"tool_version": __version__, "data_version": m.data_version}
    out = report.get("markdown").render(files, summary(files), "plan", meta)
    cli = kv("plan", "--from", "2.12.1", "--to", "2.13.0", "-f", "markdown", str(p), str(tmp_path / "missing.conf"))
    assert out == cli.stdout
    assert f"| `{tmp_path / 'missing.conf'}` |  | error |" in out
    assert SECRET not in out


def test_cells_escape_pipes_and_newlines() -> None:
    assert cell("a|b\nc") == "a\\|b c"
