"""The carrier registry: each module in ``upgrader/carriers/kinds/`` declares one Carrier.

Constructing a ``Carrier`` registers it under its kind, and ``load_carriers`` imports
every module of that package, so adding a file is the whole registration step (as for
transforms, upgrader/registry.py). Detection (detect.py), ``--kind`` choices (``KINDS``),
directory walks (``walk_globs``), planning (``plan_any``) and docs/CARRIERS.md's kind
table are driven by what is registered here.

A carrier module is imported whenever any file is detected, kvrocks.conf included: it
keeps its top-level imports light and loads the YAML parser inside its functions, so a
conf-only run never imports ruamel.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Literal, NamedTuple, Optional, Union

from ..errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from .context import CarrierOptions, Ctx
    from .engine import Unit, UnitOutcome

    Piece = Union[Unit, UnitOutcome]

CONF = "conf"  # a kvrocks.conf: the core planner's own kind, and what a file is when no carrier claims it
CONF_GLOBS = ("*.conf",)

# When a carrier's ``detect`` is asked, lowest ``rank`` first within each scope:
#   text      the file's name and text decide; tried before any YAML is parsed (unit files, scripts)
#   file      YAML; any document of the file decides (a Kubernetes manifest of many resources is one file)
#   document  YAML; the first document that some carrier claims decides
Scope = Literal["text", "file", "document"]


class Probe(NamedTuple):
    """What ``detect`` sees: the file's path and text, the conventions, and one YAML document."""

    path: Optional[str]
    name: str  # the path's base name ("" for text without a path)
    text: str  # the file's text, without a leading BOM
    options: "CarrierOptions"
    doc: Any = None  # one document's node tree ("file" and "document" scopes)


@dataclass(frozen=True)
class Carrier:
    module: str  # the declaring module's __name__; its last part is the kind with '_' for '-'
    order: int  # place in KINDS: the --kind list and docs/CARRIERS.md's table
    globs: tuple[str, ...]  # files a directory walk takes with --kind NAME (and sniffs without --kind)
    scope: Scope
    rank: int  # detection order within the scope (lowest first)
    detect: Callable[[Probe], bool]
    units: Callable[["Ctx"], list["Piece"]]  # units to plan, or outcomes planned by the carrier itself
    # YAML: how the "found nothing" error names what this carrier looks for (equal hints are said once)
    hint: Optional[Callable[["CarrierOptions"], str]] = None
    # Kubernetes: what it makes of one document of a manifest (None: not its document); see kube.py
    manifest_doc: Optional[Callable[["Ctx", Any, list[Any]], Optional[list["Piece"]]]] = None

    def __post_init__(self) -> None:
        if self.name in CARRIERS:
            raise ValueError(f"carrier {self.name!r} declared twice ({CARRIERS[self.name].module}, {self.module})")
        if self.yaml and self.hint is None:
            raise ValueError(f"YAML carrier {self.name!r} declares no hint for the 'found nothing' error")
        CARRIERS[self.name] = self

    @property
    def name(self) -> str:
        """The kind: the module name with '-' for '_' (``flags_compose`` -> ``flags-compose``)."""
        return self.module.rsplit(".", 1)[-1].replace("_", "-")

    @property
    def yaml(self) -> bool:
        """A YAML carrier: detected from parsed documents, and its rewrite must parse again."""
        return self.scope != "text"


CARRIERS: dict[str, Carrier] = {}
_LOADED: list[bool] = []


def load_carriers() -> dict[str, Carrier]:
    """Import every module of ``upgrader.carriers.kinds`` (each registers itself); once per process."""
    if not _LOADED:
        from . import kinds

        for info in pkgutil.iter_modules(kinds.__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{kinds.__name__}.{info.name}")
        _LOADED.append(True)
    return CARRIERS


def carriers() -> list[Carrier]:
    """Every carrier, in KINDS order."""
    return sorted(load_carriers().values(), key=lambda c: (c.order, c.name))


def by_scope(scope: Scope) -> list[Carrier]:
    """The carriers that detect in ``scope``, in the order they are asked."""
    return sorted((c for c in load_carriers().values() if c.scope == scope), key=lambda c: (c.rank, c.name))


def kinds() -> tuple[str, ...]:
    """``conf`` and every carrier kind, in the order --kind and the docs list them."""
    return (CONF,) + tuple(c.name for c in carriers())


def carrier(kind: str, path: Optional[str] = None) -> Carrier:
    """The carrier of ``kind``, or an InputError naming the file and the known kinds."""
    found = load_carriers().get(kind)
    if found is None:
        raise InputError(f"unknown carrier kind {kind!r}; expected one of: {', '.join(kinds())}", path)
    return found


def walk_globs(kind: Optional[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(globs taken, globs sniffed) of a directory walk for ``--kind`` ``kind``.

    None: kvrocks.conf files are taken, and every carrier's files are sniffed (taken only when
    detection names a carrier). A kind: its files are taken, nothing is sniffed."""
    if kind is None:
        sniffed: list[str] = []
        for c in carriers():
            sniffed += [g for g in c.globs if g not in CONF_GLOBS and g not in sniffed]
        return CONF_GLOBS, tuple(sniffed)
    if kind == CONF:
        return CONF_GLOBS, ()
    return carrier(kind).globs, ()


def __getattr__(name: str) -> Any:
    if name == "KINDS":  # computed on first use: importing this module loads no carrier
        return kinds()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
