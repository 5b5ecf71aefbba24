"""Keys no Kvrocks release reads, named for what they are (issue 12 item 7).

Real files carry three kinds of such keys, and a bare "not an option" helps with none of them:

* a key of Redis or of a Redis fork, copied from a redis.conf (``appendonly``, ``save``,
  ``tcp-keepalive``): named as such, with what it does there (``upgrader/data/foreign_keys.yaml``);
* a misspelt Kvrocks key (``max_io_mb``, ``rocksdb.block-cache-size``): "did you mean" the target's
  option whose name is equal after normalising ``_``/``-``/case, else the closest within about two
  edits (a deletion index, then ``difflib``'s ratio >= 0.85). The fix renames the key: unsafe, since the value takes effect only
  if the operator meant that option (today the line is ignored). Never offered for a secret: the
  rename would make a value nobody masks a live password, so a secret's line is reported, its value
  never shown;
* a stray character before a comment (``-# comment``): Kvrocks reads ``-#`` as a key before 2.2.0
  and skips the line from 2.2.0 on. The fix drops the stray character, making it the comment it
  was meant to be: safe, no release reads the line as an option either way.

All three commenting-out or renaming fixes only touch keys that no release reads, so the other
generic owner of unknown keys, target_check, stands aside for the lines classified here.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterator, Optional

from upgrader.confmodel import Line
from upgrader.findings import Finding
from upgrader.foreign_keys import foreign_keys
from upgrader.matrix import Matrix
from upgrader.quoting import cut
from upgrader.registry import Context, Transform, commented, replace_key
from upgrader.values import INT_TYPES, check_value
from upgrader.versions import Release

transform = Transform(
    __name__,
    kind="unknown key",
    stage="target",
    safety="unsafe",
    why="the line is ignored today; the renamed key takes effect only if the operator meant that option",
    title="Name Redis/fork keys, stray comment markers and misspelt keys no Kvrocks release reads",
    priority=75,
    directions=("forward", "backward"),
)

# One or two stray characters glued before '#': '-#', '/#', '.#', ';#' (a diff or an editor's leftovers).
STRAY_COMMENT = re.compile(r"^([ \t]*)([^\w\s#\"'\ufeff]{1,2})#")
CACHE_MAX = 1 << 14
CUTOFF = 0.85  # difflib ratio: one or two letters off in a key of ten or more; never a random word


@dataclass(frozen=True)
class Hint:
    kind: str  # foreign | typo | stray_comment
    detail: str  # project name, suggested key, or the stray characters


def _norm(key: str) -> str:
    return key.lower().replace("-", "_")


def _names(m: Matrix, target: Release) -> dict[str, str]:
    """normalised name -> the target's spelling, for every option the target reads (cached on the matrix)."""
    cache = m.__dict__.setdefault("_unknown_key_names", {})
    if target not in cache:
        cache[target] = {_norm(k): k for k, st in m.options_at(target).items() if st.status != "deprecated"}
    return cache[target]


def nobody_reads(m: Matrix, key: str) -> bool:
    life = m.options.get(key)
    return life is None or all(life.state_at(r.version) is None for r in m.releases)


def classify(m: Matrix, key: str, target: Release, text: str = "") -> Optional[Hint]:
    """What an unknown key most likely is, or None when nothing better than "unknown" can be said."""
    mt = STRAY_COMMENT.match(text)
    if mt:
        return Hint("stray_comment", mt.group(2))
    cache = m.__dict__.setdefault("_unknown_key_hints", {})
    if len(cache) > CACHE_MAX:  # bounded: a file of unique made-up keys must not grow memory
        cache.clear()
    if (key, target) not in cache:
        cache[(key, target)] = _classify(m, key, target)
    return cache[(key, target)]


def _classify(m: Matrix, key: str, target: Release) -> Optional[Hint]:
    if m.pattern_for(key) or not nobody_reads(m, key):
        return None
    names = _names(m, target)
    exact = names.get(_norm(key))
    if exact:
        return Hint("typo", exact)
    foreign = foreign_keys()
    if key in foreign:
        return Hint("foreign", key)
    squeezed = re.sub(r"[-_]", "", key)  # max-memory: Redis's maxmemory written the Kvrocks way
    if squeezed in foreign:
        return Hint("foreign", squeezed)
    close = _close(m, target, _norm(key))
    return Hint("typo", names[close]) if close else None


