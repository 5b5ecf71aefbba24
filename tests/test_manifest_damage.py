"""A damaged rollback manifest (issue 16, class 6): every damaged record is reported with the
manifest path and line, every intact entry is still restored, exit 1 (something was not restored),
and never an internal error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_fleet import FROM, TO, kv, make_fleet
from upgrader.manifest import read_manifest, rollback

DAMAGE = {  # how each damaged record is made from an intact one, and what the report must say
    "bad mode": (lambda e: {**e, "mode": "0x1ff"}, "bad mode '0x1ff'"),
    "bad hash": (lambda e: {**e, "sha256_after": "zz" * 32}, "sha256_after is not a sha256"),
    "missing fields": (lambda e: {k: v for k, v in e.items() if k not in ("backup", "mode")},
                       "missing field(s): backup, mode"),
    "wrong types": (lambda e: {**e, "mode": 420, "run_id": 7}, "not a string: mode, run_id"),
    "relative path": (lambda e: {**e, "realpath": "etc/kvrocks.conf"}, "realpath is not an absolute path"),
    "NUL byte": (lambda e: {**e, "backup": e["backup"] + "\x00x"}, "NUL byte"),
}


def _applied(tmp_path: Path) -> tuple[dict[str, bytes], Path, list[str]]:
    files = make_fleet(tmp_path / "f", 12, bad=False)
    r = kv("apply", "--to", TO, "--from", FROM, "-f", "jsonl", "--backup-dir", str(tmp_path / "bk"),
           str(tmp_path / "f"), lockdir=tmp_path / "locks")
    assert r.returncode == 3, r.stderr
    man = tmp_path / "bk" / "manifest.jsonl"
    return files, man, man.read_text().splitlines()


def test_each_kind_of_damage_is_reported_by_line_and_the_intact_entries_are_restored(tmp_path: Path) -> None:
    files, man, lines = _applied(tmp_path)
    entries = [i for i, ln in enumerate(lines) if json.loads(ln)["type"] == "file"]
    assert len(entries) >= len(DAMAGE) + 1
    damaged_paths, expect = [], []
    for (name, (spoil, says)), i in zip(DAMAGE.items(), entries):
        rec = json.loads(lines[i])
        damaged_paths.append(rec["path"])
        lines[i] = json.dumps(spoil(rec))
        expect.append((i + 1, says))
    lines += ["[1, 2, 3]", '"just a string"', '{"type": "elephant"}']
    expect += [(len(lines) - 2, "a JSON list"), (len(lines) - 1, "a JSON str"), (len(lines), "type 'elephant'")]
    man.write_text("\n".join(lines) + "\n")

    r = kv("rollback", str(tmp_path / "bk"), lockdir=tmp_path / "locks")
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr
    for line, says in expect:
        assert f"kvupgrade: error: " in r.stderr
        hit = [ln for ln in r.stderr.splitlines() if f"{man}:{line}: damaged manifest record" in ln]
        assert hit and says in hit[0], (line, says, r.stderr)
    for p, data in files.items():  # every intact entry restored; the damaged ones left as applied
        if p in damaged_paths:
            assert Path(p).read_bytes() != data
        else:
            assert Path(p).read_bytes() == data, p
    summary = r.stdout.splitlines()[-1]
    assert f"{len(expect)} failed" in summary


def test_library_reports_damage_as_error_results(tmp_path: Path) -> None:
    _, man, lines = _applied(tmp_path)
    i = next(i for i, ln in enumerate(lines) if json.loads(ln)["type"] == "file")
    lines[i] = json.dumps({**json.loads(lines[i]), "mode": "rwxr-xr-x"})
    man.write_text("\n".join(lines) + "\n")
    m = read_manifest(str(man))
    assert [d.line for d in m.damaged] == [i + 1]
    results = list(rollback(m, dry_run=True))
    bad = [r for r in results if not r.ok]
    assert len(bad) == 1 and bad[0].status == "error" and f"{man}:{i + 1}:" in bad[0].message


@pytest.mark.parametrize("run_id", [None, 42])
def test_a_run_record_without_a_usable_run_id_is_no_internal_error(tmp_path: Path, run_id: object) -> None:
    _, man, lines = _applied(tmp_path)
    run = json.loads(lines[0])
    if run_id is None:
        del run["run_id"]
    else:
        run["run_id"] = run_id
    man.write_text("\n".join([json.dumps(run), *lines[1:]]) + "\n")
    r = kv("rollback", "--run", "nope", str(tmp_path / "bk"), lockdir=tmp_path / "locks")
    assert r.returncode == 1 and "no run 'nope'" in r.stderr and "internal error" not in r.stderr
