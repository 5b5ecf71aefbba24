"""Human-readable output: findings per file, the diff, a summary. Colour only on a TTY.

Every string from a record goes through ``escape.visible`` where it is put into a line (a
walk over the whole record first would cost about as much as rendering it), so the only
control sequences this format writes are its own colours, and only on a TTY.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..impact import view as iv
from .common import fix_label
from .escape import diff_lines, visible

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m", "+": "\033[32m", "-": "\033[31m",
            "@": "\033[35m"}
_RESET = "\033[0m"
WIDTH = 100
# A value of megabytes in a message is useless to read and made textwrap quadratic (it re-slices
# a long word once per output line). Prose is shortened first, in linear time: a word over
# LONG_WORD characters shows its first WORD_HEAD and its length; of prose longer than that,
# about PROSE_HEAD characters are kept from the start and PROSE_TAIL from the end, and the
# middle is replaced by its length. The JSON formats keep every character.
LONG_WORD, WORD_HEAD = 200, 60  # a shortened word ("<60>...[15728640 chars]") fits a line
PROSE_HEAD, PROSE_TAIL = 2048, 1024


def _word(text: str, a: int, b: int) -> str:
    if b - a <= LONG_WORD:
        return text[a:b]
    return f"{text[a:a + WORD_HEAD]}...[{b - a} chars]"


def shorten(text: str) -> str:
    """What an operator reads of prose that holds a huge value (see LONG_WORD). Linear time with
    C string searches, and no more Python steps than shown words (a regex or a split of 15 MB
    of words takes about a second)."""
    if len(text) <= LONG_WORD:
        return text
    if "\t" in text:
        text = text.expandtabs()  # as textwrap does, so words are the ones it will see
    n = len(text)
    # Words from the start until about PROSE_HEAD characters are shown ...
    head: list[str] = []
    pos = size = 0
    while pos <= n and size < PROSE_HEAD:
        end = text.find(" ", pos)
        end = n if end < 0 else end
        head.append(_word(text, pos, end))
        size += len(head[-1]) + 1
        pos = end + 1
    if pos > n:
        return " ".join(head)
    # ... and from the end until about PROSE_TAIL are; what lies between is counted, not shown.
    tail: list[str] = []
    stop = n
    size = 0
    while stop >= pos and size < PROSE_TAIL:
        start = max(text.rfind(" ", pos, stop) + 1, pos)
        tail.append(_word(text, start, stop))
        size += len(tail[-1]) + 1
        stop = start - 1
    tail.reverse()
    if stop < pos:
        return " ".join(head + tail)
    return " ".join(head) + f" ...[{stop - pos} chars]... " + " ".join(tail)


def _wrap_now(text: str, width: int) -> tuple[str, ...]:
    # No word is longer than LONG_WORD after shorten, so textwrap's long-word slicing stays bounded.
    return tuple(textwrap.wrap(shorten(text), width))


# A fleet repeats the same messages file after file. A huge text is unique to its file, and as
# a cache key would stay in memory: it is wrapped without the cache.
_wrap_cached = lru_cache(maxsize=4096)(_wrap_now)
CACHED_UP_TO = 4096


def _wrap(text: str, width: int) -> tuple[str, ...]:
    return (_wrap_cached if len(text) <= CACHED_UP_TO else _wrap_now)(text, width)


def _c(text: str, key: str, colour: bool) -> str:
    return f"{_COLOURS[key]}{text}{_RESET}" if colour and key in _COLOURS else text


def render_file(f: dict[str, Any], command: str, colour: bool = False, show_diff: bool = True) -> str:
    if f["status"] == "error":
        return _c("error", "error", colour) + f": {visible(f['error'])}\n"
    out: list[str] = []
    head = f"{f['path']}: Kvrocks {f['from']} -> {f['to']}"
    if len(f["hops"]) > 1:
        head += f" (through {', '.join(f['hops'])})"
    if f.get("kind") and f["kind"] != "conf":
        head += f" [{f['kind']}]"
    out.append(visible(head))
    if f.get("direction") == "rollback":
        out.append(visible(f"  rollback plan: the file {f['from']} ran with, made fit for Kvrocks {f['to']}"))
    det = f.get("from_detected")
    if det:
        out.append(visible(f"  source version detected: {det['version']} ({det['confidence']} confidence:"
                           f" {det['reason']})"))
    live = f.get("live")
    if live:  # plan/verify --live: which node, and how its release was found
        how = f"  node {live['node']}: " + (f"runs {live['release']} ({live['confidence']}: {live['how']})"
                                            if "release" in live else
                                            f"{'verified' if live.get('ok') else 'not verified'}, {live['checked']}"
                                            f" setting(s) read back; runs {live.get('node_release') or 'unknown'}"
                                            f" ({live['how']})")
        out.append(visible(how))
    rs = f.get("realserver")
    if rs and rs.get("verified"):
        state = "started" if rs.get("started") else "did not start"
        out.append(visible(f"  real server: {rs['version']} {state} on it ({rs['seconds']} s)"))
    if not f["findings"]:
        out.append("  no findings")
    for x in f["findings"]:
        where = f"line {x['line']}" if x["line"] else "not set"
        label = fix_label(x, command)
        state = f" [{'fix: ' if label == 'will apply' else ''}{label}]" if label else ""
        sev = _c(f"{x['severity']:<7}", x["severity"], colour)
        out.append(f"  {sev} {where:<9} {shorten(visible(x['option']))}{visible(state)}")
        for para in _wrap(visible(x["message"]), WIDTH - 12):
            out.append(" " * 12 + para)
        if x["action"] != "none" and not x["applied"] and x["why"]:
            out.append(" " * 12 + visible(f"why: {x['why']}"))
        if x["references"]:
            out.append(" " * 12 + visible("refs: " + ", ".join(x["references"])))
        if x["evidence"] != "source-verified":
            note = " (from release notes, not verified in source)" if x["evidence"] == "release-notes" else ""
            out.append(" " * 12 + visible(f"evidence: {x['evidence']}{note}"))
        if x.get("impact"):
            out.extend(_finding_impact(x["impact"]))
    if f.get("impact"):
        out.extend(_impact_section(f, colour))
    if show_diff and f.get("diff"):
        out.append("")
        for line in diff_lines(f["diff"]):
            key = line[:1] if line[:1] in "+-@" and not line.startswith(("+++", "---")) else ""
            out.append(_c(line, key, colour) if key else line)
    tail = []
    if command == "apply":
        if f.get("written"):
            tail.append("written" + (f", backup at {visible(f['backup'])}" if f.get("backup") else ""))
        else:
            tail.append("nothing to change" if not f.get("changed") else "not written")
    if command == "verify":  # blockers here: the node does not run the target
        tail.append("verified" if f["exit"] == 0 else
                    "not verified: " + ("the node does not run the target release" if f["exit"] == 4 else
                                        "a setting differs from the node or is ignored by it"))
    elif f.get("blockers"):
        tail.append(_c(f"{f['blockers']} blocker(s): the target would refuse this config", "error", colour))
    if tail:
        out.append("  " + "; ".join(tail))
    return "\n".join(out) + "\n"


@dataclass(frozen=True)
class FileText:
    """``render_file`` with the run's settings bound: picklable, so a fleet worker renders the file."""

    command: str
    colour: bool
    show_diff: bool

    def __call__(self, f: dict[str, Any]) -> str:
        return render_file(f, self.command, self.colour, self.show_diff)


