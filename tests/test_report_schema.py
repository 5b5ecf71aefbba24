"""Every JSON report the CLI prints validates against upgrader/schemas/report.schema.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "upgrader" / "schemas" / "report.schema.json").read_text())


def report(*args: str) -> dict:  # type: ignore[type-arg]
    r = subprocess.run([sys.executable, "-m", "upgrader", *args, "--format", "json"], capture_output=True,
                       text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=120)
    return json.loads(r.stdout)


def test_fleet_plan_apply_and_check_reports_validate(tmp_path: Path, repo_root: Path) -> None:
    fleet = tmp_path / "fleet"
    import shutil

    shutil.copytree(repo_root / "examples" / "fleet", fleet)
    (fleet / "broken.conf").write_bytes(b"port 6666\n\x00")  # binary: an error record
    (fleet / "carrier.yml").write_text(
        "services:\n  kv:\n    image: apache/kvrocks:2.12.1\n    command: --rocksdb.row_cache_size 64\n")
    validator = jsonschema.Draft202012Validator(SCHEMA)
    inv = str(fleet / "inventory.yaml")
    for args in (["plan", "--to", "2.14.0", "--inventory", inv], ["check", "--to", "2.14.0"],
                 ["apply", "--to", "2.14.0", "--inventory", inv, "--unsafe-fixes", "--pin-defaults"]):
        doc = report(*args, str(fleet))
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
        statuses = {f["status"] for f in doc["files"]}
        planned = [f for f in doc["files"] if f["status"] != "skipped"]
        assert "error" in statuses and len(planned) == 7
        # the inventory is YAML a walk meets: listed as skipped (no Kvrocks settings), not failed
        assert [f["path"].rsplit("/", 1)[-1] for f in doc["files"] if f["status"] == "skipped"] == ["inventory.yaml"]
        assert doc["summary"]["skipped"] == 1
