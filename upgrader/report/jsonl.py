"""JSON Lines output: one object per file per line, then one ``"type": "summary"`` line.

Each file line is the per-file record of ``jsonout.outcome_to_dict`` plus ``"type": "file"``;
a fleet run prints it as soon as the file is done, so a consumer can follow a long run
and nothing needs the whole fleet in memory. The summary line carries the schema and
run metadata and the counts of ``jsonout.summary``.
"""

from __future__ import annotations

from typing import Any

from .escape import dumps

SCHEMA = "kvupgrade/report-jsonl/v1"


def render_line(f: dict[str, Any]) -> str:
    """A file's line (a fleet worker renders it: a module-level function pickles)."""
    return dumps({"type": "file", **f}, separators=(",", ":")) + "\n"


def render_tail(summary: dict[str, Any], command: str, meta: dict[str, Any]) -> str:
    doc = {"type": "summary", "schema": SCHEMA, **meta, "command": command, **summary}
    return dumps(doc, separators=(",", ":")) + "\n"


def render(files: list[dict[str, Any]], summary: dict[str, Any], command: str, meta: dict[str, Any],
           colour: bool = False) -> str:
    return "".join(render_line(f) for f in files) + render_tail(summary, command, meta)
