"""The transform framework: each module in ``transforms/`` declares one Transform.

A transform *matches* (yields findings, each optionally carrying an edit) and never
touches text; the planner decides which edits apply and applies them back to front.
Constructing a Transform registers it under its module's short name, and
``load_transforms`` imports every module of the package, so adding a file is the
whole registration step.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable, Iterable, Literal, Optional

from .confmodel import Document, Line
from .findings import Action, Edit, Finding, Safety, Severity
from .quoting import cut
from .matrix import Event, Matrix, OptionState, ReleaseInfo
from .settings import MARKER, Settings
from .versions import Release, format_version

Stage = Literal["hop", "window", "target"]
Direction = Literal["forward", "backward"]
REGISTRY: dict[str, "Transform"] = {}


@dataclass
class Context:
    """What a transform sees: the document as it stands and the window being crossed."""

    doc: Document
    matrix: Matrix
    lo: Release  # window start (exclusive)
    hi: Release  # window end (inclusive)
    source: Release  # the whole plan's from
    target: Release  # the whole plan's to
    settings: Settings
    original: Document  # the file as read, for "before" values
    # A rollback walks the window backwards: lo < hi still bound the window (so events() and
    # crosses() mean the same), but the file comes from hi and goes to lo.
    direction: Direction = "forward"
    # The planner's own "plan this text from source to target with these settings" (new text out),
    # for a transform that must know whether its edit would settle: passed in, so that transforms
    # never import the planner that runs them.
    replan: Optional[Callable[[str, Settings], str]] = field(default=None, repr=False)

    @property
    def backward(self) -> bool:
        return self.direction == "backward"

    @property
    def start(self) -> Release:
        """The release the file is read by at the start of this step."""
        return self.hi if self.backward else self.lo

    @property
    def end(self) -> Release:
        """The release the step arrives at."""
        return self.lo if self.backward else self.hi

    @property
    def start_release(self) -> ReleaseInfo:
        return self.matrix.release(self.start)

    @property
    def end_release(self) -> ReleaseInfo:
        return self.matrix.release(self.end)

    @property
    def verb(self) -> str:
        return "rollback" if self.backward else "upgrade"

    @property
    def hi_release(self) -> ReleaseInfo:
        return self.matrix.release(self.hi)

    @property
    def lo_release(self) -> ReleaseInfo:
        return self.matrix.release(self.lo)

    def effective(self) -> dict[str, Line]:
        return self.doc.effective()

    def events(self, option: str) -> tuple[Event, ...]:
        life = self.matrix.options.get(option)
        return life.events_between(self.lo, self.hi) if life else ()

    def event_keys(self) -> list[str]:
        """The file's active keys that have events in this window, sorted: event-driven
        transforms visit only these (most keys of a file have none in a given hop)."""
        window = self.matrix.window_keys(self.lo, self.hi)
        present = self.doc.keys()
        small, big = (window, present) if len(window) < len(present) else (present, window)
        return sorted(k for k in small if k in big)

    def state(self, option: str, v: Release) -> Optional[OptionState]:
        return self.matrix.state(option, v)

    def crosses(self, v: Release) -> bool:
        return self.lo < v <= self.hi

    def shown(self, key: str, value: Optional[str]) -> Optional[str]:
        """A value as it may appear in output: secrets masked."""
        if value is None:
            return None
        return "********" if self.matrix.is_secret(key) else value


@dataclass
class Transform:
    module: str
    kind: str  # which kind of matrix entry or hazard it handles
    stage: Stage
    safety: Safety
    why: str  # why the fix is safe or not (shown with every finding)
    title: str
    since: Optional[Release] = None  # bespoke transforms: the release whose change they handle
    priority: int = 50  # lower runs first; wins a conflict on the same line
    matcher: Optional[Callable[[Context], Iterable[Finding]]] = field(default=None, repr=False)
    # Transforms are written for upgrades; one that also makes sense on a rollback says so.
    directions: tuple[Direction, ...] = ("forward",)

    def __post_init__(self) -> None:
        self.name = self.module.rsplit(".", 1)[-1]
        if self.name in REGISTRY and REGISTRY[self.name] is not self:
            raise RuntimeError(f"transform {self.name!r} registered twice")
        REGISTRY[self.name] = self

    def match(self, fn: Callable[[Context], Iterable[Finding]]) -> Callable[[Context], Iterable[Finding]]:
        self.matcher = fn
        return fn

    def applies(self, ctx: Context) -> bool:
        if ctx.direction not in self.directions:
            return False
        return self.since is None or ctx.crosses(self.since)

    def run(self, ctx: Context) -> list[Finding]:
        if self.matcher is None or not self.applies(ctx):
            return []
        return list(self.matcher(ctx))

    # helpers for matchers ---------------------------------------------------------
    def finding(
        self,
        option: str,
        severity: Severity,
        message: str,
        *,
        since: Optional[Release] = None,
        line: Optional[Line] = None,
        action: Action = "none",
        new_lines: Optional[list[str]] = None,
        references: Iterable[str] = (),
        evidence: str = "source-verified",
        before: Optional[str] = None,
        after: Optional[str] = None,
        safety: Optional[Safety] = None,
        why: Optional[str] = None,
        append: bool = False,
    ) -> Finding:
        since_s = format_version(since) if since else None
        edit = None
        if new_lines is not None:
            edit = Edit(lineno=0 if append else (line.lineno if line else 0), new_lines=new_lines, rule=self.name)
        return Finding(
            id=f"{self.name}/{cut(option, 200)}" + (f"@{since_s}" if since_s else ""),
            rule=self.name,
            option=option,
            severity=severity,
            message=message,
            line=line.lineno if line else None,
            since=since_s,
            action=action,
            safety=(safety or self.safety) if edit else "display",
            why=why if why is not None else (self.why if edit else "report only: nothing in the file to change"),
            references=list(references),
            evidence=evidence,
            before=before,
            after=after,
            edit=edit,
        )


_LOADED: list[bool] = []


def load_transforms() -> dict[str, Transform]:
    """Import every module of the ``transforms`` package (each registers itself); once per process."""
    if _LOADED:
        return REGISTRY
    import transforms

    for info in pkgutil.iter_modules(transforms.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"transforms.{info.name}")
    _LOADED.append(True)
    return REGISTRY


def commented(line: Line, note: str) -> str:
    """The text of ``line`` turned into one comment that keeps it and says why."""
    lead = line.text[: len(line.text) - len(line.text.lstrip(" \t"))]
    body = line.text.strip(" \t\r").lstrip("\ufeff")
    bom = "\ufeff" if line.lineno == 1 and line.text.startswith("\ufeff") else ""
    return f"{bom}{lead}{MARKER} {body}  -- {note}"


def replace_key(line: Line, new_key: str) -> str:
    a, b = line.key_span
    return line.text[:a] + new_key + line.text[b:]


def replace_value(line: Line, new_value_raw: str) -> str:
    a, b = line.value_span
    return line.text[:a] + new_value_raw + line.text[b:]