def _finding_impact(imp: dict[str, Any]) -> list[str]:
    head = " ".join(p for p in (imp["resource"], imp["direction"], iv.magnitude(imp)) if p and p != "none")
    text = f"impact ({head + '; ' if head else ''}{iv.basis(imp)}): {imp['text']}"
    return [" " * 12 + para for para in _wrap(visible(text), WIDTH - 12)]


def _impact_section(f: dict[str, Any], colour: bool) -> list[str]:
    """Memory budget before/after, other figures that change, and advice (docs/IMPACT.md)."""
    imp = f["impact"]
    mem = imp["memory_mb"]
    out = ["", _c(f"  Impact: memory budget {mem['before']} MB -> {mem['after']} MB"
                  + (f" ({iv.signed(mem['delta'])})" if mem["delta"] else " (unchanged)"), "@", colour)]
    out += ["    " + visible(ln) for ln in iv.table(("memory", f["from"], f["to"], "change"), iv.memory_rows(imp))]
    rows = iv.change_rows(imp)
    if rows:
        out.append("")
        out += ["    " + visible(ln) for ln in iv.table(("area", "figure", f["from"], f["to"]), rows)]
    for a in imp.get("advice", []):
        out += ["    " + para for para in _wrap(visible(f"advice: {a}"), WIDTH - 4)]
    return out


def render_summary(s: dict[str, Any], command: str) -> str:
    if command == "verify":  # per file: verified (unchanged), differs, or not on the target (blocked)
        return (f"{s['files']} file(s): {s['unchanged']} verified, {s['files'] - s['unchanged'] - s['failed']} not"
                f" verified, {s['failed']} failed; findings: {s['findings']['error']} error,"
                f" {s['findings']['warning']} warning, {s['findings']['info']} info\n")
    verb = "changed" if command == "apply" else "to change"
    skipped = f", {s['skipped']} skipped (no Kvrocks settings)" if s.get("skipped") else ""
    return (f"{s['files']} file(s): {s['changed']} {verb}, {s['unchanged']} unchanged, {s['failed']} failed,"
            f" {s['blocked']} blocked{skipped}; findings: {s['findings']['error']} error,"
            f" {s['findings']['warning']} warning, {s['findings']['info']} info\n")


def render_table(s: dict[str, Any], command: str) -> str:
    """The end-of-run table of a fleet: counts, findings by severity and by option."""
    verb = "changed" if command == "apply" else ("to change" if command == "plan" else "with changes")
    rows = [("files scanned", s["files"]), (verb, s["changed"]), ("unchanged", s["unchanged"]),
            ("failed", s["failed"]), ("blocked", s["blocked"])]
    sev = s["findings"]
    out = ["", "Summary", *[f"  {k:<16}{v:>8}" for k, v in rows],
           "", "Findings by severity", *[f"  {k:<16}{sev.get(k, 0):>8}" for k in ("error", "warning", "info")]]
    if s["by_option"]:
        # Option names come from the configs: shown escaped and shortened, or one huge key would
        # pad every row of the table to its length.
        shown = {opt: shorten(visible(opt)) for opt in s["by_option"]}
        out += ["", "Findings by option"]
        width = max(16, max(len(k) for k in shown.values()) + 2)
        for opt, n in sorted(s["by_option"].items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(f"  {shown[opt]:<{width}}{n:>8}")
    return "\n".join(out) + "\n"


def render(files: list[dict[str, Any]], summary: dict[str, Any], command: str, meta: dict[str, Any],
           colour: bool = False, show_diff: bool = True) -> str:
    parts = [render_file(f, command, colour, show_diff) for f in files]
    parts.append(render_summary(summary, command))
    return "\n".join(parts)
