"""Output formats. Every format renders the same per-file dicts (``jsonout.outcome_to_dict``,
secrets already masked), so they cannot disagree, and a fleet run can stream them.

Contract of a format module: ``render(files, summary, command, meta, colour=False) -> str``
for a whole run; optionally ``render_file(file, command, colour=False) -> str`` for
streaming one file at a time (text, jsonl), and with it ``render_tail(summary, command, meta)
-> str`` for what follows the last file (jsonl's summary line). A format with neither is
rendered from the collected list at the end of a fleet run.
"""

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
