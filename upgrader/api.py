"""The library entry points: plan text, plan a file, apply to a file.

``plan_text`` is pure. ``plan_file`` reads; ``apply_file`` reads, plans, backs up and
writes atomically under a per-file lock. Each file call returns an ``Outcome`` and
never raises for a bad file: errors are data, so one bad file cannot stop a fleet.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

from .confmodel import ConfigSyntaxError
from .errors import KvUpgradeError, NoKvrocksContent
from .exitcodes import Exit
from .fileio import Source, atomic_replace, check_content, locked, read_source, resolve, sweep_temps, write_backup
from .carriers import plan_any, resolve_kind  # kind=None detects conf or a carrier (docs/CARRIERS.md)
from .findings import Plan
from .matrix import Matrix, MatrixError
from .planner import PlanError, Settings, plan_text
from .versions import Release, VersionError


@dataclass
class Outcome:
    path: str
    plan: Optional[Plan] = None
    error: Optional[str] = None
    error_line: Optional[int] = None
    written: bool = False
    backup: Optional[str] = None
    extra: dict[str, Any] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list, repr=False)  # values an error record must mask
    # the error is NoKvrocksContent: the file holds nothing Kvrocks reads (a walk skips it, see errors.py)
    no_content: bool = False

    @property
    def exit(self) -> Exit:
        if self.error is not None:
            return Exit.ERROR
        assert self.plan is not None
        if self.plan.blockers:
            return Exit.BLOCKED
        return Exit.CHANGES if self.plan.needs_action else Exit.OK


def plan_source_text(text: str, *, to: Union[str, Release], from_: Union[str, Release, None] = None,
                     path: Optional[str] = None, matrix: Optional[Matrix] = None,
                     settings: Optional[Settings] = None, kind: Optional[str] = None) -> Plan:
    """Plan text of any carrier kind (``kind`` None detects it from ``path`` and content), with the
    input checks a file gets (binary, empty, too large). For callers that read the file themselves,
    such as the Ansible action plugin. Raises on bad input."""
    from .confmodel import encode

    check_content(encode(text), path or "<text>")
    return _plan_kind(text, kind, path=path or "<text>", to=to, from_=from_, matrix=matrix, settings=settings)


def _plan_errors(path: str, fn: Callable[[list[str]], Outcome], matrix: Optional[Matrix] = None) -> Outcome:
    """``fn(read)`` appends the text it read to ``read``; an error found after that may quote the
    file (a YAML parser quotes the offending token), so its record masks what the text holds."""
    read: list[str] = []
    try:
        return fn(read)
    except ConfigSyntaxError as exc:
        out = Outcome(path, error=f"{path}:{exc.lineno}: malformed line, Kvrocks would not start: {exc.message}",
                      error_line=exc.lineno)
    except KvUpgradeError as exc:
        out = Outcome(path, error=exc.render(), error_line=exc.line, no_content=isinstance(exc, NoKvrocksContent))
    except (VersionError, PlanError, MatrixError) as exc:
        out = Outcome(path, error=f"{path}: {exc}")
    if read:
        from .matrix import load_matrix
        from .secretscan import scan

        out.secrets = sorted(scan(matrix or load_matrix(), read[0]), key=len, reverse=True)
    return out


def _plan_kind(text: str, kind: Optional[str], *, path: str, **kw: Any) -> Plan:
    """A kvrocks.conf goes to the conf planner as before; any other carrier to upgrader.carriers."""
    k = resolve_kind(kind, path, text)
    if k == "conf":
        return plan_text(text, path=path, **kw)
    return plan_any(text, kind=k, path=path, **kw)


def plan_file(path: str, *, to: Union[str, Release], from_: Union[str, Release, None] = None,
              matrix: Optional[Matrix] = None, settings: Optional[Settings] = None,
              kind: Optional[str] = None) -> Outcome:
    def run(read: list[str]) -> Outcome:
        src = read_source(path)
        read.append(src.text)
        return Outcome(path, plan=_plan_kind(src.text, kind, to=to, from_=from_, path=path, matrix=matrix,
                                             settings=settings))

    return _plan_errors(path, run, matrix)


def apply_file(path: str, *, to: Union[str, Release], from_: Union[str, Release, None] = None,
               backup: bool = True, backup_dir: Optional[str] = None, matrix: Optional[Matrix] = None,
               settings: Optional[Settings] = None, lock_timeout: float = 30.0,
               kind: Optional[str] = None,
               before_replace: Optional[Callable[[Source, str, Optional[str]], None]] = None) -> Outcome:
    """Plan and write. Idempotent: a second call finds nothing to change and writes nothing.

    ``before_replace(source, new_text, backup_path)`` runs under the lock after the backup and
    before the file is replaced (the fleet's rollback manifest); if it raises, nothing is written.
    """

    def run(read: list[str]) -> Outcome:
        real = resolve(path)
        sweep_temps(os.path.dirname(real))  # temp files of a killed run on this directory
        with locked(real, lock_timeout):
            src = read_source(path)  # read under the lock: another run may have just finished
            read.append(src.text)
            plan = _plan_kind(src.text, kind, to=to, from_=from_, path=path, matrix=matrix, settings=settings)
            out = Outcome(path, plan=plan)
            if not plan.changed:
                return out
            if backup:
                out.backup = write_backup(src, backup_dir)
            if before_replace is not None:
                before_replace(src, plan.new_text, out.backup)
            atomic_replace(src, plan.new_text)
            out.written = True
            return out

    return _plan_errors(path, run, matrix)
