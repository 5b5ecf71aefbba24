"""Attach impact to a plan: the node's resource model before and after, what changes,
advice, and a note on every finding. Pure; called once at the end of ``plan_text``."""

from __future__ import annotations

from typing import Any

from ..confmodel import Document
from ..findings import Plan
from ..matrix import Matrix
from ..versions import Release
from .claims import Ctx, finding_impact, row_cache_advice
from .effective import EffectiveConfig
from .model import NOT_MODELLED, ResourceModel, build_model, compare

SCHEMA = "kvupgrade/impact/v1"


def models(matrix: Matrix, before_doc: Document, after_doc: Document, source: Release,
           target: Release) -> tuple[ResourceModel, ResourceModel]:
    return (build_model(EffectiveConfig(before_doc, matrix, source)),
            build_model(EffectiveConfig(after_doc, matrix, target)))


def advice(ctx: Ctx) -> list[str]:
    out = []
    row = row_cache_advice(ctx)
    if row:
        out.append(row)
    delta = ctx.after.memory_mb - ctx.before.memory_mb
    moved = [c for c in ctx.changes if c.area == "memory" and c.id != "row_cache"]
    if delta > 0:
        parts = ", ".join(f"{c.label} {c.shown_before} → {c.shown_after}" for c in moved)
        out.append(f"memory budget grows by {delta} MB ({parts}); check the host has room")
    elif delta < 0 and moved:
        parts = ", ".join(f"{c.label} {c.shown_before} → {c.shown_after}" for c in moved)
        out.append(f"memory budget falls by {-delta} MB ({parts})")
    return out


def annotate(plan: Plan, matrix: Matrix, before_doc: Document, after_doc: Document, source: Release,
             target: Release) -> Plan:
    before, after = models(matrix, before_doc, after_doc, source, target)
    ctx = Ctx(before, after, compare(before, after))
    impact: dict[str, Any] = {
        "schema": SCHEMA,
        "memory_mb": {"before": before.memory_mb, "after": after.memory_mb,
                      "delta": after.memory_mb - before.memory_mb},
        "before": before.to_dict(),
        "after": after.to_dict(),
        "changes": [c.to_dict() for c in ctx.changes],
        "advice": advice(ctx),
        "not_modelled": list(NOT_MODELLED),
    }
    plan.impact = impact
    for f in plan.findings:
        f.impact = finding_impact(f, ctx).to_dict()
    return plan
