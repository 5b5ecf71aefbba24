"""The library entry points: plan text, plan a file, apply to a file.

``plan_text`` is pure. ``plan_file`` reads; ``apply_file`` reads, plans, backs up and
writes atomically under a per-file lock. Each file call returns an ``Outcome`` and
never raises for a bad file: errors are data, so one bad file cannot stop a fleet.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from .confmodel import ConfigSyntaxError
from .errors import KvUpgradeError, NoKvrocksContent
from .exitcodes import Exit
from .fileio import Source, atomic_replace, check_content, locked, read_source, resolve, sweep_temps, write_backup
from .carriers import plan_any  # the one dispatcher: kind None detects conf or a carrier (docs/CARRIERS.md)
from .findings import Plan
from .matrix import Matrix, MatrixError
from .planner import PlanError
from .request import Request, UnknownKind
from .settings import Settings
from .versions import Release, VersionError

if TYPE_CHECKING:  # pragma: no cover
    from .redact import Redactor


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


Version = Union[str, Release]


def _request(request: Optional[Request], to: Optional[Version], from_: Optional[Version], matrix: Optional[Matrix],
             settings: Optional[Settings], kind: Optional[str]) -> Request:
    """The request a keyword call describes, or the one given (then no keyword may say otherwise)."""
    if request is None:
        if to is None:
            raise TypeError("give to= (the target release) or request=")
        return Request.build(to=to, from_=from_, matrix=matrix, settings=settings, kind=kind)
    if any(v is not None for v in (to, from_, matrix, settings, kind)):
        raise TypeError("request= already holds to, from_, matrix, settings and kind; give one or the other")
    return request


def plan_source_text(text: str, *, to: Optional[Version] = None, from_: Optional[Version] = None,
                     path: Optional[str] = None, matrix: Optional[Matrix] = None,
                     settings: Optional[Settings] = None, kind: Optional[str] = None,
                     request: Optional[Request] = None) -> Plan:
    """Plan text of any carrier kind (``kind`` None detects it from ``path`` and content), with the
    input checks a file gets (binary, empty, too large). For callers that read the file themselves.
    Raises on bad input."""
    from .confmodel import encode

    req = _request(request, to, from_, matrix, settings, kind)
    check_content(encode(text), path or "<text>")
    return plan_any(text, req, path or "<text>")


def plan_request(text: str, request: Request, path: Optional[str] = None) -> Plan:
    """Plan one text of any carrier kind for a request built once (``Request.build``); pure."""
    return plan_any(text, request, path)


def secrets_in(text: str, matrix: Optional[Matrix] = None) -> list[str]:
    """Every secret value a text holds, in any carrier's form, longest first: for masking what is
    said about a file the library could not plan (``Outcome.secrets`` holds them for a file it read)."""
    from .matrix import load_matrix
    from .secretscan import scan

    return sorted(scan(matrix or load_matrix(), text), key=len, reverse=True)


def redactor(plan: Plan, matrix: Optional[Matrix] = None) -> "Redactor":
    """The masking for everything shown about ``plan``: ``.text(t)`` masks a whole file's text (the
    plan's old or new text, for a diff), ``.free(s)`` any message, ``.data(obj)`` JSON-like data."""
    from .matrix import load_matrix
    from .redact import Redactor

    return Redactor(matrix or load_matrix(), plan.secrets)


# The errors that are one file's record (anything else is a bug: the fleet reports it as that file's
# internal error).
FILE_ERRORS = (ConfigSyntaxError, KvUpgradeError, VersionError, PlanError, MatrixError, UnknownKind)


def error_outcome(path: str, exc: BaseException, text: Optional[str] = None,
                  matrix: Optional[Matrix] = None) -> Outcome:
    """The record of a file whose plan or write failed with ``exc`` (one of FILE_ERRORS). ``text``:
    what was read of it, if anything; an error found after reading may quote the file (a YAML parser
    quotes the offending token), so the record masks what the text holds."""
    if isinstance(exc, ConfigSyntaxError):
        out = Outcome(path, error=f"{path}:{exc.lineno}: malformed line, Kvrocks would not start: {exc.message}",
                      error_line=exc.lineno)
    elif isinstance(exc, KvUpgradeError):
        out = Outcome(path, error=exc.render(), error_line=exc.line, no_content=isinstance(exc, NoKvrocksContent))
    else:
        out = Outcome(path, error=f"{path}: {exc}")
    if text is not None:
        out.secrets = secrets_in(text, matrix)
    return out


