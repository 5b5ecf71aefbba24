"""The ``kvupgrade`` command line (typer), its one parser. Only argument handling and printing live
here; the command bodies are in upgrader/commands.py. Everything past typer is imported inside
the command that needs it, so ``--help`` or a usage error does not load the planner."""

# No `from __future__ import annotations` here: typer reads every command's annotations on each
# run, and string annotations would be eval'd one by one (about 4 ms of a single-file plan).

import os
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional, Sequence

import typer

from . import __version__, commands
from .exitcodes import Exit
from .report import FORMATS

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # never print locals: they can hold secrets
    help="Plan and apply Apache Kvrocks configuration upgrades.",
)


# The --format choices are the registered output formats (report.FORMATS: a cheap import, the
# format modules themselves load only when used).
Format = Enum("Format", {name: name for name in FORMATS}, type=str)  # type: ignore[misc]


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
PATHS = typer.Argument(None, help="Config files and directories (walked recursively), or none with --files-from.",
                       show_default=False)
FMT = typer.Option(Format.text, "--format", "-f", help="Output format.")
UNSAFE = typer.Option(False, "--unsafe-fixes", help="Also apply fixes that need review.")
PIN = typer.Option(False, "--pin-defaults", help="Write the old default for options whose default changes.")
MATRIX = typer.Option(None, "--matrix", help="Use this version matrix instead of the shipped one.")
OVERLAY = typer.Option(None, "--overlay", help="A site's own matrix additions (repeatable).")
def _kind_cb(value: Optional[str]) -> Optional[str]:
    """An unknown --kind is a usage error before any file is read (not one error per file)."""
    if value is None:
        return None
    from .carriers.detect import KINDS  # the list's one owner; imported only when --kind is given

    if value not in KINDS:
        raise typer.BadParameter(f"unknown carrier kind {value!r}; known kinds: {', '.join(KINDS)}")
    return value


KIND = typer.Option(None, "--kind", callback=_kind_cb, help="Carrier kind (default: detected from name and content;"
                                                             " the kinds are in docs/CARRIERS.md).")
NO_DIFF = typer.Option(False, "--no-diff", help="Leave the diff out of the output (text, and the 'diff' field of"
                                                 " json/jsonl; faster on large fleets).")
INCLUDE = typer.Option(None, "--include", help="Glob of files a directory walk takes (repeatable; default *.conf and"
                                               " the detected carriers). No '/': matches the name; with '/': the path"
                                               " relative to the directory.")
EXCLUDE = typer.Option(None, "--exclude", help="Glob of files or directories a walk skips (repeatable; hidden files and"
                                               " kvupgrade's backups are always skipped).")
FILES_FROM = typer.Option(None, "--files-from", help="Read more paths from this file, one per line ('-': stdin).")
INVENTORY = typer.Option(None, "--inventory", help="YAML or CSV mapping paths or globs to source versions; files it"
                                                   " does not list use --from.")
JOBS = typer.Option(None, "--jobs", "-j", help="Worker processes (default: the CPUs this process may use).",
                    show_default=False)
SELECT = typer.Option(None, "--select", help="Run only these transforms (repeatable; names in docs/TRANSFORMS.md).")
IGNORE = typer.Option(None, "--ignore", help="Skip these transforms (repeatable).")
VERIFY_WITH = typer.Option(None, "--verify-with", help="Start this kvrocks binary on a sandboxed copy of each"
                                                        " rewritten file and report what it printed (apply: a file"
                                                        " it refuses is not written).", show_default=False)
MISMATCH = typer.Option(False, "--allow-version-mismatch", help="Judge with a binary that is not the --to release.")
SET_IMAGE = typer.Option(False, "--set-image", help="Also rewrite the Kvrocks image tag (Compose, Kubernetes, Helm,"
                                                     " operator) to the target release, in the same edit.")
NO_PROGRESS = typer.Option(False, "--no-progress", help="No progress line (it is shown only when stderr is a terminal).")


LIVE = typer.Option(None, "--live", help="Read this node (HOST:PORT, redis://…, rediss://…; '@inventory': each file's"
                                          " inventory 'node'): plan from the release it runs and show the drift.",
                    show_default=False)
PASSWORD_FILE = typer.Option(None, "--password-file", help="The node's password: this file's first line (else the"
                                                            " KVUPGRADE_PASSWORD environment variable).",
                             show_default=False)
TLS = typer.Option(False, "--tls", help="Connect with TLS.")
CACERT = typer.Option(None, "--cacert", help="CA certificate file to verify the node.", show_default=False)
CACERTDIR = typer.Option(None, "--cacertdir", help="Directory of CA certificates.", show_default=False)
CERT = typer.Option(None, "--cert", help="Client certificate (TLS).", show_default=False)
KEY = typer.Option(None, "--key", help="Client private key (TLS).", show_default=False)
INSECURE = typer.Option(False, "--insecure", help="TLS without certificate or host-name checks.")
CONNECT_TIMEOUT = typer.Option(3.0, "--connect-timeout", help="Seconds to connect to a node.")
TIMEOUT = typer.Option(5.0, "--timeout", help="Seconds for each reply of a node.")


