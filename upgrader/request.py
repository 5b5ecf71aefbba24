"""One frozen request, built once at the edge (CLI, library keyword functions, Ansible plugin).

Below the edge nothing takes a version string: the planner, the carriers and the fleet get a
``Request`` whose releases are already resolved against the matrix. This module is the only place
that reads ``"auto"`` (the source release is then detected per file, ``source is None``) and the
only place that says what ``check`` means (the file is planned from the target itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional, Union

from .matrix import Matrix, load_matrix
from .settings import KINDS, CarrierOptions, Settings
from .versions import Release, VersionError

Version = Union[str, Release]


class UnknownKind(ValueError):
    """A carrier kind kvupgrade does not know (reported by each edge as it reports a bad release)."""


def is_auto(value: Union[Version, None]) -> bool:
    """None or "auto" (any case, blanks around): the release is to be detected."""
    return value is None or (isinstance(value, str) and value.strip().lower() == "auto")


@dataclass(frozen=True)
class Request:
    """What to plan: every field resolved and checked; nothing below re-reads a string."""

    matrix: Matrix = field(repr=False)
    target: Release
    source: Optional[Release] = None  # None: detected from each file's content ("auto")
    settings: Settings = field(default_factory=Settings)
    carrier: CarrierOptions = field(default_factory=CarrierOptions)
    kind: Optional[str] = None  # None: detected from each file's name and content

    @classmethod
    def build(cls, *, to: Version, from_: Union[Version, None] = None, matrix: Optional[Matrix] = None,
              settings: Optional[Settings] = None, carrier: Optional[CarrierOptions] = None,
              kind: Optional[str] = None) -> "Request":
        """The one constructor from what a user typed. Raises ``VersionError`` (``MalformedVersion``
        for something that is not a version at all) or ``UnknownKind``; the target is resolved
        first, so a bad ``to`` is the error reported when both are bad."""
        m = matrix if matrix is not None else load_matrix()
        target = _resolve(m, to, "to")
        source = None if from_ is None or is_auto(from_) else _resolve(m, from_, "from")
        return cls(matrix=m, target=target, source=source, settings=settings or Settings(),
                   carrier=carrier or CarrierOptions(), kind=_kind(kind))

    @classmethod
    def check(cls, *, to: Version, matrix: Optional[Matrix] = None, settings: Optional[Settings] = None,
              carrier: Optional[CarrierOptions] = None, kind: Optional[str] = None) -> "Request":
        """``kvupgrade check``: is the file right for ``to`` as it stands? It is planned from the
        target itself (no hops), so only the target's own rules apply."""
        req = cls.build(to=to, matrix=matrix, settings=settings, carrier=carrier, kind=kind)
        return req.with_source(req.target)

    def with_source(self, source: Optional[Release]) -> "Request":
        """The same request from another source release (an inventory's entry for one file, a
        carrier unit's detected release); None means detect it."""
        return self if source == self.source else replace(self, source=source)

    @property
    def auto(self) -> bool:
        return self.source is None


def _resolve(m: Matrix, value: Version, argument: str) -> Release:
    """``m.resolve``; the error says which argument it is about (``exc.argument``: "to" or "from"),
    so the CLI can name its option without resolving anything itself."""
    try:
        return m.resolve(value)
    except VersionError as exc:
        exc.argument = argument  # type: ignore[attr-defined]
        raise


def _kind(kind: Optional[str]) -> Optional[str]:
    if is_auto(kind):
        return None
    assert kind is not None
    if kind not in KINDS:
        raise UnknownKind(f"unknown carrier kind {kind!r}; expected one of: {', '.join(KINDS)}")
    return kind