class SharedPlanner:
    """A planner for the many files of one run (``plan_file(..., planner=)``): ``plan_any`` with
    each distinct kvrocks.conf planned once (``upgrader.plancache``); the same plans. Carriers
    are planned each time. ``cache`` counts what was planned and what was shared."""

    def __init__(self, bound: int = 64) -> None:
        from .plancache import PlanCache

        self.cache = PlanCache(bound)

    def __call__(self, text: str, request: Request, path: Optional[str] = None) -> Plan:
        return plan_any(text, request, path, conf=self.cache)


def shared_planner(bound: int = 64) -> SharedPlanner:
    return SharedPlanner(bound)


def _plan_errors(path: str, fn: Callable[[list[str]], Outcome], matrix: Optional[Matrix] = None) -> Outcome:
    """``fn(read)`` appends the text it read to ``read``: see ``error_outcome``."""
    read: list[str] = []
    try:
        return fn(read)
    except FILE_ERRORS as exc:
        return error_outcome(path, exc, read[0] if read else None, matrix)


Planner = Callable[[str, Request, Optional[str]], Plan]


def plan_file(path: str, *, to: Optional[Version] = None, from_: Optional[Version] = None,
              matrix: Optional[Matrix] = None, settings: Optional[Settings] = None,
              kind: Optional[str] = None, request: Optional[Request] = None,
              planner: Optional[Planner] = None) -> Outcome:
    """Read and plan one file: ``request=`` (built once, e.g. for many files), or the keywords.
    ``planner`` (default ``plan_any``): e.g. a fleet's ``shared_planner()``, same plans."""
    def run(read: list[str]) -> Outcome:
        src = read_source(path)
        read.append(src.text)
        req = _request(request, to, from_, matrix, settings, kind)  # a bad version is this file's error
        return Outcome(path, plan=(plan_any if planner is None else planner)(src.text, req, path))

    return _plan_errors(path, run, request.matrix if request is not None else matrix)


def apply_file(path: str, *, to: Optional[Version] = None, from_: Optional[Version] = None,
               backup: bool = True, backup_dir: Optional[str] = None, matrix: Optional[Matrix] = None,
               settings: Optional[Settings] = None, lock_timeout: float = 30.0,
               kind: Optional[str] = None,
               before_replace: Optional[Callable[[Source, str, Optional[str]], None]] = None,
               request: Optional[Request] = None, verify: Optional[Callable[[Plan], None]] = None,
               planner: Optional[Planner] = None) -> Outcome:
    """Plan and write. Idempotent: a second call finds nothing to change and writes nothing.

    ``verify(plan)`` runs under the lock on a plan that changes the file, before the backup: it may
    add findings to the plan (the real server's verdict); if it raises, nothing is written.

    ``before_replace(source, new_text, backup_path)`` runs under the lock after the backup and
    before the file is replaced (the fleet's rollback manifest); if it raises, nothing is written.
    """

    def run(read: list[str]) -> Outcome:
        real = resolve(path)
        sweep_temps(os.path.dirname(real))  # temp files of a killed run on this directory
        with locked(real, lock_timeout):
            src = read_source(path)  # read under the lock: another run may have just finished
            read.append(src.text)
            plan = (plan_any if planner is None else planner)(src.text, _request(request, to, from_, matrix, settings, kind), path)
            out = Outcome(path, plan=plan)
            if not plan.changed:
                return out
            if verify is not None:
                verify(plan)
            if backup:
                out.backup = write_backup(src, backup_dir)
            if before_replace is not None:
                before_replace(src, plan.new_text, out.backup)
            atomic_replace(src, plan.new_text)
            out.written = True
            return out

    return _plan_errors(path, run, request.matrix if request is not None else matrix)
