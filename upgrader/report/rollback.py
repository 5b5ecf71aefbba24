"""``kvupgrade rollback``'s report in text, json and jsonl: one record per file restored (or
refused, or failed), as ``manifest.Restore.to_dict`` gives it, then the counts.

The writers of report.writers with rollback's document: its schema, the manifest's path, and
the text lines (a file that failed is left out of stdout: the command says it on stderr).
"""

from __future__ import annotations

import json
from typing import IO, Any

from .writers import JsonlWriter, JsonWriter, Record, TextWriter, Writer

SCHEMA = "kvupgrade/rollback/v1"
FORMATS = ("text", "json", "jsonl")


def _ok(record: Record) -> bool:
    return record["status"] in ("restored", "unchanged")


def text_line(record: Record) -> str:
    return f"{record['path']}: {record['status']}: {record['message']}\n"


def json_line(record: Record) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


class RollbackText(TextWriter):
    sep = ""
    renderer = staticmethod(text_line)

    def hidden(self, record: Record) -> bool:
        return not _ok(record)

    def tail(self, s: dict[str, Any]) -> str:
        verb = "would restore" if s["dry_run"] else "restored"
        return (f"{s['files']} file(s): {s['restored']} {verb}, {s['unchanged']} already original,"
                f" {s['refused']} refused, {s['error']} failed\n")


def _dumps(obj: Any, **kw: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, **kw)


class RollbackJson(JsonWriter):
    dumps = staticmethod(_dumps)

    def head(self, meta: dict[str, Any]) -> dict[str, Any]:
        return {"schema": SCHEMA, "tool_version": meta["tool_version"], "command": "rollback",
                "manifest": meta["manifest"]}


class RollbackJsonl(JsonlWriter):
    renderer = staticmethod(json_line)

    def tail(self, summary: dict[str, Any]) -> str:
        doc = {"type": "summary", "command": "rollback", "manifest": self.meta["manifest"], **summary}
        return json.dumps(doc) + "\n"


def rollback_writer(fmt: str, out: IO[str]) -> Writer:
    """The writer of ``fmt`` (one of FORMATS); ``begin`` takes tool_version and manifest."""
    return {"text": RollbackText, "json": RollbackJson, "jsonl": RollbackJsonl}[fmt](out)
