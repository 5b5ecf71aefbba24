"""``--from auto``: infer which releases a file fits.

A release fits when every key the file sets is an option of that release (active or
deprecated), every value is accepted by it, and the file parses under its grammar.
The plan starts from the oldest fitting release, so no change in the window is
missed; the answer says how many releases fit and why others were ruled out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .confmodel import Document
from .matrix import Matrix
from .values import check_value
from .versions import Release, format_version


@dataclass
class Detection:
    version: Release
    candidates: list[Release]
    confidence: str  # high | medium | low
    reason: str
    ruled_out: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": format_version(self.version),
            "candidates": [format_version(c) for c in self.candidates],
            "confidence": self.confidence,
            "reason": self.reason,
        }


def _misfit(doc_by_grammar: dict[str, Document], m: Matrix, rel: Release) -> str:
    info = m.release(rel)
    doc = doc_by_grammar[info.grammar]
    bad = doc.invalid_lines()
    if bad:
        return f"line {bad[0].lineno} does not parse ({bad[0].error})"
    for ln in doc.directives():
        key = ln.norm_key
        if m.pattern_for(key):
            continue
        st = m.state(key, rel)
        if st is None:
            return f"{key} is not an option of {info.name}"
        if not m.is_secret(key):
            why = check_value(ln.value, st, info.integers)
            if why:
                return f"{key}: {why}"
    return ""


def detect_source(text: str, m: Matrix, target: Release) -> Detection:
    docs = {g: Document.parse(text, g) for g in ("legacy", "quoted")}  # type: ignore[arg-type]
    pool = [r.version for r in m.releases if r.version <= target]
    ruled_out: dict[str, str] = {}
    fits: list[Release] = []
    for rel in pool:
        why = _misfit(docs, m, rel)
        if why:
            ruled_out[format_version(rel)] = why
        else:
            fits.append(rel)
    if fits:
        span = f"{format_version(fits[0])}" + (f" .. {format_version(fits[-1])}" if len(fits) > 1 else "")
        conf = "high" if len(fits) <= 2 else "medium" if len(fits) <= 6 else "low"
        reason = f"the file fits {len(fits)} release(s) ({span}); planning from the oldest so no change is missed"
        return Detection(fits[0], fits, conf, reason, ruled_out)
    # Nothing fits exactly (typos, site-specific keys): take the release with the fewest unknown keys.
    def unknown(rel: Release) -> int:
        doc = docs[m.release(rel).grammar]
        return sum(1 for ln in doc.directives() if not m.pattern_for(ln.norm_key) and m.state(ln.norm_key, rel) is None)

    best = min(pool, key=lambda r: (unknown(r), r))
    return Detection(best, [best], "low",
                     f"no release accepts every line; {format_version(best)} knows the most keys", ruled_out)
