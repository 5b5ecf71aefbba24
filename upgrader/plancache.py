"""Plan each distinct kvrocks.conf once per fleet run (issue 15, part 1).

A fleet is mostly a few templates with per-node lines: port, dir, bind, pidfile, backup-dir,
log-dir, unixsocket, requirepass/masterauth, slaveof/replicaof, namespace tokens. No transform, the
impact model or source detection reads those keys' values by name (``tests/test_plancache.py``
parses the rules for them; the two that read log-dir are listed there with why they are safe), and a
value of a strictly safe shape (plain word, inside the domain of every release that matters,
equal to no default or shipped value) is one the generic per-value rules say nothing about. Such
a line is *opaque*: two files that differ only in opaque values get the same plan, up to those
values.

``PlanCache`` keys a conf by the request and the text with each opaque value replaced by a
placeholder (which opaque values are equal stays in the key: a rule comparing two of them sees
the same thing), plans the first file of a key (the representative) in full and checks, at run
time, that the plan really ignores its opaque lines: no finding cites one or names its key, no
edit lands on one, each survives unchanged into the new text, and no opaque value shows anywhere
a renderer reads. A key that fails the guard is planned file by file. A member gets a copy of the
plan with its own path, old text, new text (the representative's with the member's opaque lines
put back) and its own secrets, so each node's own secret is masked in its own output.

Carriers (YAML, systemd, ...) are never shared: ``carriers.plan_any(..., conf=cache)`` hands the
cache only the files that are kvrocks.conf, and plans carriers each time. One cache lives in
each worker process (the pool forks). A key's first file is planned as is and only its second
builds the shared entry, so with J workers a key is planned at most 2J times (more if the LRU bound
evicts it); a fleet of distinct files is looked up one file in SAMPLE. Pure: text in, plans out.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
from collections import Counter, OrderedDict
from dataclasses import dataclass, field, replace
from typing import NamedTuple, Optional

from .confmodel import Document, lines_with_ends, parse_line, split_lines
from .findings import Plan
from .matrix import Matrix, OptionState
from .planner import collect_secrets, plan as plan_conf
from .request import Request
from .values import check_value
from .versions import Release

_check_fresh = check_value.__wrapped__  # a node's own value is seen once: no cache slot for it

# The per-node keys a file's plan may ignore. Each is checked against the matrix per request
# (states, events, forbidden) before a line of it is opaque; namespace.<name> lines are the
# tokens of a pattern key. A key read by name anywhere in the rules must not be here (a test
# enforces it).
OPAQUE_KEYS: frozenset[str] = frozenset({
    "port", "bind", "dir", "pidfile", "backup-dir", "unixsocket", "requirepass", "masterauth",
    "slaveof", "replicaof",
    # log_dir_stdout reads only whether log-dir is set (the key stays in the sharing key); its
    # special word ``stdout`` is never opaque: only an absolute path is (_SHAPES).
    "log-dir",
})
_HOST_PORT = frozenset({"slaveof", "replicaof"})  # their value is "<host> <port>": two words
_PORT_WORD = re.compile(r"[1-9][0-9]{0,4}")
# bind's value is one or more addresses: each word an IPv4/IPv6 literal (a host name is not opaque).
_ADDRESS = re.compile(r"[0-9A-Fa-f.:]+")
# Keys whose opaque value must also have this shape (a special word means something else).
# log-dir: logging_switch reads whether the value holds ',' or ':' (a 2.13 destination list), so
# an opaque one holds neither.
_SHAPES = {"log-dir": re.compile(r"/[A-Za-z0-9_/.@+=-]*")}
NAMESPACE = "namespace."
_KEYS = "|".join(sorted(map(re.escape, OPAQUE_KEYS), key=len, reverse=True))
# A strict line: canonical lower-case key, single spaces, a plain word up to the line's end.
# Quotes, '#', blanks, backslashes and control characters never match, so both grammars read
# the same value.
# The key of a line as the quoted grammar cuts it (leading blanks skipped, up to a blank or '#')
# and as the legacy one does (up to a space or tab; a line starting with '#' is a comment).
# All three run on "\n" + text: a leading literal lets the regex engine jump from line to line
# (a multi-line '^' tries every character).
_STRICT = re.compile(r"\n(" + _KEYS + r"|namespace\.[a-z0-9_]+)( +)([A-Za-z0-9_/.][A-Za-z0-9_/.:@+=-]*(?: [A-Za-z0-9_/.:-]+){0,7})(?=\r\n|\n|\Z)")
_QKEY = re.compile(r"\n[ \t\v\f\r]*([^ \t\n\v\f\r#]+)")
_LKEY = re.compile(r"\n([^#\n][^ \t\n]*)")
_INT = re.compile(r"[1-9][0-9]{0,9}")
_INT_TYPES = ("int", "uint32", "int64", "uint64")
_ALLOWED_EVENT_CHANGES = frozenset({"default", "shipped", "type", "readonly"})
# A file holding a character some reader takes for a line break (or a NUL) has no opaque line.
_ODD = ("\x00", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\u2028", "\u2029")

class Opaque(NamedTuple):
    index: int  # 0-based line index
    key: str
    start: int  # where the value starts in the line text
    value: str
    at: int  # where the value starts in the whole text


@dataclass
class Keyed:
    """A conf text's sharing key and its opaque lines."""

    key: bytes
    raw: list[tuple[str, str]]
    opaque: list[Opaque]


