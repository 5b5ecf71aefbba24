"""The ``kvupgrade`` command line (typer). Only argument handling and printing live here."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__
from .exitcodes import Exit, worst

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # never print locals: they can hold secrets
    help="Plan and apply Apache Kvrocks configuration upgrades.",
)


class Format(str, Enum):
    text = "text"
    json = "json"


def _version_cb(value: bool) -> None:
    if value:
        typer.echo(f"kvupgrade {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_cb(
    version: bool = typer.Option(False, "--version", "-V", callback=_version_cb, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Exit codes: 0 nothing to do, 1 error, 2 usage, 3 changes needed/made, 4 blockers remain."""


FROM = typer.Option("auto", "--from", help="Release the files run now (2.12.1, v2.12.1, 'kvrocks version …'); "
                                           "'auto' infers it from the file.")
TO = typer.Option(..., "--to", help="Release to upgrade to.")
PATHS = typer.Argument(..., help="Config files.")
FMT = typer.Option(Format.text, "--format", "-f", help="Output format.")
UNSAFE = typer.Option(False, "--unsafe-fixes", help="Also apply fixes that need review.")
PIN = typer.Option(False, "--pin-defaults", help="Write the old default for options whose default changes.")
MATRIX = typer.Option(None, "--matrix", help="Use this version matrix instead of the shipped one.")
OVERLAY = typer.Option(None, "--overlay", help="A site's own matrix additions (repeatable).")
KIND = typer.Option(None, "--kind", help="Carrier kind (default: detected from name and content).")
NO_DIFF = typer.Option(False, "--no-diff", help="Leave the diff out of the text output.")


def _matrix(matrix: Optional[Path], overlay: Optional[List[Path]]):  # type: ignore[no-untyped-def]
    from .matrix import MatrixError, load_matrix

    try:
        return load_matrix(matrix, overlay or ())
    except MatrixError as exc:
        _fail(str(exc))


def _fail(msg: str) -> None:
    typer.echo(f"kvupgrade: error: {msg}", err=True)
    raise typer.Exit(int(Exit.ERROR))


def _check_versions(m, to: str, from_: str) -> None:  # type: ignore[no-untyped-def]
    from .versions import VersionError

    try:
        m.resolve(to)
        if from_.strip().lower() != "auto":
            m.resolve(from_)
    except VersionError as exc:
        _fail(str(exc))


def _emit(outcomes, command: str, fmt: Format, m, no_diff: bool = False) -> None:  # type: ignore[no-untyped-def]
    from . import report
    from .report.jsonout import outcome_to_dict, summary

    files = [outcome_to_dict(o, m) for o in outcomes]
    meta = {"tool_version": __version__, "data_version": m.data_version}
    colour = fmt is Format.text and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    mod = report.get(fmt.value)
    if fmt is Format.text:
        sys.stdout.write(mod.render(files, summary(files), command, meta, colour=colour, show_diff=not no_diff))
    else:
        sys.stdout.write(mod.render(files, summary(files), command, meta, colour=colour))
    for f in files:
        if f["status"] == "error":
            typer.echo(f"kvupgrade: error: {f['error']}", err=True)
    raise typer.Exit(int(worst([o.exit for o in outcomes])))


def _settings(unsafe: bool, pin: bool):  # type: ignore[no-untyped-def]
    from .planner import Settings

    return Settings(unsafe_fixes=unsafe, pin_defaults=pin)


@app.command()
def plan(
    paths: List[str] = PATHS, to: str = TO, from_: str = FROM, fmt: Format = FMT,
    unsafe_fixes: bool = UNSAFE, pin_defaults: bool = PIN, no_diff: bool = NO_DIFF,
    kind: Optional[str] = KIND, matrix: Optional[Path] = MATRIX, overlay: Optional[List[Path]] = OVERLAY,
) -> None:
    """Show findings and the diff of the rewrite. Never writes."""
    from .api import plan_file

    m = _matrix(matrix, overlay)
    _check_versions(m, to, from_)
    s = _settings(unsafe_fixes, pin_defaults)
    outcomes = [plan_file(p, to=to, from_=from_, matrix=m, settings=s, kind=kind) for p in paths]
    _emit(outcomes, "plan", fmt, m, no_diff)


@app.command()
def apply(
    paths: List[str] = PATHS, to: str = TO, from_: str = FROM, fmt: Format = FMT,
    unsafe_fixes: bool = UNSAFE, pin_defaults: bool = PIN, no_diff: bool = NO_DIFF,
    no_backup: bool = typer.Option(False, "--no-backup", help="Do not keep a backup copy beside the file."),
    backup_dir: Optional[str] = typer.Option(None, "--backup-dir", help="Put backups here instead."),
    kind: Optional[str] = KIND, matrix: Optional[Path] = MATRIX, overlay: Optional[List[Path]] = OVERLAY,
) -> None:
    """Rewrite the files: atomic, with a backup, idempotent."""
    from .api import apply_file

    m = _matrix(matrix, overlay)
    _check_versions(m, to, from_)
    s = _settings(unsafe_fixes, pin_defaults)
    outcomes = [apply_file(p, to=to, from_=from_, backup=not no_backup, backup_dir=backup_dir, matrix=m,
                           settings=s, kind=kind) for p in paths]
    _emit(outcomes, "apply", fmt, m, no_diff)


@app.command()
def check(
    paths: List[str] = PATHS, to: str = TO, fmt: Format = FMT, kind: Optional[str] = KIND,
    matrix: Optional[Path] = MATRIX, overlay: Optional[List[Path]] = OVERLAY,
) -> None:
    """Will the target accept these files? Checks every key and value, no source version needed."""
    from .api import plan_file

    m = _matrix(matrix, overlay)
    _check_versions(m, to, "auto")
    outcomes = [plan_file(p, to=to, from_=to, matrix=m, kind=kind) for p in paths]
    _emit(outcomes, "check", fmt, m, no_diff=True)


@app.command("matrix")
def matrix_cmd(
    from_: str = typer.Option(..., "--from", help="Release upgraded from."),
    to: str = TO, fmt: Format = FMT,
    matrix: Optional[Path] = MATRIX, overlay: Optional[List[Path]] = OVERLAY,
) -> None:
    """List what changes between two releases."""
    import json

    from .changes import changes_between

    m = _matrix(matrix, overlay)
    _check_versions(m, to, from_)
    data = changes_between(m, m.resolve(from_), m.resolve(to))
    if fmt is Format.json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        from .changes import render_text

        sys.stdout.write(render_text(data))
    raise typer.Exit(0)


def run() -> None:
    try:
        app(prog_name="kvupgrade")
    except Exception as exc:  # never a traceback with locals (secrets) unless asked for
        if os.environ.get("KVUPGRADE_DEBUG"):
            raise
        typer.echo(f"kvupgrade: internal error: {type(exc).__name__} (set KVUPGRADE_DEBUG=1 for a traceback)", err=True)
        raise SystemExit(int(Exit.ERROR)) from None
