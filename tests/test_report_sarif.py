"""SARIF 2.1.0 output: one result per finding at its line, levels mapped, rules from the registry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_sarif_results_match_json_findings(tmp_path: Path) -> None:
    conf = tmp_path / "kvrocks.conf"
    conf.write_text("port 6666\nrocksdb.row_cache_size 1024\nmigrate-batch-rate-limit-mb 0\n")
    (tmp_path / "bad.conf").write_bytes(b"port 1\n\x00")

    def run(fmt: str) -> dict:  # type: ignore[type-arg]
        r = subprocess.run([sys.executable, "-m", "upgrader", "plan", "--from", "2.13.0", "--to", "2.14.0",
                            "-f", fmt, str(conf), str(tmp_path / "bad.conf")],
                           capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=60)
        assert r.returncode == 1  # the binary file
        return json.loads(r.stdout)

    sarif, report = run("sarif"), run("json")
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1
    run_ = sarif["runs"][0]
    findings = report["files"][0]["findings"]
    assert len(run_["results"]) == len(findings)
    level = {"error": "error", "warning": "warning", "info": "note"}
    for res, f in zip(run_["results"], findings):
        assert res["ruleId"] == f["rule"] and res["level"] == level[f["severity"]]
        assert res["partialFingerprints"]["kvupgradeFindingId"] == f["id"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == str(conf)
        assert loc.get("region", {}).get("startLine") == f["line"]
    assert {r["id"] for r in run_["tool"]["driver"]["rules"]} == {f["rule"] for f in findings}
    notes = run_["invocations"][0]["toolExecutionNotifications"]
    assert "binary content" in notes[0]["message"]["text"]
