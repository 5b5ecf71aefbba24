"""H9, ``compaction-checker-range A-B`` becomes a cron hour field in 2.9.0 (apache/kvrocks#2383).

From 2.9.0 the range is validated as cron hours: 0-23 and start < stop, so ``0-24``,
equal bounds and start > stop stop the server; it is also fatal together with
``compaction-checker-cron`` (which 2.9.0 introduced, and which older releases ignored).

Fixes convert the range to ``compaction-checker-cron * A-B * * *``:

* ``A-24``: safe, clamped to ``A-23``: hour 24 never occurs, so the same hours run.
* equal bounds, start > stop: unsafe. Which hours the old checker ran is inferred, not
  verified (an inclusive check runs hour A for ``A-A`` and never for start > stop); the
  proposal is the likely intent (hour A; a window across midnight).
* range and cron both set: unsafe; the range line is commented out so the cron line,
  which the source ignored, decides from now on.
"""

from __future__ import annotations

import re
from typing import Iterator, Optional

from upgrader.confmodel import Line
from upgrader.findings import Finding, Safety
from upgrader.registry import Context, Transform, commented

transform = Transform(
    __name__,
    kind="compaction-checker-range as cron",
    stage="hop",
    safety="safe",
    why="the cron line runs the compaction checker on the same hours as the old range",
    title="Convert an invalid compaction-checker-range to compaction-checker-cron",
    since=(2, 9, 0),
    priority=35,
)

KEY = "compaction-checker-range"
CRON = "compaction-checker-cron"
REFS = ["apache/kvrocks#2383"]
UNSURE = "the hours the old checker ran for this range are inferred, not verified: check the proposal"


def _hours(a: int, b: int) -> str:
    return str(a) if a == b else f"{a}-{b}"


def _as_cron(ln: Line, hours: str) -> str:
    (ka, kb), (va, vb) = ln.key_span, ln.value_span
    return ln.text[:ka] + CRON + ln.text[kb:va] + f"* {hours} * * *" + ln.text[vb:]


def _proposal(a: int, b: int) -> tuple[Optional[str], Safety]:
    """(cron hours, safety) for a range 2.9.0 refuses; (None, ...) when nothing sensible fits."""
    if a > 23 or b > 24:
        return None, "display"
    if b == 24 and a < 24:
        return _hours(a, 23), "safe"
    if a == b:
        return str(a), "unsafe"
    return f"{a}-23,0-{b}", "unsafe"


@transform.match
def match(ctx: Context) -> Iterator[Finding]:
    cron = ctx.effective().get(CRON)
    for ln in ctx.doc.occurrences(KEY):
        m = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", ln.value)
        if cron is not None:
            same = m is not None and cron.value.split() == ["*", _hours(int(m.group(1)), int(m.group(2))), "*", "*", "*"]
            yield transform.finding(
                KEY, "error",
                f"{KEY} {ln.value} and {CRON} {cron.value!r} are both set: fatal from 2.9.0. The source ignored"
                f" {CRON} (not an option before 2.9.0) and ran the checker on hours {ln.value}. The range line is"
                f" commented out, so {CRON} decides.",
                since=transform.since, line=ln, action="comment_out", references=REFS, before=ln.value,
                new_lines=[commented(ln, f"fatal with {CRON} from 2.9.0")],
                safety="safe" if same else "unsafe",
                why=(f"{CRON} runs the same hours" if same
                     else f"{CRON} names other hours than the range the source ran with: choose"),
            )
            continue
        if not m:
            yield transform.finding(
                KEY, "error", f"{KEY} {ln.value!r} is not an hour range A-B: 2.9.0+ refuse it (cron hours 0-23).",
                since=transform.since, line=ln, action="manual", references=REFS, before=ln.value,
            )
            continue
        a, b = int(m.group(1)), int(m.group(2))
        if a < b <= 23:
            continue
        hours, safety = _proposal(a, b)
        msg = (f"{KEY} {ln.value}: from 2.9.0 the range is cron hours 0-23 with start < stop;"
               " this value stops the server.")
        if hours is None:
            yield transform.finding(KEY, "error", msg + " Choose hours 0-23.", since=transform.since, line=ln,
                                    action="manual", references=REFS, before=ln.value)
            continue
        cron_value = f"* {hours} * * *"
        msg += f" Converted to {CRON} {cron_value!r}."
        yield transform.finding(
            KEY, "error", msg, since=transform.since, line=ln, action="convert_value",
            new_lines=[_as_cron(ln, hours)], references=REFS, before=ln.value, after=cron_value,
            safety=safety, why=None if safety == "safe" else UNSURE,
        )