@dataclass
class _Entry:
    plan: Optional[Plan]  # None: the key failed the guard, its files are planned one by one
    opaque: list[Opaque] = field(default_factory=list)
    new_index: dict[int, int] = field(default_factory=dict)  # old line index -> line index in new_text
    new_lines: list[str] = field(default_factory=list)  # the representative's new text, split
    # What every member gets a fresh copy of, pickled once (C speed; keeps the edit a finding and
    # the plan's edit list share as one object).
    parts: bytes = b""
    # The secrets of the text outside the opaque lines (identical in every member: the key holds
    # it byte for byte). A secret scan is line-local (secretscan: a value never spans into a line
    # that starts with a key), so a member's secrets are these plus its opaque lines' own.
    common: frozenset[str] = frozenset()


def _window(m: Matrix, request: Request) -> tuple[Release, ...]:
    """The releases whose reading of a value can matter: the plan's window, or every release
    when the source is detected (detection reads every release's verdict and shipped values)."""
    if request.source is None:
        return tuple(r.version for r in m.releases)
    lo, hi = sorted((request.source, request.target))
    return tuple(r.version for r in m.releases if lo <= r.version <= hi)


class _KeyRule(NamedTuple):
    states: tuple[tuple[OptionState, str, str], ...]  # distinct (state, integers era, grammar)
    banned: frozenset[str]  # defaults and shipped values: a rule may compare with them
    integer: bool


def _rule(m: Matrix, key: str, rels: tuple[Release, ...]) -> Optional[_KeyRule]:
    """How a value of ``key`` must look to be opaque over ``rels``; None: the key never is."""
    if key in m.forbidden or not rels:
        return None
    life = m.options.get(key)
    if life is None:
        return None
    lo, hi = rels[0], rels[-1]
    for ev in life.events_between(lo, hi):
        # The option's introduction is allowed: releases before it do not know the key at all.
        if ev.renamed_to is not None or (not ev.first and not set(ev.changes) <= _ALLOWED_EVENT_CHANGES):
            return None
    states: dict[tuple[OptionState, str, str], None] = {}
    banned: set[str] = set()
    for r in rels:
        st = m.state(key, r)
        if st is None:
            # Not an option of r: r reads the line as an unknown key whatever its value (a plan
            # from or through r says so on the line, and the guard then refuses to share it).
            continue
        if st.status != "active" or st.ifdef or st.unit or st.accepted_suffixes:
            return None
        info = m.release(r)
        states[(st, info.integers, info.grammar)] = None
        banned.update(v for v in (st.default, st.shipped) if v is not None)
    if not states:
        return None
    types = {st.type for st, _, _ in states}
    if types <= set(_INT_TYPES):
        integer = True
    elif types == {"string"}:
        integer = False
    else:
        return None
    return _KeyRule(tuple(states), frozenset(banned), integer)


def _namespace_ok(m: Matrix, rels: tuple[Release, ...]) -> bool:
    p = m.pattern_for(NAMESPACE + "x")
    return (p is not None and p.prefix == NAMESPACE and bool(rels) and p.since <= rels[0]
            and not any(k.startswith(NAMESPACE) for k in m.forbidden))


def _words_ok(key: str, value: str) -> bool:
    """A value's words fit its key: slaveof/replicaof ``<host> <port>``, bind one or more
    addresses, anything else one word (of the key's shape, if it has one)."""
    words = value.split(" ")
    if key in _HOST_PORT:
        return len(words) == 2 and _PORT_WORD.fullmatch(words[1]) is not None
    if key == "bind":
        return all(_ADDRESS.fullmatch(w) for w in words)
    shape = _SHAPES.get(key)
    return len(words) == 1 and (shape is None or shape.fullmatch(value) is not None)


