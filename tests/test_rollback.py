"""``apply --backup-dir`` + ``kvupgrade rollback``: the manifest, round trips, refusals."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.test_fleet import FROM, TO, jsonl, kv, make_fleet
from upgrader.manifest import read_manifest


def _apply(tmp_path: Path, *paths: str, to: str = TO, from_: str = FROM, extra: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    return kv("apply", "--to", to, "--from", from_, "-f", "jsonl", "--backup-dir", str(tmp_path / "bk"), *extra,
              *paths, lockdir=tmp_path / "locks")


def test_round_trip_restores_every_original_byte_for_byte_with_modes(tmp_path: Path) -> None:
    files = make_fleet(tmp_path / "f", 20)
    some = sorted(files)[3]
    os.chmod(some, 0o640)
    r = _apply(tmp_path, str(tmp_path / "f"), extra=("-j", "2"))
    recs, _ = jsonl(r.stdout)
    written = [x for x in recs if x["written"]]
    assert written
    for x in written:  # backups under <backup-dir>/<run id>/<real directory>/
        assert x["backup"].startswith(str(tmp_path / "bk")) and Path(x["backup"]).read_bytes() == files[x["path"]]
    man = read_manifest(str(tmp_path / "bk" / "manifest.jsonl"))
    assert len(man.runs) == 1 and len(man.entries) == len(written)
    e = man.entries[0]
    assert set(e) >= {"run_id", "time", "path", "realpath", "backup", "sha256_before", "sha256_after", "mode"}
    assert e["run_id"] == man.runs[0]["run_id"]
    rb = kv("rollback", str(tmp_path / "bk"), "-f", "jsonl", lockdir=tmp_path / "locks")
    assert rb.returncode == 0, rb.stderr
    lines = [json.loads(ln) for ln in rb.stdout.splitlines()]
    assert lines[-1]["type"] == "summary" and lines[-1]["restored"] == len(written)
    for p, data in files.items():
        assert Path(p).read_bytes() == data
    assert os.stat(some).st_mode & 0o777 == 0o640
    again = kv("rollback", str(tmp_path / "bk" / "manifest.jsonl"), lockdir=tmp_path / "locks")
    assert again.returncode == 0 and f"{len(written)} already original" in again.stdout


def test_changed_since_is_refused_per_file_unless_force(tmp_path: Path) -> None:
    files = make_fleet(tmp_path / "f", 8, bad=False)
    _apply(tmp_path, str(tmp_path / "f"))
    changed = [p for p in files if Path(p).read_bytes() != files[p]]
    edited = changed[0]
    with open(edited, "a") as fh:
        fh.write("# an operator's edit\n")
    r = kv("rollback", str(tmp_path / "bk"), lockdir=tmp_path / "locks")
    assert r.returncode == 1
    assert f"kvupgrade: error: {edited}: refused" in r.stderr and f"{edited}: refused" not in r.stdout  # said once
    assert "# an operator's edit" in Path(edited).read_text()
    for p in changed[1:]:
        assert Path(p).read_bytes() == files[p]  # the others were restored all the same
    dry = kv("rollback", "--force", "--dry-run", str(tmp_path / "bk"), lockdir=tmp_path / "locks")
    assert dry.returncode == 0 and "would restore" in dry.stdout
    assert "# an operator's edit" in Path(edited).read_text()
    forced = kv("rollback", "--force", str(tmp_path / "bk"), lockdir=tmp_path / "locks")
    assert forced.returncode == 0 and "forced" in forced.stdout
    assert Path(edited).read_bytes() == files[edited]


def test_several_runs_unwind_newest_first_and_run_filter(tmp_path: Path) -> None:
    p = tmp_path / "a.conf"
    original = b"port 6666\nrocksdb.row_cache_size 100\nrocksdb.max_sub_compactions 2\n"
    p.write_bytes(original)
    _apply(tmp_path, str(p), to="2.13.0")
    mid = p.read_bytes()
    assert mid != original
    _apply(tmp_path, str(p), to="2.14.0", from_="2.13.0", extra=("--unsafe-fixes",))
    assert p.read_bytes() != mid
    man = read_manifest(str(tmp_path / "bk"))
    assert len(man.runs) == 2 and len(man.entries) == 2
    last = man.runs[1]["run_id"]
    r = kv("rollback", "--run", last, str(tmp_path / "bk"), lockdir=tmp_path / "locks")
    assert r.returncode == 0 and p.read_bytes() == mid
    assert kv("rollback", "--run", "nope", str(tmp_path / "bk")).returncode == 1
    r = kv("rollback", str(tmp_path / "bk"), lockdir=tmp_path / "locks")
    assert r.returncode == 0 and p.read_bytes() == original


def test_symlinked_file_restores_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real" / "kvrocks.conf"
    real.parent.mkdir()
    real.write_text("port 6666\nrocksdb.row_cache_size 100\n")
    original = real.read_bytes()
    link = tmp_path / "link.conf"
    link.symlink_to(real)
    _apply(tmp_path, str(link))
    assert link.is_symlink() and real.read_bytes() != original
    assert kv("rollback", str(tmp_path / "bk"), lockdir=tmp_path / "locks").returncode == 0
    assert link.is_symlink() and real.read_bytes() == original


def test_torn_last_line_is_tolerated_and_the_next_run_stays_parseable(tmp_path: Path) -> None:
    files = make_fleet(tmp_path / "f", 4, bad=False)
    man = tmp_path / "bk" / "manifest.jsonl"
    man.parent.mkdir()
    man.write_text('{"type": "run", "run_id": "x"}\n{"type": "file", "path": "/tor')  # a killed run's last write
    _apply(tmp_path, str(tmp_path / "f"))
    m = read_manifest(str(man))
    assert len(m.problems) == 1 and len(m.runs) == 2 and m.entries
    r = kv("rollback", str(man), lockdir=tmp_path / "locks")
    assert r.returncode == 0 and "torn" in r.stderr
    for p, data in files.items():
        assert Path(p).read_bytes() == data


def test_a_manifest_that_cannot_be_written_leaves_files_untouched(tmp_path: Path) -> None:
    files = make_fleet(tmp_path / "f", 3, bad=False)
    man = tmp_path / "manifest-is-a-directory"  # unwritable even for root
    man.mkdir()
    r = kv("apply", "--to", TO, "--from", FROM, "--manifest", str(man), str(tmp_path / "f"),
           lockdir=tmp_path / "locks")
    assert r.returncode == 1 and "cannot write the manifest" in r.stderr
    for p, data in files.items():
        assert Path(p).read_bytes() == data


def test_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "a.conf").write_text("port 1\n")
    r = kv("apply", "--to", TO, "--no-backup", "--backup-dir", str(tmp_path / "bk"), str(tmp_path / "a.conf"))
    assert r.returncode == 2
    assert kv("rollback", str(tmp_path / "none.jsonl")).returncode == 1
    (tmp_path / "junk.jsonl").write_text("hello\n")
    r = kv("rollback", str(tmp_path / "junk.jsonl"))
    assert r.returncode == 1 and "not a kvupgrade manifest" in r.stderr
