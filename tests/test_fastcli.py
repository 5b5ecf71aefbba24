"""The typer-free fast path (upgrader/fastcli.py) must read a command line exactly as typer does,
and hand everything else to typer."""

from __future__ import annotations

import enum
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from upgrader import commands, fastcli

SPEC = json.loads(fastcli.SPEC_FILE.read_text(encoding="utf-8"))


def test_shipped_spec_matches_the_typer_app() -> None:
    assert fastcli.spec_from_app() == SPEC, "run: python -m upgrader.fastcli --write"


@pytest.mark.parametrize("name", sorted(commands.COMMANDS))
def test_command_bodies_take_exactly_the_declared_parameters(name: str) -> None:
    declared = [p["name"] for p in SPEC[name]]
    assert list(inspect.signature(commands.COMMANDS[name]).parameters) == declared


def _norm(v: Any) -> Any:
    if isinstance(v, enum.Enum):
        return v.value
    if isinstance(v, Path):
        return str(v)
    if isinstance(v, (list, tuple)):
        return [_norm(x) for x in v] or None
    return v


def _click_kwargs(argv: list[str]) -> dict[str, Any]:
    import typer.main

    from upgrader import cli

    cmd = typer.main.get_command(cli.app).commands[argv[0]]  # type: ignore[attr-defined]
    ctx = cmd.make_context(argv[0], list(argv[1:]))
    return {k: _norm(v) for k, v in ctx.params.items()}


PLAIN = [
    ["plan", "--to", "2.14.0", "a.conf"],
    ["plan", "a.conf", "--to=2.14.0", "--from", "2.12.1", "b.conf", "-f", "json", "--no-diff"],
    ["plan", "--to", "2.14.0", "-fjsonl", "-j3", "--select", "rename", "--select", "comment_out", "dir/"],
    ["plan", "--to", "2.14.0", "--", "-odd.conf", "--to"],
    ["plan", "--to", "2.13.0", "--to", "2.14.0", "--files-from", "-"],
    ["apply", "--to", "2.14.0", "--backup-dir", "bk", "--unsafe-fixes", "--pin-defaults", "x", "--jobs", "2"],
    ["apply", "--to", "2.14.0", "--no-backup", "--inventory", "inv.yaml", "--overlay", "o1.yaml",
     "--overlay", "o2.yaml", "--matrix", "m.yaml", "--include", "*.conf", "--exclude", "old*", "x"],
    ["check", "--to", "2.14.0", "--kind", "compose", "-f", "sarif", "--no-progress", "x"],
]


@pytest.mark.parametrize("argv", PLAIN, ids=lambda a: " ".join(a))
def test_plain_lines_parse_as_click_parses_them(argv: list[str]) -> None:
    parsed = fastcli.parse(argv, SPEC)
    assert parsed is not None and parsed[0] == argv[0]
    assert {k: _norm(v) for k, v in parsed[1].items()} == _click_kwargs(argv)


@pytest.mark.parametrize("argv", [
    [], ["--help"], ["plan", "--help"], ["plan", "-h", "--to", "2.14.0"], ["rollback", "m.jsonl"],
    ["matrix", "--from", "2.12.0", "--to", "2.14.0"], ["plan", "a.conf"],  # --to missing
    ["plan", "--to", "2.14.0", "-j", "two", "a"], ["plan", "--to", "2.14.0", "-f", "yaml", "a"],
    ["plan", "--to", "2.14.0", "--bogus", "a"], ["plan", "--to"], ["plan", "--to", "2.14.0", "--jobs"],
    ["plan", "--to", "2.14.0", "--no-diff=yes", "a"], ["plan", "--to", "2.14.0", "--from", "-x", "a"],
    ["--version", "plan"],
], ids=lambda a: " ".join(a) or "(none)")
def test_anything_else_is_left_to_typer(argv: list[str]) -> None:
    assert fastcli.parse(argv, SPEC) is None


def test_completion_requests_are_left_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(fastcli.COMPLETE_VAR, "bash_complete")
    assert fastcli.parse(["plan", "--to", "2.14.0", "a"], SPEC) is None


def _run(args: list[str], cwd: Path, fast: bool) -> tuple[int, str, str]:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("KVUPGRADE_NO_FASTPATH", None)
    if not fast:
        env["KVUPGRADE_NO_FASTPATH"] = "1"
    r = subprocess.run([sys.executable, "-m", "upgrader", *args], cwd=cwd, capture_output=True, text=True,
                       env=env, timeout=60)
    return r.returncode, r.stdout, r.stderr


@pytest.mark.parametrize("args", [
    ["plan", "--from", "2.12.1", "--to", "2.14.0", "n.conf"],
    ["plan", "--to", "2.14.0", "-f", "json", "n.conf", "missing.conf"],
    ["check", "--to", "2.14.0", "n.conf"],
    ["plan", "--to", "9.9.9", "n.conf"],  # unknown version: the body's error
    ["plan", "--to", "2.14.0", "--select", "nope", "n.conf"],  # usage error raised by the body
    ["apply", "--to", "2.14.0", "--no-backup", "--backup-dir", "bk", "n.conf"],
    ["plan", "--to", "2.14.0"],  # no paths
    ["plan", "--to", "2.14.0", "-j", "0", "n.conf"],
], ids=lambda a: " ".join(a))
def test_fast_and_typer_paths_give_the_same_result(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "n.conf").write_text("port 6666\nrocksdb.row_cache_size 512\nrequirepass s3cr3t-value\n")
    fast = _run(args, tmp_path, fast=True)
    slow = _run(args, tmp_path, fast=False)
    assert fast == slow
    assert "s3cr3t-value" not in "".join(map(str, fast))


def test_apply_through_the_fast_path_writes_like_typer(tmp_path: Path) -> None:
    for name, fast in (("a", True), ("b", False)):
        d = tmp_path / name
        d.mkdir()
        (d / "n.conf").write_text("port 6666\nrocksdb.row_cache_size 512\n")
        code, out, _ = _run(["apply", "--from", "2.12.1", "--to", "2.14.0", "n.conf"], d, fast)
        assert code == 3 and out
    assert (tmp_path / "a" / "n.conf").read_bytes() == (tmp_path / "b" / "n.conf").read_bytes()
    def names(d: Path) -> list[str]:  # backups carry a timestamp: compare their shape
        return sorted(re.sub(r"\.\d{8}T\d{6}\.", ".<stamp>.", p.name) for p in d.iterdir())

    assert names(tmp_path / "a") == names(tmp_path / "b") == ["n.conf", "n.conf.<stamp>.kvupgrade.bak"]


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "typer"])
def test_a_closed_pipe_is_a_quiet_exit_1(tmp_path: Path, fast: bool) -> None:
    for i in range(60):  # enough output that the reader leaves before the writer is done
        (tmp_path / f"n{i:02}.conf").write_text("port 6666\nrocksdb.row_cache_size 512\n" * 20)
    env = {**os.environ, "NO_COLOR": "1", **({} if fast else {"KVUPGRADE_NO_FASTPATH": "1"})}
    if fast:
        env.pop("KVUPGRADE_NO_FASTPATH", None)
    p = subprocess.Popen([sys.executable, "-m", "upgrader", "plan", "--from", "2.12.1", "--to", "2.14.0", "-j", "1",
                          str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert p.stdout is not None and p.stderr is not None
    p.stdout.readline()
    p.stdout.close()  # like `| head -1`
    err = p.stderr.read().decode()
    assert p.wait(timeout=60) == 1
    assert err == ""