def _value_ok(rule: _KeyRule, value: str, eol: str) -> bool:
    if value in rule.banned or (rule.integer and not _INT.fullmatch(value)):
        return False
    for st, era, grammar in rule.states:
        # The legacy grammar keeps a CRLF line's '\r' in the value (confmodel): judge that value.
        v = value + "\r" if grammar == "legacy" and eol == "\r\n" else value
        if _check_fresh(v, st, era) is not None:
            return False
    return True


# A key seen once: its second file makes the entry (``PlanCache.__call__``).
_SEEN = _Entry(None)
# After MISS_STREAK lookups without a repeat, only one file in SAMPLE is looked up until one repeats.
MISS_STREAK = 64
SAMPLE = 8


class PlanCache:
    """Plans kvrocks.conf texts once per sharing key (LRU-bounded): ``cache(text, request, path)``
    returns what ``planner.plan`` would. ``carriers.plan_any(..., conf=cache)`` passes it the
    files that are kvrocks.conf (carriers are never shared)."""

    def __init__(self, bound: int = 64) -> None:
        self.bound = bound
        self._entries: "OrderedDict[bytes, _Entry]" = OrderedDict()
        self._rules: dict[tuple[int, str, tuple[Release, ...]], Optional[_KeyRule]] = {}
        self.planned = 0  # full plans computed (first and second files of a key, keys that failed the guard)
        self.shared = 0  # files whose plan was mapped from a representative's
        self._misses = 0  # lookups since the last hit
        self._skipped = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __bool__(self) -> bool:  # an empty cache is still a planner (``conf or plan`` must keep it)
        return True

    def __call__(self, text: str, request: Request, path: Optional[str] = None) -> Plan:
        if self._misses >= MISS_STREAK:
            # A fleet of distinct configs: look up only one file in SAMPLE until a key repeats
            # (planning directly is the same plan; only the key's cost is saved).
            self._skipped += 1
            if self._skipped % SAMPLE:
                self.planned += 1
                return plan_conf(text, request, path)
        keyed = self.key(text, request)
        entry = self._entries.get(keyed.key)
        if entry is None:
            # First file of a key: planned as is, the key only remembered. The guard and the copy
            # a member needs cost more than a plan's share of a fleet of distinct files, so they
            # wait for a second file of the key.
            self._misses += 1
            self.planned += 1
            plan = plan_conf(text, request, path)  # raises for a bad file: nothing is remembered
            self._remember(keyed.key, _SEEN)
            return plan
        self._misses = 0
        self._entries.move_to_end(keyed.key)
        if entry is _SEEN:
            self.planned += 1
            rep = plan_conf(text, request, path)
            entry = guarded(rep, keyed, request.matrix)
            self._entries[keyed.key] = entry
            if entry.plan is None:
                return rep
            return mapped(entry, keyed, text, path, request.matrix)
        if entry.plan is None:
            self.planned += 1
            return plan_conf(text, request, path)
        self.shared += 1
        return mapped(entry, keyed, text, path, request.matrix)

    def _remember(self, key: bytes, entry: _Entry) -> None:
        self._entries[key] = entry
        if len(self._entries) > self.bound:
            self._entries.popitem(last=False)

    # --- the key -------------------------------------------------------------------
    def _rule_for(self, m: Matrix, key: str, rels: tuple[Release, ...]) -> Optional[_KeyRule]:
        k = (id(m), key, rels)
        if k not in self._rules:
            if len(self._rules) > 4096:  # bounded: namespace names are per node
                self._rules.clear()
            self._rules[k] = _rule(m, key, rels)
        return self._rules[k]

    def key(self, text: str, request: Request) -> Keyed:
        """The sharing key of a conf text for ``request``, and its opaque lines."""
        m = request.matrix
        raw = split_lines(text)
        opaque = [] if any(c in text for c in _ODD) else self._opaque(text, raw, m, _window(m, request))
        h = hashlib.blake2b(digest_size=20)
        # The request's identity: the matrix object (one per run), releases, settings, carrier, kind.
        h.update(repr((id(m), request.source, request.target, request.settings, request.carrier,
                       request.kind)).encode())
        h.update(b"\0")
        slots: dict[str, int] = {}
        done = 0
        # The text, each opaque value replaced by the number of its first equal (which opaque
        # values are equal stays in the key: namespace tokens vs requirepass). Tagged and
        # length-prefixed pieces: no literal text can spell a placeholder.
        for o in opaque:
            piece = text[done:o.at].encode("utf-8", "surrogatepass")
            h.update(b"L" + len(piece).to_bytes(8, "little") + piece)
            h.update(b"O%d;" % slots.setdefault(o.value, len(slots)))
            done = o.at + len(o.value)
        piece = text[done:].encode("utf-8", "surrogatepass")
        h.update(b"L" + len(piece).to_bytes(8, "little") + piece)
        return Keyed(h.digest(), raw, opaque)

    def _opaque(self, text: str, raw: list[tuple[str, str]], m: Matrix,
                rels: tuple[Release, ...]) -> list[Opaque]:
        # Every line's key as each grammar cuts it (confmodel), lower-cased: a key is opaque only
        # if its strict line is the one line of the file either grammar reads that key from.
        lined = "\n" + text
        # Counted in C on the lower-cased text (str.lower maps character by character, so a key
        # found there is the key found in the text, lower-cased); then the two corrections the
        # grammars make: a BOM before the first key, a CR the legacy grammar keeps in a bare key.
        low = lined.lower()
        said = Counter(_QKEY.findall(low))
        legacy = Counter(_LKEY.findall(low))
        for counts, fix in ((said, lambda k: k.lstrip("\ufeff")), (legacy, lambda k: k.lstrip("\ufeff").rstrip("\r"))):
            for k in [k for k in counts if k[:1] == "\ufeff" or k[-1:] == "\r"]:
                n = counts.pop(k)
                counts[fix(k)] += n
        said.update(legacy)
        namespaces = sum(n for k, n in said.items() if k.startswith(NAMESPACE))
        found: list[Opaque] = []
        line = last = 0
        for mt in _STRICT.finditer(lined):
            begin = mt.start()  # where the line starts in text (lined has one more character first)
            line += text.count("\n", last, begin)
            last = begin
            key = mt[1]
            if said[key] == 2 and _words_ok(key, mt[3]):
                found.append(Opaque(line, key, mt.start(3) - mt.start() - 1, mt[3], mt.start(3) - 1))
        strict_ns = sum(1 for o in found if o.key.startswith(NAMESPACE))
        ns_ok = strict_ns * 2 == namespaces and _namespace_ok(m, rels)  # no other namespace line at all
        out: list[Opaque] = []
        for o in found:
            if o.key.startswith(NAMESPACE):
                if ns_ok and _parses_same(raw, o):
                    out.append(o)
                continue
            rule = self._rule_for(m, o.key, rels)
            if rule is not None and _value_ok(rule, o.value, raw[o.index][1]) and _parses_same(raw, o):
                out.append(o)
        return out