def _variants(s: str) -> set[str]:
    """``s`` and every string one character shorter (a symmetric-deletion index: two names share a
    variant when they are within about two edits: a letter dropped, added, changed or swapped)."""
    return {s} | {s[:i] + s[i + 1:] for i in range(len(s))}


def _close(m: Matrix, target: Release, norm: str) -> Optional[str]:
    """The target's option (normalised) closest to ``norm``: candidates from the deletion index, the
    best ``difflib`` ratio at or above CUTOFF among them. A full difflib scan of ~250 names per
    unknown key cost 0.5 ms; the index keeps a file of 10,000 made-up keys fast."""
    cache = m.__dict__.setdefault("_unknown_key_index", {})
    if target not in cache:
        index: dict[str, set[str]] = {}
        for name in _names(m, target):
            for v in _variants(name):
                index.setdefault(v, set()).add(name)
        cache[target] = index
    index = cache[target]
    if len(norm) > 1 + max(len(v) for v in index):  # no name within one deletion: and never build
        return None                                # the variants of a huge key (a 1 MB key: 1 TB)
    found = sorted({n for v in _variants(norm) for n in index.get(v, ())})
    return (difflib.get_close_matches(norm, found, n=1, cutoff=CUTOFF) or [None])[0]


def handles(ctx: Context, ln: Line) -> bool:
    """Whether this transform owns the line (target_check then says nothing about it)."""
    s = ctx.settings
    if (s.select and transform.name not in s.select) or transform.name in s.ignore:
        return False
    return ln.kind == "directive" and classify(ctx.matrix, ln.norm_key, ctx.target, ln.text) is not None


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    m = ctx.matrix
    tgt = m.release(ctx.target)
    loud = "ignored with a warning at startup" if tgt.unknown_keys == "warn" else "silently ignored"
    # How many lines each misspelling points at: two lines renamed to one key would set it twice.
    aiming: Counter[str] = Counter()
    for ln in ctx.doc.directives():
        if m.state(ln.norm_key, ctx.target) is None:
            h = classify(m, ln.norm_key, ctx.target)
            if h is not None and h.kind == "typo":
                aiming[h.detail] += 1
    for ln in ctx.doc.active():
        if ln.kind not in ("directive", "skipped") or not ln.key:
            continue
        key = ln.norm_key
        if ln.kind == "directive" and m.state(key, ctx.target) is not None:
            continue
        hint = classify(m, key, ctx.target, ln.text)
        if hint is None or (hint.kind != "stray_comment" and ln.kind != "directive"):
            continue
        if hint.kind == "stray_comment":
            lead, stray = STRAY_COMMENT.match(ln.text).groups()  # type: ignore[union-attr]
            reads = (f"{tgt.name} reads {cut(key)!r} as a key and the line is {loud}" if ln.kind == "directive"
                     else f"{tgt.name} skips the line")
            if _hides_secret(m, ln.text[len(lead) + len(stray) + 1:]):
                # A commented-out credential: any edit would put it in the diff. Said, not touched.
                yield transform.finding(
                    key, "warning",
                    f"line {ln.lineno} starts with {stray!r} before '#': it looks like a commented-out secret"
                    f" setting, but {reads}. Drop {stray!r} by hand (the line is not shown: it holds a credential).",
                    line=ln, action="manual", why="the line holds a credential: kvupgrade never rewrites or prints it",
                )
                continue
            yield transform.finding(
                key, "warning",
                f"line {ln.lineno} starts with {stray!r} before '#': it looks like a comment, but {reads}."
                f" Dropping {stray!r} makes it the comment it was meant to be.",
                line=ln, action="convert_value", safety="safe",
                new_lines=[lead + ln.text[len(lead) + len(stray):]],
                why="no Kvrocks release reads the line as an option: it sets nothing either way",
            )
        elif hint.kind == "foreign":
            name = hint.detail
            project, what = foreign_keys()[name]
            yield transform.finding(
                key, "warning",
                f"{cut(key)} is {'' if key == name else f'spelt like {name}, '}a {project} option: {what}. Kvrocks"
                f" does not implement it: in {tgt.name} the line is {loud}, and no Kvrocks release reads it.",
                line=ln, action="comment_out", safety="safe",
                new_lines=[commented(ln, f"{project} option {name}, not read by Kvrocks")],
                before=ctx.shown(key, ln.value),
                why=f"no Kvrocks release reads this {project} key: the target ignores the line either way,"
                    " and the comment keeps it visible",
            )
        else:
            yield from _typo(ctx, ln, hint.detail, loud, aiming)