def _run(fn, params: dict) -> None:  # type: ignore[no-untyped-def]
    """Call a typer-free command body (upgrader/commands.py) and turn its outcome into click's."""
    try:
        code = fn(**params)
    except commands.Usage as exc:
        raise typer.BadParameter(exc.message, param_hint=exc.param_hint) from None
    raise typer.Exit(code)


@app.command()
def plan(
    paths: Optional[List[str]] = PATHS, to: str = TO, from_: str = FROM, fmt: Format = FMT,
    unsafe_fixes: bool = UNSAFE, pin_defaults: bool = PIN, no_diff: bool = NO_DIFF,
    kind: Optional[str] = KIND, matrix: Optional[Path] = MATRIX, overlay: Optional[List[Path]] = OVERLAY,
    include: Optional[List[str]] = INCLUDE, exclude: Optional[List[str]] = EXCLUDE,
    files_from: Optional[str] = FILES_FROM, inventory: Optional[Path] = INVENTORY,
    jobs: Optional[int] = JOBS, no_progress: bool = NO_PROGRESS,
    select: Optional[List[str]] = SELECT, ignore: Optional[List[str]] = IGNORE, set_image: bool = SET_IMAGE,
    verify_with: Optional[str] = VERIFY_WITH, allow_version_mismatch: bool = MISMATCH,
    live: Optional[str] = LIVE, password_file: Optional[str] = PASSWORD_FILE, tls: bool = TLS,
    cacert: Optional[str] = CACERT, cacertdir: Optional[str] = CACERTDIR, cert: Optional[str] = CERT,
    key: Optional[str] = KEY, insecure: bool = INSECURE, connect_timeout: float = CONNECT_TIMEOUT,
    timeout: float = TIMEOUT,
) -> None:
    """Show findings and the diff of the rewrite. Never writes."""
    _run(commands.plan, locals())


@app.command()
def apply(
    paths: Optional[List[str]] = PATHS, to: str = TO, from_: str = FROM, fmt: Format = FMT,
    unsafe_fixes: bool = UNSAFE, pin_defaults: bool = PIN, no_diff: bool = NO_DIFF,
    no_backup: bool = typer.Option(False, "--no-backup", help="Do not keep a backup copy beside the file."),
    backup_dir: Optional[str] = typer.Option(
        None, "--backup-dir", help="Put backups here (under <run id>/<the file's directory>) and record them in"
                                   " DIR/manifest.jsonl for `kvupgrade rollback`."),
    manifest: Optional[str] = typer.Option(
        None, "--manifest", help="Record the run for `kvupgrade rollback` in this file (default with --backup-dir:"
                                 " DIR/manifest.jsonl)."),
    kind: Optional[str] = KIND, matrix: Optional[Path] = MATRIX, overlay: Optional[List[Path]] = OVERLAY,
    include: Optional[List[str]] = INCLUDE, exclude: Optional[List[str]] = EXCLUDE,
    files_from: Optional[str] = FILES_FROM, inventory: Optional[Path] = INVENTORY,
    jobs: Optional[int] = JOBS, no_progress: bool = NO_PROGRESS,
    select: Optional[List[str]] = SELECT, ignore: Optional[List[str]] = IGNORE, set_image: bool = SET_IMAGE,
    verify_with: Optional[str] = VERIFY_WITH, allow_version_mismatch: bool = MISMATCH,
) -> None:
    """Rewrite the files: atomic, with a backup, idempotent."""
    _run(commands.apply, locals())


@app.command()
def check(
    paths: Optional[List[str]] = PATHS, to: str = TO, fmt: Format = FMT, kind: Optional[str] = KIND,
    matrix: Optional[Path] = MATRIX, overlay: Optional[List[Path]] = OVERLAY,
    include: Optional[List[str]] = INCLUDE, exclude: Optional[List[str]] = EXCLUDE,
    files_from: Optional[str] = FILES_FROM, jobs: Optional[int] = JOBS, no_progress: bool = NO_PROGRESS,
    kvrocks_bin: Optional[str] = typer.Option(None, "--kvrocks-bin", help="Also start this kvrocks binary on a"
                                              " sandboxed copy of each file and report every warning or error it"
                                              " prints.", show_default=False),
    allow_version_mismatch: bool = MISMATCH,
) -> None:
    """Will the target accept these files? Checks every key and value, no source version needed."""
    _run(commands.check, locals())