_ALNUM = re.compile(r"[A-Za-z0-9]")
_SAME: dict[tuple[str, str], bool] = {}  # (line shape, eol) -> both grammars read it as the regex did


def _parses_same(raw: list[tuple[str, str]], o: Opaque) -> bool:
    """Both grammars read the line as ``key value`` at the place the key was cut at (cheap
    insurance that the strict regex and confmodel agree). Asked of the line's shape: its value
    with every letter and digit made an ``a`` (no grammar gives them a meaning; the punctuation,
    which could have one, is kept), so a fleet's per-node lines share a few answers."""
    t, e = raw[o.index]
    shape = t[:o.start] + _ALNUM.sub("a", o.value)
    if len(shape) != len(t):  # not key, blanks and value alone: ask of the line itself
        return _reads_as(t, e, o.key, o.start, o.value)
    got = _SAME.get((shape, e))
    if got is None:
        if len(_SAME) > 4096:  # bounded: shapes repeat, but a hostile fleet could make many
            _SAME.clear()
        got = _SAME[(shape, e)] = _reads_as(shape, e, o.key, o.start, shape[o.start:])
    return got


def _reads_as(t: str, e: str, key: str, start: int, value: str) -> bool:
    for g in ("quoted", "legacy"):
        ln = parse_line(t, e, 2, g, cached=False)  # type: ignore[arg-type]  # (line 2: no BOM to strip)
        if ln.kind != "directive" or ln.key != key or ln.value_span[0] != start or ln.quoted:
            return False
        if ln.value.rstrip("\r") != value or ln.comment_start is not None:
            return False
    return True


