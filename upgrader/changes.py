"""What changes between two releases, straight from the matrix (``kvupgrade matrix``)."""

from __future__ import annotations

from typing import Any

from .matrix import Matrix
from .versions import Release, format_version


def describe(changes: dict[str, Any], renamed_to: str | None, first: bool) -> str:
    if first:
        return "added" if changes.get("status") == "active" else f"added ({changes.get('status')})"
    parts = []
    status = changes.get("status")
    if status == "removed":
        parts.append(f"renamed to {renamed_to}" if renamed_to else "removed")
    elif status == "deprecated":
        parts.append("deprecated")
    elif status == "active":
        parts.append("re-added")
    for k, v in changes.items():
        if k != "status":
            parts.append(f"{k} -> {v!r}")
    return "; ".join(parts)


def changes_between(m: Matrix, lo: Release, hi: Release) -> dict[str, Any]:
    hops = []
    for rel in m.hops(lo, hi):
        prev = max(r.version for r in m.releases if r.version < rel.version)
        entries = []
        for name, life in sorted(m.options.items()):
            for ev in life.events_between(prev, rel.version):
                entries.append({
                    "option": name,
                    "change": describe(ev.changes, ev.renamed_to, ev.first and ev.since == rel.version),
                    "reason": ev.reason,
                    "refs": list(ev.refs),
                    "evidence": ev.evidence,
                })
        behaviours = [
            {"id": b.id, "title": b.title, "refs": list(b.refs), "evidence": b.evidence}
            for b in m.behaviours_between(prev, rel.version)
        ]
        hops.append({"release": rel.name, "evidence": rel.evidence, "date": rel.date,
                     "options": entries, "behaviours": behaviours})
    return {"from": format_version(lo), "to": format_version(hi), "data_version": m.data_version, "releases": hops}
