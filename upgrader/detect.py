"""``--from auto``: infer which releases a file fits, say which is likeliest and how sure.

A release fits when the file parses under its grammar, every key the file sets is an
option of that release (active or deprecated), and every value is accepted by it. On
top of what the values already rule out (``64MB`` is refused from 2.2.0 on, ``0x10`` from
2.14.0, a key removed in X rules out X and later), the grammar gives evidence of its own:
a quoted value or an inline ``#`` comment after a value means the file was written for
2.2.0+ (the legacy grammar would keep the quotes and the comment in the value).

The plan starts from the oldest fitting release, so no change in the window is missed.
Among the fitting releases, the one whose shipped conf sets the most similar keys and
values is named as the likeliest (a copied shipped conf matches its own release best).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from .confmodel import Document
from .matrix import Matrix
from .quoting import cut
from .values import check_value
from .versions import Release, format_version

QUOTED_GRAMMAR = (2, 2, 0)
FIT_CACHE_MAX = 1 << 16


@dataclass
class Detection:
    version: Release  # where the plan starts: the oldest candidate
    candidates: list[Release]
    confidence: str  # high | medium | low
    reason: str
    ruled_out: dict[str, str] = field(default_factory=dict)
    likely: Optional[Release] = None  # best match with a shipped conf, when one stands out
    written_for: Optional[Release] = None  # the file fits only releases newer than the target

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "version": format_version(self.version),
            "candidates": [format_version(c) for c in self.candidates],
            "confidence": self.confidence,
            "reason": self.reason,
        }
        if self.likely is not None:
            out["likely"] = format_version(self.likely)
        if self.written_for is not None:
            out["written_for"] = format_version(self.written_for)
        return out


def _grammar_evidence(quoted: Document) -> str:
    """Why the file needs the 2.2.0+ grammar ('' when nothing says so)."""
    for ln in quoted.directives():
        if ln.quoted:
            return f"line {ln.lineno} quotes its value"
        if ln.comment_start is not None:
            return f"line {ln.lineno} has an inline '#' comment"
    return ""


def _line_reason(m: Matrix, key: str, value: str, rel: Release) -> str:
    """Why this line rules ``rel`` out ('' when the release reads it fine)."""
    info = m.release(rel)
    if m.pattern_for(key):
        return ""
    st = m.state(key, rel)
    if st is None:
        return f"{cut(key)} is not an option of {info.name}"  # one per release: never the whole of a huge key
    if not m.is_secret(key):
        why = check_value(value, st, info.integers)
        if why:
            return f"{cut(key)}: {why}"
    return ""


def _fits(m: Matrix, key: str, value: str, wanted: int) -> int:
    """The bits of ``wanted`` (bit i: release i of the matrix) whose release reads ``key value``
    fine. Cached on the matrix per line, and computed only for releases asked about: a fleet's
    files share most lines, and one file rules most releases out after a few lines."""
    cache = m.__dict__.setdefault("_fit_masks", {})
    if len(cache) > FIT_CACHE_MAX:  # bounded: a fleet of unique values must not grow memory
        cache.clear()
    known, fit = cache.get((key, value), (0, 0))
    todo = wanted & ~known
    if todo:
        for i, r in enumerate(m.releases):
            if todo >> i & 1 and not _line_reason(m, key, value, r.version):
                fit |= 1 << i
        cache[(key, value)] = (known | todo, fit)
    return fit & wanted


def _misfits(docs: dict[str, Document], m: Matrix, pool: list[Release], grammar_hint: str) -> dict[Release, str]:
    """Release -> why the file cannot be for it: the 2.2.0+ grammar evidence, else the first line
    that does not parse under its grammar, else the first key or value it refuses."""
    index = {r.version: i for i, r in enumerate(m.releases)}
    out: dict[Release, str] = {}
    for grammar in ("legacy", "quoted"):
        rels = [r for r in pool if m.release(r).grammar == grammar]
        if grammar_hint:
            for r in rels:
                if r < QUOTED_GRAMMAR:
                    out[r] = f"{grammar_hint}: the 2.2.0+ grammar"
            rels = [r for r in rels if r not in out]
        if not rels:
            continue
        doc = docs[grammar]
        bad = doc.invalid_lines()
        if bad:
            for r in rels:
                out[r] = f"line {bad[0].lineno} does not parse ({bad[0].error})"
            continue
        open_mask = 0
        for r in rels:
            open_mask |= 1 << index[r]
        for ln in doc.directives():  # file order: each release gets the first line that rules it out
            out_now = open_mask & ~_fits(m, ln.norm_key, ln.value, open_mask)
            if out_now:
                for r in rels:
                    if out_now >> index[r] & 1:
                        out[r] = _line_reason(m, ln.norm_key, ln.value, r)
                open_mask &= ~out_now
                if not open_mask:
                    break
    return out


def _similarity(mine: dict[str, str], m: Matrix, rel: Release) -> float:
    """How close the file (its effective key -> value) is to the release's shipped conf: shared
    keys, then equal values."""
    shipped = _shipped(m, rel)
    if not shipped or not mine:
        return 0.0
    keys = len(shipped.keys() & mine.keys()) / len(shipped.keys() | mine.keys())
    same = sum(1 for k in shipped.keys() & mine.keys() if shipped[k] == mine[k]) / len(shipped)
    return keys + same / 100  # values only break ties between releases with the same keys


def _shipped(m: Matrix, rel: Release) -> dict[str, str]:
    cache = m.__dict__.setdefault("_shipped_at", {})
    if rel not in cache:
        cache[rel] = {k: st.shipped for k, st in m.options_at(rel).items() if st.shipped is not None}
    return cache[rel]


def _likely(docs: dict[str, Document], m: Matrix, fits: list[Release]) -> tuple[Optional[Release], bool]:
    """The fitting release whose shipped conf the file resembles most (oldest on a tie), and
    whether it stands out (no other release scores as high)."""
    mine: dict[str, dict[str, str]] = {}
    for g, doc in docs.items():
        mine[g] = {k: ln.value for k, ln in doc.effective().items() if not m.pattern_for(k)}
    scored = sorted(((-_similarity(mine[m.release(r).grammar], m, r), r) for r in fits))
    if not scored or -scored[0][0] < 0.5:
        return None, False  # not a copy of a shipped conf: no release stands out
    unique = len(scored) == 1 or scored[1][0] > scored[0][0]
    return scored[0][1], unique


def detect_source(text: str, m: Matrix, target: Release,
                  docs: "dict[str, Document] | None" = None) -> Detection:
    """``docs`` (grammar -> parsed text) may be passed in so the caller can reuse them."""
    if docs is None:
        docs = {}
    for g in ("legacy", "quoted"):
        if g not in docs:
            docs[g] = Document.parse(text, g)  # type: ignore[arg-type]
    hint = _grammar_evidence(docs["quoted"])
    pool = [r.version for r in m.releases if r.version <= target]
    ruled_out: dict[str, str] = {}
    fits: list[Release] = []
    misfits = _misfits(docs, m, pool, hint)
    for rel in pool:
        why = misfits.get(rel)
        if why:
            ruled_out[format_version(rel)] = why
        else:
            fits.append(rel)
    if fits:
        span = f"{format_version(fits[0])}" + (f" .. {format_version(fits[-1])}" if len(fits) > 1 else "")
        likely, unique = _likely(docs, m, fits)
        conf = "high" if len(fits) <= 2 else "medium" if len(fits) <= 6 or unique else "low"
        reason = f"the file fits {len(fits)} release(s) ({span}); planning from the oldest so no change is missed"
        if hint:
            reason += f"; {hint}, so 2.2.0+"
        if likely is not None and likely != fits[0]:
            reason += f"; its keys and values match the shipped conf of {format_version(likely)} best"
        return Detection(fits[0], fits, conf, reason, ruled_out, likely)

    newer = _newer(docs, m, target, hint, ruled_out)
    if newer is not None:
        return newer

    # Nothing fits exactly (typos, site-specific keys): take the release with the fewest unknown keys.
    def unknown(rel: Release) -> int:
        doc = docs[m.release(rel).grammar]
        return sum(1 for ln in doc.directives() if not m.pattern_for(ln.norm_key) and m.state(ln.norm_key, rel) is None)

    best = min(pool, key=lambda r: (unknown(r), r))
    return Detection(best, [best], "low",
                     f"no release accepts every line; {format_version(best)} knows the most keys", ruled_out)


def _newer(docs: dict[str, Document], m: Matrix, target: Release, hint: str,
           ruled_out: dict[str, str]) -> Optional[Detection]:
    """Issue 12 item 8: no release up to the target accepts the file, but a newer one does. The file
    was written for that release, and starting the target on it is a rollback: the plan starts there
    (the oldest newer release that fits, so no change on the way down is missed) and says so."""
    later = [r.version for r in m.releases if r.version > target]
    if not later:
        return None
    misfits = _misfits(docs, m, later, hint)
    fits = [r for r in later if r not in misfits]
    if not fits:
        return None
    first = format_version(fits[0])
    why = ruled_out.get(format_version(target), "")
    reason = (f"no release up to {format_version(target)} accepts the file ({why}); it fits"
              f" {first}" + (f" .. {format_version(fits[-1])}" if len(fits) > 1 else "")
              + f", newer than the target: the file looks written for {first}, so this is a rollback"
              f" (a downgrade) from {first}; pass --from {first} (or the release the node runs) to say so")
    return Detection(fits[0], fits, "medium" if len(fits) <= 6 else "low", reason, ruled_out,
                     written_for=fits[0])