def _hides_secret(m: Matrix, rest: str) -> bool:
    """Whether a comment body starts with a secret key (``-# requirepass x``, ``-#namespace.a tok``)."""
    words = rest.split(None, 1)
    if not words:
        return False
    word = words[0].strip("\"'").lower()
    pat = m.pattern_for(word)
    return m.is_secret(word) or bool(pat is not None and pat.secret)


def _typo(ctx: Context, ln: Line, meant: str, loud: str, aiming: "Counter[str]") -> Iterator[Finding]:
    key = ln.norm_key
    name = ctx.matrix.release(ctx.target).name
    head = f"{cut(key)} is not an option of {name} (the line is {loud}; no Kvrocks release reads it)."
    if ctx.matrix.is_secret(meant):
        # The value is a credential under a misspelt key: shown nowhere, and never turned live by us.
        yield transform.finding(
            key, "error",
            f"{head} Did you mean {meant}? The value is not shown: it looks like a credential, and the line"
            f" sets no password today. Fix the key by hand.",
            line=ln, action="manual", why="a misspelt secret key: kvupgrade never rewrites or prints its value",
        )
        return
    shown = ctx.shown(key, ln.value)
    hold = _not_final(ctx, ln, meant, aiming)
    if hold:
        yield transform.finding(
            key, "warning", f"{head} Did you mean {meant}? Rename it by hand: {hold}.",
            line=ln, action="manual", before=shown, why=f"not renamed here: {hold}",
        )
        return
    yield transform.finding(
        key, "warning", f"{head} Did you mean {meant}? Renaming applies {shown} to {meant}.",
        line=ln, action="rename", new_lines=[replace_key(ln, meant)], before=shown, after=shown,
    )


PLAIN_VALUE = re.compile(r"[\w.:/,@+-]+")


def _not_final(ctx: Context, ln: Line, meant: str, aiming: "Counter[str]") -> str:
    """Why renaming here would not be the last word on the line ('' when it is). The rename runs at
    the target stage, after the hops: the renamed line must be one no hop, duplicate or value check
    would change on the next run, or apply would not be idempotent."""
    m = ctx.matrix
    tgt, src = m.release(ctx.target), m.release(ctx.source)
    if ctx.doc.occurrences(meant) or aiming[meant] > 1:
        return f"{meant} would then be set more than once"
    if ctx.settings.pin_defaults:
        return f"--pin-defaults may set {meant} too"
    if not PLAIN_VALUE.fullmatch(ln.value):
        return "the value needs a look under the option's own rules"
    st, before = m.state(meant, ctx.target), m.state(meant, ctx.source)
    if st is None or check_value(ln.value, st, tgt.integers):
        return f"{tgt.name} would refuse the value for {meant}"
    if ctx.events(meant):
        return f"{meant} changes between {src.name} and {tgt.name}: plan again once renamed"
    if st.type in INT_TYPES and not re.fullmatch(r"0|-?[1-9]\d*", ln.value):
        return "the value is not a plain decimal number, which releases read differently"
    if before is not None and check_value(ln.value, before, src.integers):
        return f"{src.name} would refuse the value for {meant}"
    if not _settles(ctx, replace_key(ln, meant)):
        return f"the renamed line needs other changes between {src.name} and {tgt.name}: plan again once renamed"
    return ""


def _settles(ctx: Context, text: str) -> bool:
    """Whether a plan of the renamed line alone, with the same settings less this transform, leaves
    it as it is (the other transforms' rules, not a copy of them). Cached per line and window."""
    from upgrader.settings import Settings

    if ctx.replan is None:  # no planner to ask: leave the rename to the operator
        return False
    s = ctx.settings
    memo = ctx.matrix.__dict__.setdefault("_unknown_key_settles", {})
    if len(memo) > CACHE_MAX:
        memo.clear()
    k = (text, ctx.source, ctx.target, s.unsafe_fixes, s.select, s.ignore, tuple(sorted(s.build_features.items())))
    if k not in memo:
        inner = Settings(unsafe_fixes=s.unsafe_fixes, select=s.select - {transform.name},
                         ignore=s.ignore | {transform.name}, build_features=dict(s.build_features))
        # select emptied by removing this transform would mean "all": then nothing else would run.
        same = bool(s.select) and not inner.select
        memo[k] = same or ctx.replan(text + "\n", inner) == text + "\n"
    return memo[k]
