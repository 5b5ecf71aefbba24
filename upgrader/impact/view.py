"""Impact as rows for the report formats. Works on the masked per-file dicts only
(``jsonout.outcome_to_dict``), so text, Markdown and HTML show the same figures."""

from __future__ import annotations

from typing import Any, Optional

from .measured import README

Row = tuple[str, ...]


def memory_rows(impact: dict[str, Any]) -> list[Row]:
    """(figure, before, after, delta) per memory item, then the total."""
    before = {q["id"]: q for q in impact["before"]["memory"]["items"]}
    rows: list[Row] = []
    for q in impact["after"]["memory"]["items"]:
        b = before.get(q["id"])
        bv = int(b["value"]) if b else 0
        rows.append((q["label"], b["shown"] if b else "n/a", q["shown"], signed(int(q["value"]) - bv)))
    mem = impact["memory_mb"]
    rows.append(("total", f"{mem['before']} MB", f"{mem['after']} MB", signed(mem["delta"])))
    return rows


def change_rows(impact: dict[str, Any]) -> list[Row]:
    """(area, figure, before, after) for every non-memory figure that changes."""
    return [(c["area"], c["label"], c["shown_before"], c["shown_after"])
            for c in impact["changes"] if c["area"] != "memory"]


def signed(n: int, unit: str = "MB") -> str:
    return "" if n == 0 else f"{n:+d} {unit}"


def magnitude(imp: dict[str, Any]) -> str:
    m = imp.get("magnitude") or {}
    if "mb" in m:
        return signed(int(m["mb"])) or "0 MB"
    if "ratio" in m:
        return f"{m['ratio']}x {m.get('metric', '')}".strip()
    if "limit_before" in m:
        return f"{m['limit_before']} → {m['limit_after']}"
    for k, v in m.items():
        if isinstance(v, (int, float)):
            return f"{v:+} {k.replace('_per_', '/')}"
    return ""


def basis(imp: dict[str, Any]) -> str:
    """'config', 'qualitative', or the benchmark ids ('bench rowcache-hot, ...')."""
    ids = [c.split("#", 1)[1] for c in imp.get("cites", []) if c.startswith(README)]
    kinds = sorted({c["basis"] for c in imp.get("claims", []) if not c["basis"].startswith(README)})
    parts = kinds + ([f"bench {', '.join(ids)}"] if ids else [])
    return "; ".join(parts)


def finding_rows(f: dict[str, Any]) -> list[Row]:
    """(option, resource, direction, magnitude, basis, text) per finding that carries impact."""
    rows = []
    for x in f.get("findings", []):
        imp: Optional[dict[str, Any]] = x.get("impact")
        if imp:
            rows.append((x["option"], imp["resource"], imp["direction"], magnitude(imp), basis(imp), imp["text"]))
    return rows


def table(headers: Row, rows: list[Row]) -> list[str]:
    """A plain fixed-width table (no colour), one string per line."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*headers).rstrip()] + [fmt.format(*r).rstrip() for r in rows]
