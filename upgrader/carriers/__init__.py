"""Carriers: the shapes kvrocks settings live in besides kvrocks.conf.

``plan_any(text, request, path)`` detects the shape (or takes ``request.kind``), extracts what
the Kvrocks node reads, plans it with the conf planner and returns one ``Plan`` for the
whole file: ``old_text``/``new_text`` are the carrier file, findings carry carrier line
numbers, ``kind`` names the carrier. See docs/CARRIERS.md.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Callable, Optional

from ..findings import Plan
from ..planner import plan
from ..request import Request
from ..settings import CarrierOptions
from .context import Ctx
from .detect import KINDS, check_kind, detect_kind
from .registry import CONF, carrier

if TYPE_CHECKING:  # the engine (and ruamel behind it) loads only when a carrier is planned
    from .engine import Unit, UnitOutcome


def _pieces(kind: str, ctx: Ctx) -> tuple[list[Unit], list[UnitOutcome]]:
    """The carrier's units to plan, and the outcomes it planned itself."""
    from .engine import Unit

    pieces = carrier(kind).units(ctx)
    return [p for p in pieces if isinstance(p, Unit)], [p for p in pieces if not isinstance(p, Unit)]


def resolve_kind(kind: Optional[str], path: Optional[str], text: str,
                 options: Optional[CarrierOptions] = None) -> str:
    """``kind`` checked, or the kind detected from the file's name and content."""
    return check_kind(kind, path) if kind else detect_kind(path, text, options or CarrierOptions())


ConfPlanner = Callable[[str, Request, Optional[str]], Plan]


def plan_any(text: str, request: Request, path: Optional[str] = None, conf: Optional[ConfPlanner] = None) -> Plan:
    """Plan one file of any carrier kind: the one place a kvrocks.conf and a carrier part ways
    (``request.kind`` None detects the kind from ``path`` and the content). ``conf`` plans a
    kvrocks.conf instead of ``planner.plan`` (a fleet's ``plancache.PlanCache``: the same plans)."""
    try:
        return _plan_carrier(text, request, path, conf)
    finally:
        yamltext = sys.modules.get(__name__ + ".yamltext")  # only if a YAML carrier was met (no ruamel import)
        if yamltext is not None:
            yamltext.forget()  # the composed trees of this file are not needed past its plan


def _plan_carrier(text: str, request: Request, path: Optional[str], conf: Optional[ConfPlanner]) -> Plan:
    kind = resolve_kind(request.kind, path, text, request.carrier)
    if kind == CONF:
        return (plan if conf is None else conf)(text, request, path)
    ctx = Ctx(text=text, path=path, request=request)
    units, planned = _pieces(kind, ctx)
    if not units and not planned:
        from ..errors import InputError

        raise InputError(f"no kvrocks settings found for carrier kind {kind!r}", path)
    from .engine import assemble
    from .yamltext import parses

    return assemble(text, kind, units, request, path, planned=planned,
                    validate=parses if carrier(kind).yaml else None)


__all__ = ["KINDS", "CarrierOptions", "detect_kind", "plan_any", "resolve_kind"]