@app.command()
def verify(
    paths: Optional[List[str]] = PATHS, to: str = TO, fmt: Format = FMT, kind: Optional[str] = KIND,
    matrix: Optional[Path] = MATRIX, overlay: Optional[List[Path]] = OVERLAY, inventory: Optional[Path] = INVENTORY,
    jobs: Optional[int] = JOBS, no_progress: bool = NO_PROGRESS,
    live: Optional[str] = LIVE, password_file: Optional[str] = PASSWORD_FILE, tls: bool = TLS,
    cacert: Optional[str] = CACERT, cacertdir: Optional[str] = CACERTDIR, cert: Optional[str] = CERT,
    key: Optional[str] = KEY, insecure: bool = INSECURE, connect_timeout: float = CONNECT_TIMEOUT,
    timeout: float = TIMEOUT,
) -> None:
    """After the restart on the new binary: does the node run --to, and read every setting of the
    file back? Exit 0 verified, 3 a setting differs or is ignored, 4 the node does not run --to."""
    _run(commands.verify, locals())


@app.command()
def rollback(
    manifest: str = typer.Argument(..., help="The manifest of an apply run (DIR/manifest.jsonl), or its backup DIR."),
    force: bool = typer.Option(False, "--force", help="Restore files changed since the run too (their edits are lost)."),
    run_id: Optional[str] = typer.Option(None, "--run", help="Undo only this run of the manifest (default: all, newest"
                                                             " first)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would be restored; write nothing."),
    fmt: Format = FMT,
) -> None:
    """Restore every file an apply run touched from its backups. Refuses, per file, a file changed
    since the run (neither its content before nor after it) unless --force. Exit 0 when every file
    is back (or was never changed), 1 otherwise."""
    from .errors import KvUpgradeError
    from .manifest import read_manifest
    from .manifest import rollback as do_rollback
    from .report.rollback import FORMATS as ROLLBACK_FORMATS
    from .report.rollback import rollback_writer

    if fmt.value not in ROLLBACK_FORMATS:
        raise typer.BadParameter("rollback reports in text, json or jsonl", param_hint="--format")
    try:
        man = read_manifest(manifest)
    except KvUpgradeError as exc:
        commands.fail(exc.render())
    if run_id is not None and not any(r.get("run_id") == run_id for r in man.runs):
        commands.fail(f"{man.path}: no run {run_id!r} (runs: {', '.join(r.get('run_id', '?') for r in man.runs) or 'none'})")
    for p in man.problems:
        typer.echo(f"kvupgrade: warning: {p}", err=True)
    counts = {"restored": 0, "unchanged": 0, "refused": 0, "error": 0}
    writer = rollback_writer(fmt.value, sys.stdout)
    writer.begin({"tool_version": __version__, "manifest": man.path})
    for r in do_rollback(man, force=force, run_id=run_id, dry_run=dry_run):
        counts[r.status] += 1
        writer.file(r.to_dict())  # text leaves a failed file out: it is said once, on stderr, here
        if not r.ok:
            typer.echo(f"kvupgrade: error: {r.path}: {r.status}: {r.message}", err=True)
    writer.end({"files": sum(counts.values()), **counts, "dry_run": dry_run})
    raise typer.Exit(int(Exit.ERROR) if counts["refused"] or counts["error"] else int(Exit.OK))


@app.command("matrix")
def matrix_cmd(
    from_: str = typer.Option(..., "--from", help="Release upgraded from."),
    to: str = TO, fmt: Format = FMT,
    matrix: Optional[Path] = MATRIX, overlay: Optional[List[Path]] = OVERLAY,
) -> None:
    """List what changes between two releases."""
    from .changes import changes_between
    from .report.changes import changes_writer

    m = commands.load(matrix, overlay)
    commands.check_versions(m, to, from_)
    data = changes_between(m, m.resolve(from_), m.resolve(to))
    writer = changes_writer(fmt.value, sys.stdout)
    writer.begin({k: v for k, v in data.items() if k != "releases"})
    for release in data["releases"]:
        writer.file(release)
    writer.end({})
    raise typer.Exit(0)


def run(argv: Optional[Sequence[str]] = None) -> None:
    """Run the command line (``argv`` defaults to sys.argv[1:]); always ends in SystemExit."""
    try:
        app(args=list(argv) if argv is not None else None, prog_name="kvupgrade")
    except BrokenPipeError:  # a closed pipe met outside click's own EPIPE guard
        commands.closed_pipe()
    except Exception as exc:  # never a traceback with locals (secrets) unless asked for
        if os.environ.get("KVUPGRADE_DEBUG"):
            raise
        typer.echo(f"kvupgrade: internal error: {type(exc).__name__} (set KVUPGRADE_DEBUG=1 for a traceback)", err=True)
        raise SystemExit(int(Exit.ERROR)) from None
