"""Fleet runs (issue 5): inputs, isolation, parallel == sequential, streaming formats, progress."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

from upgrader import fleet
from upgrader.report import jsonout
from upgrader.request import Request

REPO = Path(__file__).resolve().parent.parent
TO = "2.14.0"
FROM = "2.10.0"
MARKER = "# kvupgrade:"

# Small configs (planning cost ~ms) with the realistic variety of a fleet: a row cache set
# (commented out by apply), a key unknown to the target (reported), nothing to change.
_VARIANTS = [
    "port {port}\nbind 127.0.0.1\ndir /var/lib/kvrocks/{i}\nworkers 8\nrocksdb.row_cache_size {rc}\nmax-io-mb 500\n",
    "port {port}\ndir /var/lib/kvrocks/{i}\nrocksdb.row_cache_size {rc}\nrocksdb.max_sub_compactions 2\n",
    "# node {i}\r\nport {port}\r\ndir /data/{i}\r\nrocksdb.row_cache_size {rc}\r\n",
    "port {port}\ndir /data/{i}\nworkers 4\n",
]


def conf_text(i: int) -> str:
    return _VARIANTS[i % len(_VARIANTS)].format(i=i, port=6000 + i, rc=64 + i % 7)


def make_fleet(root: Path, n: int, bad: bool = True) -> dict[str, bytes]:
    """n good files in nested directories plus (bad=True) binary, unterminated-quote and empty
    files; returns path -> original bytes."""
    files: dict[str, bytes] = {}
    for i in range(n):
        p = root / f"dc{i % 3}" / f"host{i:04d}" / "kvrocks.conf"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(conf_text(i).encode())
        files[str(p)] = p.read_bytes()
    if bad:
        for name, data in (("binary.conf", b"port 1\x00\x01\x02"), ("quote.conf", b'port 1\ndir "/tmp/x\n'),
                           ("empty.conf", b"")):
            p = root / "bad" / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
            files[str(p)] = data
    return files


def kv(*args: str, cwd: Optional[Path] = None, stdin: Optional[str] = None,
       env: Optional[dict[str, str]] = None, lockdir: Optional[Path] = None) -> subprocess.CompletedProcess[str]:
    e = dict(os.environ)
    e.pop("FORCE_COLOR", None)
    e["PYTHONPATH"] = str(REPO)
    if lockdir is not None:
        e["KVUPGRADE_LOCK_DIR"] = str(lockdir)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "upgrader", *args], capture_output=True, text=True, cwd=cwd,
                          input=stdin, env=e, timeout=120)


def jsonl(stdout: str) -> tuple[list[dict], dict]:
    lines = [json.loads(ln) for ln in stdout.splitlines()]
    assert lines and lines[-1]["type"] == "summary"
    assert all(x["type"] == "file" for x in lines[:-1])
    return lines[:-1], lines[-1]


def test_mixed_fleet_is_isolated_and_exit_is_the_worst(tmp_path: Path) -> None:
    files = make_fleet(tmp_path / "fleet", 24)
    missing = str(tmp_path / "nope.conf")
    r = kv("apply", "--to", TO, "--from", FROM, "-f", "jsonl", "-j", "2", str(tmp_path / "fleet"), missing,
           lockdir=tmp_path / "locks")
    assert r.returncode == 1, r.stderr
    recs, summary = jsonl(r.stdout)
    by_path = {x["path"]: x for x in recs}
    assert len(recs) == len(files) + 1
    for name, why in (("binary.conf", "binary content"), ("quote.conf", "quoted string"), ("empty.conf", "empty")):
        p = str(tmp_path / "fleet" / "bad" / name)
        assert by_path[p]["status"] == "error" and why in by_path[p]["error"]
        assert Path(p).read_bytes() == files[p]  # left untouched
    assert by_path[missing]["status"] == "error" and "no such file" in by_path[missing]["error"]
    good = [p for p in files if "/bad/" not in p]
    changed = [p for p in good if "row_cache_size" in files[p].decode()]
    for p in good:
        now = Path(p).read_bytes()
        assert (now != files[p]) == (p in changed), p
        assert by_path[p]["written"] == (p in changed)
    assert summary["files"] == len(files) + 1
    assert summary["failed"] == 4
    assert summary["changed"] == len(changed)
    assert summary["unchanged"] == len(good) - len(changed)
    assert summary["by_option"]["rocksdb.row_cache_size"] == len(changed)
    assert sum(summary["findings"].values()) == sum(len(x.get("findings", [])) for x in recs)
    # every error is also on stderr, and only errors are
    assert sorted(ln for ln in r.stderr.splitlines()) == sorted(f"kvupgrade: error: {x['error']}"
                                                                for x in recs if x["status"] == "error")


def test_exit_codes_follow_the_worst_outcome(tmp_path: Path) -> None:
    make_fleet(tmp_path / "f", 8, bad=False)
    assert kv("plan", "--to", TO, "--from", FROM, str(tmp_path / "f"), "-j", "2").returncode == 3
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "a.conf").write_text("port 6666\n")
    (clean / "b.conf").write_text("port 6667\n")
    r = kv("check", "--to", TO, str(clean))
    assert r.returncode in (0, 3), r.stderr
    (clean / "c.conf").write_bytes(b"\x00")
    assert kv("check", "--to", TO, str(clean)).returncode == 1


def test_parallel_output_equals_sequential(tmp_path: Path) -> None:
    make_fleet(tmp_path / "f", 40)
    for fmt in ("jsonl", "json", "text"):
        seq = kv("plan", "--to", TO, "--from", FROM, "-f", fmt, "-j", "1", str(tmp_path / "f"))
        par = kv("plan", "--to", TO, "--from", FROM, "-f", fmt, "-j", "3", str(tmp_path / "f"))
        assert seq.returncode == par.returncode == 1
        assert seq.stdout == par.stdout, fmt  # same records, same (input) order, byte for byte
        assert sorted(seq.stderr.splitlines()) == sorted(par.stderr.splitlines())


def test_apply_parallel_matches_sequential(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    make_fleet(a, 30)
    make_fleet(b, 30)
    ra = kv("apply", "--to", TO, "--from", FROM, "-j", "1", "--no-backup", "-f", "jsonl", str(a), lockdir=tmp_path)
    rb = kv("apply", "--to", TO, "--from", FROM, "-j", "2", "--no-backup", "-f", "jsonl", str(b), lockdir=tmp_path)
    assert ra.stdout.replace(str(a), "X") == rb.stdout.replace(str(b), "X")
    for pa in a.rglob("*.conf"):
        assert pa.read_bytes() == (b / pa.relative_to(a)).read_bytes()


def test_json_stream_is_byte_identical_to_the_whole_document_render(tmp_path: Path) -> None:
    from upgrader.matrix import load_matrix
    from upgrader.report.writers import report_writer

    m = load_matrix()
    paths = list(make_fleet(tmp_path, 6))
    job = fleet.FleetJob(command="plan", request=Request.build(to=TO, from_=FROM, matrix=m))
    files = list(fleet.run_files(job, paths, jobs=1))
    meta = {"tool_version": "t", "data_version": m.data_version}
    for recs in (files, []):
        out = io.StringIO()
        writer = report_writer("json", "plan", out)
        writer.begin(meta)
        for f in recs:
            writer.file(f)
        writer.end(jsonout.summary(recs))
        assert out.getvalue() == jsonout.render(recs, jsonout.summary(recs), "plan", meta)


def test_json_and_jsonl_stdout_is_json_only_even_with_force_color(tmp_path: Path) -> None:
    make_fleet(tmp_path / "f", 30)
    env = {"FORCE_COLOR": "1", "TERM": "xterm-256color", "CLICOLOR_FORCE": "1"}
    r = kv("plan", "--to", TO, "--from", FROM, "-f", "json", str(tmp_path / "f"), env=env)
    doc = json.loads(r.stdout)
    assert doc["schema"] == jsonout.SCHEMA and len(doc["files"]) == doc["summary"]["files"] == 33
    r = kv("apply", "--to", TO, "--from", FROM, "-f", "jsonl", str(tmp_path / "f"), env=env, lockdir=tmp_path)
    recs, summary = jsonl(r.stdout)
    assert len(recs) == 33 and summary["command"] == "apply"
    for out in (r.stdout, r.stderr):
        assert "\x1b" not in out and "\r" not in out  # no progress bar, no colour in a pipe
    assert all(ln.startswith("kvupgrade: error: ") for ln in r.stderr.splitlines())


def _run_with_tty_stderr(args: list[str]) -> str:
    import pty

    master, slave = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(REPO), TERM="xterm")
    p = subprocess.Popen([sys.executable, "-m", "upgrader", *args], stdout=subprocess.DEVNULL, stderr=slave,
                         env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    p.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="pty")
def test_progress_only_on_a_terminal_and_no_progress_turns_it_off(tmp_path: Path) -> None:
    # enough files that the run outlasts the 0.1 s redraw interval
    make_fleet(tmp_path / "f", 400, bad=False)
    args = ["plan", "--to", TO, "--from", FROM, "-j", "2", "--no-diff", str(tmp_path / "f")]
    shown = _run_with_tty_stderr(args)
    assert "files/s" in shown and "\r\x1b[K" in shown
    assert _run_with_tty_stderr(args + ["--no-progress"]) == ""


def test_walk_include_exclude_hidden_and_order(tmp_path: Path) -> None:
    for rel in ("b.conf", "a.conf", "notes.txt", ".hidden.conf", ".git/x.conf", "sub/c.conf", "sub/old/d.conf",
                "sub/e.conf.20260101T000000.kvupgrade.bak", "z/f.conf", "staging/g.conf"):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("port 1\n")

    def names(**kw: object) -> list[str]:
        return [os.path.relpath(p, tmp_path) for p, _ in fleet.iter_inputs([str(tmp_path)], kind="conf", **kw)]

    assert names() == ["a.conf", "b.conf", "staging/g.conf", "sub/c.conf", "sub/old/d.conf", "z/f.conf"]
    assert names(exclude=("old", "staging/*")) == ["a.conf", "b.conf", "sub/c.conf", "z/f.conf"]
    assert names(include=("*.txt", "sub/*.conf")) == ["notes.txt", "sub/c.conf", "sub/old/d.conf"]
    assert names(prune=[str(tmp_path / "z")]) == ["a.conf", "b.conf", "staging/g.conf", "sub/c.conf", "sub/old/d.conf"]


def test_files_from_stdin_explicit_files_and_duplicates(tmp_path: Path) -> None:
    files = list(make_fleet(tmp_path, 5, bad=False))
    listing = "\n".join([files[1], "", files[0], str(tmp_path / "dc0")]) + "\n"
    r = kv("plan", "--to", TO, "--from", FROM, "-f", "jsonl", files[0], "--files-from", "-", stdin=listing)
    recs, summary = jsonl(r.stdout)
    dc0 = sorted(p for p in files if "/dc0/" in p)
    expected = [files[0], files[1]] + [p for p in dc0 if p != files[0]]
    assert [x["path"] for x in recs] == expected  # input order, each file once
    lst = tmp_path / "list.txt"
    lst.write_text(files[2] + "\n")
    recs, _ = jsonl(kv("plan", "--to", TO, "--from", FROM, "-f", "jsonl", "--files-from", str(lst)).stdout)
    assert [x["path"] for x in recs] == [files[2]]
    r = kv("plan", "--to", TO, "--files-from", str(tmp_path / "nolist"))
    assert r.returncode == 1 and "cannot read the file list" in r.stderr
    r = kv("plan", "--to", TO)
    assert r.returncode == 2


def test_empty_directory_is_an_error_not_a_clean_run(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("port 1\n")
    r = kv("plan", "--to", TO, str(tmp_path))
    assert r.returncode == 1 and "is a directory, and no file in it matches" in r.stderr


@pytest.mark.parametrize("fmt", ["yaml", "csv", "yaml-list"])
def test_inventory_gives_source_versions(tmp_path: Path, fmt: str) -> None:
    a = tmp_path / "prod" / "a.conf"
    b = tmp_path / "prod" / "b.conf"
    c = tmp_path / "stage" / "c.conf"
    for p in (a, b, c):
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("port 6666\nrocksdb.row_cache_size 100\n")
    if fmt == "yaml":
        inv = tmp_path / "inv.yaml"
        inv.write_text("prod/a.conf: 2.12.0\n'prod/*.conf': 2.11.0\n")
    elif fmt == "yaml-list":
        inv = tmp_path / "inv.yml"
        inv.write_text(f"- path: {a}\n  version: 2.12.0\n- glob: '*.conf'\n  version: v2.11.0\n")
    else:
        inv = tmp_path / "inv.csv"
        inv.write_text("path,version\nprod/a.conf,2.12.0\nprod/*.conf,2.11.0\n")
    r = kv("plan", "--to", TO, "--from", "2.10.0", "--inventory", str(inv), "-f", "jsonl", str(tmp_path / "prod"),
           str(c))
    recs, _ = jsonl(r.stdout)
    got = {Path(x["path"]).name: x["from"] for x in recs}
    assert got["a.conf"] == "2.12.0" and got["b.conf"] == "2.11.0"
    assert got["c.conf"] == ("2.11.0" if fmt == "yaml-list" else "2.10.0")  # unlisted: --from


def test_inventory_with_an_unknown_version_fails_before_any_work(tmp_path: Path) -> None:
    (tmp_path / "a.conf").write_text("port 1\n")
    inv = tmp_path / "inv.csv"
    inv.write_text("a.conf,2.12.0\nb.conf,9.9.9\n")
    r = kv("plan", "--to", TO, "--inventory", str(inv), str(tmp_path / "a.conf"))
    assert r.returncode == 1 and "inv.csv:2" in r.stderr and r.stdout == ""


def test_text_output_ends_with_the_summary_table(tmp_path: Path) -> None:
    make_fleet(tmp_path, 8)
    r = kv("plan", "--to", TO, "--from", FROM, "--no-diff", str(tmp_path))
    tail = r.stdout[r.stdout.index("\nSummary\n"):]
    assert "files scanned" in tail and "failed                 3" in tail
    assert "Findings by severity" in tail and "Findings by option" in tail and "rocksdb.row_cache_size" in tail


def test_single_file_text_output_is_unchanged_by_the_fleet_path(tmp_path: Path) -> None:
    p = tmp_path / "a.conf"
    p.write_text(conf_text(0))
    r = kv("plan", "--to", TO, "--from", FROM, str(p))
    assert "\nSummary\n" not in r.stdout and r.stdout.rstrip().splitlines()[-1].startswith("1 file(s): 1 to change")


def test_internal_error_on_one_file_is_that_files_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from upgrader import api

    paths = list(make_fleet(tmp_path, 4, bad=False))
    real = api.plan_file

    def flaky(path: str, **kw: object):  # type: ignore[no-untyped-def]
        if path == paths[1]:
            raise RuntimeError("boom requirepass=secret")
        return real(path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(api, "plan_file", flaky)
    recs = list(fleet.run_files(fleet.FleetJob(command="plan", request=Request.build(to=TO, from_=FROM)), paths, jobs=1))
    assert [x["status"] for x in recs] == ["changed", "error", "changed", "unchanged"]
    assert "internal error" in recs[1]["error"] and "secret" not in recs[1]["error"]


def test_worker_pool_memory_is_bounded_by_the_window(tmp_path: Path) -> None:
    """The parent never holds more than the in-flight window: feed an endless-looking generator
    and stop early; only a bounded number of paths was consumed."""
    paths = list(make_fleet(tmp_path, 3, bad=False))
    consumed = 0

    def gen():  # type: ignore[no-untyped-def]
        nonlocal consumed
        for i in range(10_000):
            consumed += 1
            yield paths[i % 3]

    it = fleet.run_files(fleet.FleetJob(command="plan", request=Request.build(to=TO, from_=FROM), with_diff=False), gen(), jobs=2)
    for _ in range(5):
        next(it)
    it.close()
    assert consumed <= 2 * fleet.CHUNK * fleet.WINDOW_PER_WORKER * 2 + fleet.CHUNK
