"""``kvupgrade matrix``'s report: what changes between two releases (``changes.changes_between``),
one record per release on the way, in text or JSON (the other formats print the text).

``begin`` takes the document's head (from, to, data_version), ``file`` one release's record,
``end`` closes the document.
"""

from __future__ import annotations

from typing import IO, Any

from .writers import JsonWriter, Record, TextWriter, Writer


def release_text(hop: Record) -> str:
    """One release's block: its name (and how its facts are known), then a line per change."""
    ev = hop["evidence"]
    note = "" if ev == "source-verified" else (
        f"  [{ev}: from release notes, not verified in source]" if ev == "release-notes" else f"  [{ev}]")
    lines = [f"\n\n{hop['release']}{note}"]
    if not hop["options"] and not hop["behaviours"]:
        lines.append("  no option changes")
    for e in hop["options"]:
        refs = f" ({', '.join(e['refs'])})" if e["refs"] else ""
        lines.append(f"  {e['option']}: {e['change']}{refs}")
    for b in hop["behaviours"]:
        lines.append(f"  * {b['title']}" + (f" ({', '.join(b['refs'])})" if b["refs"] else ""))
    return "\n".join(lines)


class ChangesText(TextWriter):
    sep = ""
    renderer = staticmethod(release_text)

    def head(self, meta: dict[str, Any]) -> str:
        return f"Kvrocks {meta['from']} -> {meta['to']} (matrix {meta['data_version']})"

    def tail(self, summary: dict[str, Any]) -> str:
        return "\n"


class ChangesJson(JsonWriter):
    list_key = "releases"

    def tail(self, summary: dict[str, Any]) -> dict[str, Any]:
        return {}


def changes_writer(fmt: str, out: IO[str]) -> Writer:
    """JSON for json; text for every other format."""
    return ChangesJson(out) if fmt == "json" else ChangesText(out)
