"""The bodies of ``plan``, ``apply`` and ``check``, free of typer.

``cli.py`` declares the options (typer) and calls these with the parsed arguments. Each returns
the exit code. A usage problem raises ``Usage`` before anything is read or written, so cli.py
can report it as click's usage error (exit 2).
"""

from __future__ import annotations

import os
import sys
from typing import Any, List, Optional

from . import __version__
from .exitcodes import Exit


class Usage(Exception):
    """A bad combination of arguments (click prints it as a usage error, exit 2)."""

    def __init__(self, message: str, param_hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.param_hint = param_hint


def closed_pipe() -> None:
    """stdout's reader went away (``kvupgrade plan … | head``): not an error of ours. Point stdout
    at /dev/null so the interpreter's final flush does not fail again, and exit 1 quietly."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(int(Exit.ERROR))


def fail(msg: str) -> None:
    from .report.escape import visible  # the message can quote a file name or a config value

    sys.stderr.write(f"kvupgrade: error: {visible(msg)}\n")
    raise SystemExit(int(Exit.ERROR))


def load(matrix: Any, overlay: Optional[List[Any]]):  # type: ignore[no-untyped-def]
    from .matrix import MatrixError, load_matrix

    try:
        return load_matrix(matrix, overlay or ())
    except MatrixError as exc:
        fail(str(exc))


def check_versions(m, to: str, from_: str) -> None:  # type: ignore[no-untyped-def]
    """An unknown release is an error (exit 1, listing the known ones); something that is not a
    version at all is a usage error (exit 2), like any other malformed argument."""
    build_request(m, to=to, from_=from_)


def build_request(m, *, to: str, from_: Optional[str], settings=None,  # type: ignore[no-untyped-def]
                  kind: Optional[str] = None, check: bool = False, carrier=None):
    """The run's one Request (``check``: planned from the target itself), with a bad version
    reported as the option's error: unknown -> exit 1, not a version at all -> usage error."""
    from .request import Request
    from .versions import MalformedVersion, VersionError

    try:
        if check:
            return Request.check(to=to, matrix=m, settings=settings, kind=kind)
        return Request.build(to=to, from_=from_, matrix=m, settings=settings, kind=kind, carrier=carrier)
    except MalformedVersion as exc:
        from .report.escape import visible

        raise Usage(visible(str(exc)), f"--{getattr(exc, 'argument', 'to')}") from None
    except VersionError as exc:
        fail(str(exc))


def settings(unsafe: bool, pin: bool, select: Optional[List[str]] = None,  # type: ignore[no-untyped-def]
             ignore: Optional[List[str]] = None):
    from .registry import load_transforms
    from .settings import Settings

    known = load_transforms()
    for opt, names in (("--select", select), ("--ignore", ignore)):
        unknown = sorted(set(names or ()) - set(known))
        if unknown:
            raise Usage(f"unknown transform(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}", opt)
    return Settings(unsafe_fixes=unsafe, pin_defaults=pin, select=frozenset(select or ()),
                    ignore=frozenset(ignore or ()))


def fleet_command(command: str, paths: Optional[List[str]], *, to: str, from_: Optional[str], fmt: Any, no_diff: bool,
                  kind: Optional[str], matrix: Any, overlay: Optional[List[Any]], include: Optional[List[str]],
                  exclude: Optional[List[str]], files_from: Optional[str], inventory: Any, jobs: Optional[int],
                  no_progress: bool, settings=None, backup: bool = True,  # type: ignore[no-untyped-def]
                  backup_dir: Optional[str] = None, manifest: Optional[str] = None,
                  judge_bin: Optional[str] = None, allow_mismatch: bool = False,
                  live: Optional[dict[str, Any]] = None, set_image: bool = False) -> int:
    """Shared body of plan/apply/check: any mix of files and directories, in parallel, streamed."""
    from . import fleet
    from .errors import KvUpgradeError

    fmt = getattr(fmt, "value", fmt)  # typer passes the Format enum; library callers may pass its value
    if not paths and files_from is None:
        raise Usage("give config files or directories, or --files-from", "PATHS")
    if jobs is not None and jobs < 1:
        raise Usage("must be at least 1", "--jobs")
    m = load(matrix, overlay)
    from .settings import CarrierOptions

    request = build_request(m, to=to, from_=from_, settings=settings, kind=kind, check=command == "check",
                            carrier=CarrierOptions(set_image=set_image))
    spec = None
    if judge_bin is not None:
        spec, request = judge_for(judge_bin, request, allow_mismatch=allow_mismatch,
                                  what="old" if command == "check" else "new")
    elif allow_mismatch:
        raise Usage("needs --kvrocks-bin (check) or --verify-with (plan, apply)", "--allow-version-mismatch")
    job = fleet.FleetJob(command=command, request=request, judge=spec, live=live_spec(live),
                         # check never shows a diff in text, but its JSON keeps the field as before
                         with_diff=not no_diff if command != "check" else fmt != "text",
                         backup=backup, backup_dir=backup_dir)
    try:
        if inventory is not None:
            job.inventory = fleet.Inventory.load(str(inventory))
            job.inventory.validate(m.resolve)  # each entry's release resolved once, here
            if job.live is not None and job.live.target is None and not job.inventory.has_nodes:
                raise Usage("the inventory names no node (a 'node' key or third CSV column)", "--live")
        elif job.live is not None and job.live.target is None:
            raise Usage("--live @inventory needs --inventory", "--live")
        if manifest is None and backup_dir is not None:
            from .manifest import manifest_path

            manifest = manifest_path(backup_dir)
        if manifest is not None and command == "apply":
            from .manifest import Journal, new_run_id

            job.run_id = new_run_id()
            job.manifest = os.path.abspath(manifest)
            job.backup_dir = os.path.abspath(backup_dir) if backup_dir else None
            journal = Journal(job.manifest, job.run_id)
            journal.start(command, __version__, to, {"from": from_})
            journal.close()
        explicit = list(paths or [])
        total = len(explicit) if files_from is None and not any(os.path.isdir(p) for p in explicit) else None
        inputs = fleet.iter_inputs(explicit, files_from=files_from, include=tuple(include or ()),
                                   exclude=tuple(exclude or ()), kind=kind,
                                   prune=[backup_dir] if backup_dir else [])
    except KvUpgradeError as exc:
        fail(exc.render())
    meta = {"tool_version": __version__, "data_version": m.data_version}
    res = fleet.run(job, inputs, fmt=fmt, jobs=jobs or fleet.default_jobs(), meta=meta,
                    show_diff=not no_diff, progress=not no_progress, total=total)
    return int(res.exit)


def judge_for(binary: str, request: Any, *, allow_mismatch: bool, what: str) -> tuple[Any, Any]:
    """The run's real-server judge (binary checked, its version read and matched with --to once,
    its build features learnt) and the request with those features; exit 1 when it cannot judge."""
    from .errors import KvUpgradeError
    from .fleet.judging import prepare

    try:
        return prepare(binary, request, allow_mismatch=allow_mismatch, what=what)
    except KvUpgradeError as exc:
        fail(exc.render() + ("" if allow_mismatch or "not " not in exc.message else
                             " (--allow-version-mismatch to judge with it anyway)"))
    raise AssertionError("unreachable")


def live_spec(opts: Optional[dict[str, Any]]) -> Any:
    """The run's live options (``--live`` and its connection options), read once: the node address
    parsed (a usage error when malformed or carrying a password), the password read from
    --password-file or KVUPGRADE_PASSWORD (exit 1 when unreadable)."""
    if opts is None or opts.get("live") is None:
        return None
    from .errors import KvUpgradeError
    from .fleet.liveread import FROM_INVENTORY, LiveSpec
    from .live import LiveUsageError, TLSOptions, parse_target, read_password

    for name in ("connect_timeout", "timeout"):
        if opts[name] <= 0:
            raise Usage("must be more than 0 seconds", "--" + name.replace("_", "-"))
    try:
        target = None if opts["live"] == FROM_INVENTORY else parse_target(opts["live"])
    except LiveUsageError as exc:
        raise Usage(exc.message, "--live") from None
    try:
        password = read_password(opts["password_file"])
    except KvUpgradeError as exc:
        fail(exc.render())
    tls = TLSOptions(enabled=opts["tls"] or bool(target and target.tls), cacert=opts["cacert"],
                     cacertdir=opts["cacertdir"], cert=opts["cert"], key=opts["key"], insecure=opts["insecure"])
    return LiveSpec(target, password, tls, opts["connect_timeout"], opts["timeout"])


LIVE_KEYS = ("live", "password_file", "tls", "cacert", "cacertdir", "cert", "key", "insecure", "connect_timeout",
             "timeout")


# One function per command, taking exactly the parameters cli.py declares for it.

def plan(*, paths: Optional[List[str]], to: str, from_: str, fmt: Any, unsafe_fixes: bool, pin_defaults: bool,
         no_diff: bool, kind: Optional[str], matrix: Any, overlay: Optional[List[Any]],
         include: Optional[List[str]], exclude: Optional[List[str]], files_from: Optional[str], inventory: Any,
         jobs: Optional[int], no_progress: bool, select: Optional[List[str]], ignore: Optional[List[str]],
         set_image: bool = False, verify_with: Optional[str] = None, allow_version_mismatch: bool = False,
         **live: Any) -> int:
    return fleet_command("plan", paths, to=to, from_=from_, fmt=fmt, no_diff=no_diff, kind=kind, matrix=matrix,
                         overlay=overlay, include=include, exclude=exclude, files_from=files_from,
                         inventory=inventory, jobs=jobs, no_progress=no_progress,
                         settings=settings(unsafe_fixes, pin_defaults, select, ignore),
                         judge_bin=verify_with, allow_mismatch=allow_version_mismatch, live=live or None,
                         set_image=set_image)


def apply(*, paths: Optional[List[str]], to: str, from_: str, fmt: Any, unsafe_fixes: bool, pin_defaults: bool,
          no_diff: bool, no_backup: bool, backup_dir: Optional[str], manifest: Optional[str], kind: Optional[str],
          matrix: Any, overlay: Optional[List[Any]], include: Optional[List[str]], exclude: Optional[List[str]],
          files_from: Optional[str], inventory: Any, jobs: Optional[int], no_progress: bool,
          select: Optional[List[str]], ignore: Optional[List[str]], set_image: bool = False,
          verify_with: Optional[str] = None, allow_version_mismatch: bool = False) -> int:
    if no_backup and (backup_dir or manifest):
        raise Usage("--no-backup cannot be combined with --backup-dir or --manifest (rollback needs the backups)",
                    "--no-backup")
    return fleet_command("apply", paths, to=to, from_=from_, fmt=fmt, no_diff=no_diff, kind=kind, matrix=matrix,
                         overlay=overlay, include=include, exclude=exclude, files_from=files_from,
                         inventory=inventory, jobs=jobs, no_progress=no_progress,
                         settings=settings(unsafe_fixes, pin_defaults, select, ignore),
                         backup=not no_backup, backup_dir=backup_dir, manifest=manifest,
                         judge_bin=verify_with, allow_mismatch=allow_version_mismatch, set_image=set_image)


def check(*, paths: Optional[List[str]], to: str, fmt: Any, kind: Optional[str], matrix: Any,
          overlay: Optional[List[Any]], include: Optional[List[str]], exclude: Optional[List[str]],
          files_from: Optional[str], jobs: Optional[int], no_progress: bool, kvrocks_bin: Optional[str] = None,
          allow_version_mismatch: bool = False) -> int:
    # Planned from the target itself (Request.check): no hops, so only the target's own rules apply.
    return fleet_command("check", paths, to=to, from_=None, fmt=fmt, no_diff=True, kind=kind, matrix=matrix,
                         overlay=overlay, include=include, exclude=exclude, files_from=files_from, inventory=None,
                         jobs=jobs, no_progress=no_progress, judge_bin=kvrocks_bin,
                         allow_mismatch=allow_version_mismatch)



def verify(*, paths: Optional[List[str]], to: str, fmt: Any, matrix: Any, overlay: Optional[List[Any]],
           inventory: Any, jobs: Optional[int], no_progress: bool, kind: Optional[str] = None, **live: Any) -> int:
    """After the restart on the new binary: the node runs ``to`` and reads every setting back."""
    if live.get("live") is None:
        raise Usage("verify reads a node: give --live NODE (or --live @inventory)", "--live")
    return fleet_command("verify", paths, to=to, from_=None, fmt=fmt, no_diff=True, kind=kind, matrix=matrix,
                         overlay=overlay, include=None, exclude=None, files_from=None, inventory=inventory,
                         jobs=jobs, no_progress=no_progress, live=live)
