"""Output formats. Every format renders the same per-file dicts (``jsonout.outcome_to_dict``,
secrets already masked), so they cannot disagree, and a fleet run can stream them.

Contract of a format module: ``render(files, summary, command, meta, colour=False) -> str``
for a whole run. How a run writes each format as its records arrive (``begin(meta)``,
``file(record)``, ``end(summary)``; text, json and jsonl streamed, the others rendered from the
collected list at the end) is ``report.writers``; rollback's report is ``report.rollback``, the
changes between releases (``kvupgrade matrix``) ``report.changes``."""

from __future__ import annotations

import importlib
from types import ModuleType

FORMATS: dict[str, str] = {
    "text": "upgrader.report.text",
    "json": "upgrader.report.jsonout",
    "jsonl": "upgrader.report.jsonl",
    "markdown": "upgrader.report.markdown",
    "html": "upgrader.report.html",
    "sarif": "upgrader.report.sarif",
}


def get(fmt: str) -> ModuleType:
    return importlib.import_module(FORMATS[fmt])