# --- the guard ---------------------------------------------------------------------------
def _shown(p: Plan) -> str:
    """Everything a renderer shows of a plan besides its texts and path, as one string."""
    return json.dumps([[f.to_dict() for f in p.findings], [(e.lineno, e.new_lines, e.rule) for e in p.edits],
                       p.from_detected, p.impact, p.hops, p.from_version, p.to_version, p.direction,
                       p.kind, p.build_features], ensure_ascii=False, default=str)


def _parts(p: Plan) -> bytes:
    return pickle.dumps((p.findings, p.edits, p.from_detected, p.impact, p.hops, p.build_features),
                        pickle.HIGHEST_PROTOCOL)


def guarded(rep: Plan, keyed: Keyed, m: Matrix) -> _Entry:
    """The cache entry for a representative's plan: shareable only if it ignores its opaque lines."""
    if not keyed.opaque:
        return _Entry(rep, [], parts=_parts(rep))  # nothing opaque: only byte-identical texts share the key
    lines = {o.index + 1 for o in keyed.opaque}
    keys = {o.key for o in keyed.opaque}
    for f in rep.findings:
        if f.line in lines or f.option.lower() in keys or (f.edit is not None and f.edit.lineno in lines):
            return _Entry(None)
    if any(e.lineno in lines for e in rep.edits):
        return _Entry(None)
    # An opaque value standing as a word anywhere a renderer shows (a '6384' inside '16384 MB' is
    # another number, not the port).
    shown = _shown(rep)
    if any(re.search(r"(?<![A-Za-z0-9_])" + re.escape(o.value) + r"(?![A-Za-z0-9_])", shown) for o in keyed.opaque):
        return _Entry(None)
    new_lines = lines_with_ends(rep.new_text)
    content = {}
    for j, ln in enumerate(new_lines):
        c = _content(ln)
        content.setdefault(c, []).append(j)
    new_index: dict[int, int] = {}
    for o in keyed.opaque:
        at = content.get(keyed.raw[o.index][0], [])
        if len(at) != 1:
            return _Entry(None)
        new_index[o.index] = at[0]
    return _Entry(rep, keyed.opaque, new_index, new_lines, _parts(rep), _common_secrets(keyed, m))


def _common_secrets(keyed: Keyed, m: Matrix) -> frozenset[str]:
    """The secrets of a text with its opaque lines blanked (their line ends kept)."""
    raw = list(keyed.raw)
    for o in keyed.opaque:
        raw[o.index] = ("", raw[o.index][1])
    text = "".join(t + e for t, e in raw)
    return frozenset(collect_secrets(Document(raw, [], "quoted", text), m, text))


def _member_secrets(entry: _Entry, keyed: Keyed, m: Matrix) -> list[str]:
    """A member's secrets: the entry's common ones and those of its own opaque lines."""
    # Only lines holding a secret needle (or "password", as secretscan's windows) can hold a secret:
    # the scan looks nowhere else, and no opaque line starts a flag's next-line value (it starts
    # with its key).
    own = [(t, e) for t, e in (keyed.raw[o.index] for o in keyed.opaque)
           if m.may_hold_secret(t) or "password" in t.lower()]
    values = set(entry.common)
    if own:
        text = "".join(t + e for t, e in own)
        values.update(collect_secrets(Document(own, [], "quoted", text), m, text))
    return sorted(values, key=lambda v: (-len(v), v))  # longest first; ties in one order in every process


def _content(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    return line[:-1] if line.endswith("\n") else line


# --- mapping a plan onto a member -----------------------------------------------------------
def mapped(entry: _Entry, keyed: Keyed, text: str, path: Optional[str], m: Matrix) -> Plan:
    """The representative's plan as the member's own: copied (renderers and judges mutate plans),
    with the member's path, texts and secrets."""
    rep = entry.plan
    assert rep is not None
    if entry.opaque:
        new = list(entry.new_lines)
        for o in keyed.opaque:
            j = entry.new_index[o.index]
            line = new[j]
            new[j] = keyed.raw[o.index][0] + line[len(_content(line)):]
        new_text = "".join(new)
    else:
        new_text = rep.new_text  # byte-identical texts
    findings, edits, detected, impact, hops, features = pickle.loads(entry.parts)
    return replace(
        rep, path=path, findings=findings, old_text=text, new_text=new_text, hops=hops, from_detected=detected,
        edits=edits, secrets=_member_secrets(entry, keyed, m) if entry.opaque else list(rep.secrets), impact=impact,
        build_features=features,
    )


__all__ = ["OPAQUE_KEYS", "PlanCache", "guarded", "mapped"]
