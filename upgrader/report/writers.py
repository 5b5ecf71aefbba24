"""Streaming writers: one per format, each written as ``begin(meta)``, ``file(record)`` per record
in order, ``end(summary)``.

A writer puts each record on its stream as it arrives and keeps only counters, so a run's
memory does not grow with its length; only the whole-document formats (Markdown, HTML, SARIF)
collect the records, because their layout needs them all. Rendering a record is pure and
separate from writing it: ``renderer`` (a picklable callable) may run in a fleet worker process,
and the parent passes its result on as the record's ``"rendered"`` field.

The classes here are the mechanics of each format (where separators go, how one JSON document
is written as a head, records and a tail); what a command's document holds is a small subclass
next to it: the plan/apply/check report (``report_writer`` below), rollback's
(``report.rollback``) and the changes between releases (``report.changes``).
"""

from __future__ import annotations

import json
from functools import partial
from typing import IO, Any, Callable, Optional

from . import escape

Record = dict[str, Any]
Renderer = Callable[[Record], str]


class Writer:
    """``begin`` once, ``file`` per record, ``end`` once. ``renderer`` is None for a format that
    renders the whole document at the end."""

    renderer: Optional[Renderer] = None

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.n = 0  # records given to file()

    def begin(self, meta: dict[str, Any]) -> None:
        self.meta = meta

    def render_file(self, record: Record) -> str:
        assert self.renderer is not None
        return self.renderer(record)

    def file(self, record: Record) -> None:
        """Write one record; one a worker rendered carries its text as ``"rendered"``."""
        self.write_rendered(record, record["rendered"] if "rendered" in record else self.render_file(record))

    def write_rendered(self, record: Record, text: str) -> None:
        self.n += 1
        self._put(text)

    def end(self, summary: dict[str, Any]) -> None:
        self.out.flush()

    def _put(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()  # a reader (a pipe, a CI log) sees each record when it is done


class TextWriter(Writer):
    """Records for people: ``sep`` between the records shown; a record ``hidden`` is counted but
    not written (the caller says it on stderr, once)."""

    sep = "\n"

    def __init__(self, out: IO[str]) -> None:
        super().__init__(out)
        self.shown = 0  # records written to out

    def hidden(self, record: Record) -> bool:
        return False

    def head(self, meta: dict[str, Any]) -> str:
        return ""

    def tail(self, summary: dict[str, Any]) -> str:
        return ""

    def begin(self, meta: dict[str, Any]) -> None:
        super().begin(meta)
        if head := self.head(meta):
            self._put(head)

    def write_rendered(self, record: Record, text: str) -> None:
        self.n += 1
        if self.hidden(record):
            return
        self._put(text if not self.shown else self.sep + text)
        self.shown += 1

    def end(self, summary: dict[str, Any]) -> None:
        self._put(self.tail(summary))


def indented(dumps: Callable[..., str], record: Record) -> str:
    """A record as it stands in the list of a JSON document written with indent=2."""
    return dumps(record, indent=2).replace("\n", "\n    ")


class JsonWriter(Writer):
    """One JSON document (indent 2), streamed: the keys of ``head(meta)``, then the records as
    the list ``list_key``, then the keys of ``tail(summary)``; the same bytes as ``dumps`` of the
    whole document."""

    list_key = "files"
    dumps: Callable[..., str] = staticmethod(json.dumps)

    def __init__(self, out: IO[str]) -> None:
        super().__init__(out)
        self.renderer = partial(indented, self.dumps)  # picklable: a worker may render the records

    def head(self, meta: dict[str, Any]) -> dict[str, Any]:
        return dict(meta)

    def tail(self, summary: dict[str, Any]) -> dict[str, Any]:
        return {"summary": summary}

    def begin(self, meta: dict[str, Any]) -> None:
        super().begin(meta)
        head = self.head(meta)
        assert head, "the document's head holds at least one key"
        text = self.dumps(head, indent=2)  # "{\n  ...\n}": drop the closing "\n}", open the list
        self._put(text[:-2] + f",\n  {self.dumps(self.list_key)}: [")

    def write_rendered(self, record: Record, text: str) -> None:
        self._put(("\n    " if not self.n else ",\n    ") + text)
        self.n += 1

    def end(self, summary: dict[str, Any]) -> None:
        parts = ["\n  ]" if self.n else "]"]
        for key, value in self.tail(summary).items():
            parts.append(f",\n  {self.dumps(key)}: " + self.dumps(value, indent=2).replace("\n", "\n  "))
        self._put("".join(parts) + "\n}\n")


class JsonlWriter(Writer):
    """One JSON object per line per record (``renderer``), then ``tail(summary)``."""

    def tail(self, summary: dict[str, Any]) -> str:
        return ""

    def end(self, summary: dict[str, Any]) -> None:
        self._put(self.tail(summary))


class CollectingWriter(Writer):
    """A whole-document format: the records are kept and ``render`` writes them at the end."""

    def __init__(self, out: IO[str], render: Callable[[list[Record], dict[str, Any], dict[str, Any]], str]) -> None:
        super().__init__(out)
        self.records: list[Record] = []
        self._render = render

    def file(self, record: Record) -> None:
        self.n += 1
        self.records.append(record)
        self.out.flush()

    def end(self, summary: dict[str, Any]) -> None:
        self._put(self._render(self.records, summary, self.meta))


# --------------------------------------------------------------------------------------------
# The plan/apply/check report (docs/JSON.md): the per-file records of jsonout.outcome_to_dict.


class ReportText(TextWriter):
    def __init__(self, out: IO[str], command: str, colour: bool, show_diff: bool) -> None:
        from .text import FileText

        super().__init__(out)
        self.command = command
        self.renderer = FileText(command, colour, show_diff)

    def hidden(self, record: Record) -> bool:
        return bool(record["status"] == "error")  # the run says it once, on stderr; the summary counts it

    def tail(self, summary: dict[str, Any]) -> str:
        from .text import render_summary, render_table

        # Same closing line as a single-file report, then the fleet table.
        text = ("\n" if self.shown else "") + render_summary(summary, self.command)
        return text + (render_table(summary, self.command) if self.n > 1 else "")


class ReportJson(JsonWriter):
    dumps = staticmethod(escape.dumps)

    def __init__(self, out: IO[str], command: str) -> None:
        super().__init__(out)
        self.command = command

    def head(self, meta: dict[str, Any]) -> dict[str, Any]:
        from .jsonout import SCHEMA

        return {"schema": SCHEMA, **meta, "command": self.command}


class ReportJsonl(JsonlWriter):
    def __init__(self, out: IO[str], command: str) -> None:
        from .jsonl import render_line

        super().__init__(out)
        self.command = command
        self.renderer = render_line

    def tail(self, summary: dict[str, Any]) -> str:
        from .jsonl import render_tail

        return render_tail(summary, self.command, self.meta)


def report_writer(fmt: str, command: str, out: IO[str], colour: bool = False, show_diff: bool = True) -> Writer:
    """The writer of the plan/apply/check report in ``fmt`` (a name of ``report.FORMATS``)."""
    if fmt == "text":
        return ReportText(out, command, colour, show_diff)
    if fmt == "json":
        return ReportJson(out, command)
    if fmt == "jsonl":
        return ReportJsonl(out, command)
    from . import get

    mod = get(fmt)
    return CollectingWriter(out, lambda files, summary, meta: mod.render(files, summary, command, meta, colour=colour))
