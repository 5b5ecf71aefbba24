"""Output formats. Every format renders the same per-file dicts (``jsonout.outcome_to_dict``,
secrets already masked), so they cannot disagree, and a fleet run can stream them.

Contract of a format module: ``render(files, summary, command, meta, colour=False) -> str``
for a whole run; optionally ``render_file(file, command, colour=False) -> str`` for
streaming one file at a time (text, jsonl).
"""

from __future__ import annotations

import importlib
from types import ModuleType

FORMATS: dict[str, str] = {
    "text": "upgrader.report.text",
    "json": "upgrader.report.jsonout",
}


def get(fmt: str) -> ModuleType:
    return importlib.import_module(FORMATS[fmt])
