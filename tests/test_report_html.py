"""--format html: one self-contained page, rendered by headless Chromium and checked.

Chromium (Debian package ``chromium``) is installed by .ci/run. Outside CI the
rendering tests skip when it is absent; under CI=true they fail instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from upgrader import __version__, report
from upgrader.api import plan_file
from upgrader.matrix import load_matrix
from upgrader.report.jsonout import outcome_to_dict, summary

pytestmark = pytest.mark.slow  # starts headless Chromium (CI runs it)

SECRET = "Ht-9d2b-PLANTED-secret"
ROW = f"port 6666\nworkers 8\nrocksdb.row_cache_size 1024\nrequirepass {SECRET}\nmasterauth {SECRET}\n"
PLAIN = "port 6667\nrocksdb.block_cache_size 2048\n"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required under CI (.ci/run installs it)")
        pytest.skip("chromium not installed (apt-get install -y chromium); CI runs this test")
    return exe


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("html")
    (d / "row.conf").write_text(ROW)
    (d / "plain.conf").write_text(PLAIN)
    r = subprocess.run([sys.executable, "-m", "upgrader", "plan", "--from", "2.12.1", "--to", "2.13.0",
                        "--format", "html", str(d / "row.conf"), str(d / "plain.conf")],
                       capture_output=True, text=True, timeout=60, env={**os.environ, "NO_COLOR": "1"})
    assert r.returncode == 3, r.stderr
    out = d / "report.html"
    out.write_text(r.stdout)
    return out


def render(args: list[str], path: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args, path.as_uri()],
                          capture_output=True, text=True, timeout=120)


def test_page_is_self_contained(page: Path) -> None:
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "<script" not in html.lower() and "@import" not in html and "url(" not in html
    assert not re.search(r"""\s(?:src|href)=["']?(?:https?:)?//""", html)  # nothing loaded from the network
    assert SECRET not in html


def test_library_and_cli_agree(page: Path) -> None:
    d = page.parent
    m = load_matrix()
    files = [outcome_to_dict(plan_file(str(d / n), to="2.13.0", from_="2.12.1", matrix=m), m)
             for n in ("row.conf", "plain.conf")]
    meta = {"tool_version": __version__, "data_version": m.data_version}
    assert report.get("html").render(files, summary(files), "plan", meta) == page.read_text()


def test_chromium_renders_bars_and_findings(page: Path, tmp_path: Path) -> None:
    r = render(["--dump-dom"], page, tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    dom = r.stdout
    # One before and one after bar per file, with the budget in MB (hand calculation: row.conf has
    # metadata 2048 + subkey 2048 + row 1024 + write buffers 64 x 4 x 7 = 6912 MB, then 5888 MB;
    # plain.conf has block cache 2048 + 1792 = 3840 MB on both sides).
    bars = re.findall(r'<g class="bar" data-file="([^"]+)" data-phase="(\w+)" data-mb="(\d+)"', dom)
    got = {(Path(f).name, phase, int(mb)) for f, phase, mb in bars}
    assert got == {("row.conf", "before", 6912), ("row.conf", "after", 5888),
                   ("plain.conf", "before", 3840), ("plain.conf", "after", 3840)}
    assert re.search(r'data-item="row_cache" data-mb="1024"', dom)
    assert ">6912 MB</text>" in dom and ">5888 MB</text>" in dom
    assert "row.conf · before 2.12.1" in dom and "row.conf · after 2.13.0" in dom
    # The findings table and the impact rows are there.
    assert re.search(r"<td><code>rocksdb\.row_cache_size</code></td>", dom)
    assert "advice:" in dom and "rocksdb.block_cache_size 5120" in dom
    assert SECRET not in dom


def test_chromium_screenshot(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "page.png"
    r = render([f"--screenshot={shot}", "--window-size=1280,1600"], page, tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
