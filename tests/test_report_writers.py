"""The streaming report writers (upgrader/report/writers.py): a JSON document written as head,
records and tail is the document ``json.dumps`` writes; every record is on the stream when
``file`` returns (rollback's and matrix's JSON too, which used to be written whole at the end);
the renderers a fleet hands its workers pickle (a non-fork start method sends the job by pickle)."""

from __future__ import annotations

import json
import pickle
from io import StringIO
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from upgrader.report.changes import changes_writer
from upgrader.report.escape import dumps as safe_dumps
from upgrader.report.rollback import rollback_writer
from upgrader.report.writers import JsonWriter, ReportJson, report_writer

scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
value = st.recursive(scalar, lambda v: st.one_of(st.lists(v, max_size=3), st.dictionaries(st.text(max_size=4), v,
                                                                                        max_size=3)), max_leaves=8)
head = st.dictionaries(st.text(max_size=6).map(lambda k: "h" + k), value, min_size=1, max_size=4)
tail = st.dictionaries(st.text(max_size=6).map(lambda k: "t" + k), value, max_size=3)
records = st.lists(st.dictionaries(st.text(max_size=5), value, max_size=4), max_size=4)


class _Doc(JsonWriter):
    list_key = "items"

    def __init__(self, out: StringIO, t: dict[str, Any]) -> None:
        super().__init__(out)
        self._tail = t

    def tail(self, summary: dict[str, Any]) -> dict[str, Any]:
        return self._tail


@settings(max_examples=150, deadline=None)
@given(head, records, tail)
def test_json_writer_streams_the_document_json_dumps_writes(h: dict[str, Any], recs: list[dict[str, Any]],
                                                            t: dict[str, Any]) -> None:
    out = StringIO()
    w = _Doc(out, t)
    w.begin(h)
    seen = out.getvalue()
    for r in recs:
        w.file(r)
        assert out.getvalue().startswith(seen) and len(out.getvalue()) > len(seen)  # written now, appended
        seen = out.getvalue()
    w.end({})
    assert out.getvalue() == json.dumps({**h, "items": recs, **t}, indent=2) + "\n"
    json.loads(out.getvalue())


@settings(max_examples=100, deadline=None)
@given(records)
def test_report_json_is_the_whole_document_render(recs: list[dict[str, Any]]) -> None:
    out = StringIO()
    w = ReportJson(out, "plan")
    meta = {"tool_version": "t", "data_version": "d"}
    w.begin(meta)
    for r in recs:
        w.file(r)
    w.end({"files": len(recs)})
    from upgrader.report.jsonout import SCHEMA

    doc = {"schema": SCHEMA, **meta, "command": "plan", "files": recs, "summary": {"files": len(recs)}}
    assert out.getvalue() == safe_dumps(doc, indent=2) + "\n"


def test_rollback_and_matrix_json_write_each_record_as_it_comes() -> None:
    out = StringIO()
    w = rollback_writer("json", out)
    w.begin({"tool_version": "t", "manifest": "bk/manifest.jsonl"})
    rec = {"type": "file", "path": "/etc/kvrocks/a.conf", "realpath": "/etc/kvrocks/a.conf", "status": "restored",
           "message": "m", "runs": ["r1"]}
    w.file(rec)
    assert '"path": "/etc/kvrocks/a.conf"' in out.getvalue()  # before the run's end, not collected
    w.end({"files": 1, "restored": 1, "unchanged": 0, "refused": 0, "error": 0, "dry_run": False})
    assert json.loads(out.getvalue())["files"] == [rec]

    out = StringIO()
    w = changes_writer("json", out)
    w.begin({"from": "2.12.0", "to": "2.14.0", "data_version": "d"})
    w.file({"release": "2.13.0", "options": [], "behaviours": []})
    assert '"release": "2.13.0"' in out.getvalue()
    w.end({})
    assert json.loads(out.getvalue())["releases"][0]["release"] == "2.13.0"


def test_the_renderers_workers_get_pickle_and_render_the_same() -> None:
    rec = {"path": "a.conf", "status": "unchanged", "exit": 0, "from": "2.12.0", "to": "2.14.0", "hops": ["2.14.0"],
           "findings": [], "changed": False, "written": False, "backup": None, "diff": ""}
    for fmt in ("text", "json", "jsonl"):
        w = report_writer(fmt, "plan", StringIO(), colour=False, show_diff=True)
        assert w.renderer is not None
        assert pickle.loads(pickle.dumps(w.renderer))(rec) == w.render_file(rec)
    for fmt in ("markdown", "html", "sarif"):  # whole-document formats: rendered at the end, in the parent
        assert report_writer(fmt, "plan", StringIO()).renderer is None


def test_a_worker_rendered_record_is_written_as_rendered() -> None:
    out = StringIO()
    w = report_writer("jsonl", "plan", out)
    w.begin({})
    w.file({"path": "a.conf", "status": "unchanged", "exit": 0, "rendered": "PRE-RENDERED\n"})
    assert out.getvalue() == "PRE-RENDERED\n"
