"""Output that cannot attack its reader (issue 16, class 7), and text wrapping in linear time.

A config value, key, comment or file name may hold ESC sequences, BEL, CR, C1 controls, bidi
overrides, backticks, ``<`` and ``&``. The human formats show every control character as a
visible escape; Markdown and HTML put what came from the config only into text or code; the
JSON formats keep the true value and escape the characters a terminal would act on.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from html.parser import HTMLParser
from io import StringIO
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from upgrader import __version__
from upgrader.api import plan_file
from upgrader.diff import unified
from upgrader.report.writers import report_writer
from upgrader.matrix import load_matrix
from upgrader.redact import Redactor
from upgrader.report import markdown, text
from upgrader.report.escape import dumps, visible
from upgrader.report.jsonout import outcome_to_dict, summary

MATRIX = load_matrix()
META = {"tool_version": __version__, "data_version": MATRIX.data_version}
FORMATS = ("text", "json", "jsonl", "markdown", "html", "sarif")
# Every character a terminal or viewer may act on (C0 but tab and newline, DEL, C1, bidi
# controls, line and paragraph separators).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
TOOL_ANSI = re.compile(r"\x1b\[(?:3[1-6]|0)m")  # the colours text.py itself writes on a TTY
NASTY = [b"\x1b[31m", b"\x1b[2J", b"\x1b]0;pwned\x07", b"\x07", b"\r", b"\x08", b"\x0c", b"\x7f", b"\x9b",
         "\u009b".encode(), "\u0085".encode(), "\u202e".encode(), "\u2066".encode(), "\u2028".encode(),
         b"`", b"```", b"````", b"<script>alert(1)</script>", b"<img src=x onerror=alert(1)>", b"&amp;",
         b"&#27;", b"|", b"*", b"_", b"[x](javascript:alert(1))", b"<https://evil.example>", b"$x$", b"\\",
         b"~~", b"\t", b"\xff", b"\x85", b" "]
piece = st.one_of(st.binary(max_size=6), st.sampled_from(NASTY))
blob = st.lists(piece, max_size=8).map(b"".join)


def render_all(files: list[dict[str, Any]]) -> dict[str, str]:
    """Each format as a fleet run writes it (its report writer), text with and without colour."""
    out = {}
    for fmt, colour in [(f, False) for f in FORMATS] + [("text", True)]:
        buf = StringIO()
        writer = report_writer(fmt, "plan", buf, colour=colour)
        writer.begin(META)
        for f in files:
            writer.file(f)
        writer.end(summary(files))
        out[fmt + ("+colour" if colour else "")] = buf.getvalue()
    return out


def plan_bytes(conf: bytes, name: bytes = b"kvrocks.conf") -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(os.fsencode(d), name)
        with open(path, "wb") as fh:
            fh.write(conf)
        return outcome_to_dict(plan_file(os.fsdecode(path), to="2.13.0", from_="2.12.1", matrix=MATRIX), MATRIX)


# --- what Markdown and HTML may contain besides text and code --------------------------------

MD_HTML_BLOCKS = {"<details><summary>Diff</summary>\n", "</details>\n"}
MD_HTML_INLINE = {"<sub>", "</sub>"}
MD_STRONG = re.compile(r"advice:|error:|\d+ blocker\(s\):")
MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def check_markdown(out: str, files: list[dict[str, Any]]) -> None:
    tokens = MD.parse(out)
    fences = [t for t in tokens if t.type == "fence"]
    for t in tokens:
        assert t.type != "html_block" or t.content in MD_HTML_BLOCKS, t.content
        for i, c in enumerate(t.children or []):
            assert c.type not in ("link_open", "image", "em_open", "s_open"), (c.type, t.content)
            assert c.type != "html_inline" or c.content in MD_HTML_INLINE, c.content
            if c.type == "strong_open":
                assert MD_STRONG.fullmatch(t.children[i + 1].content), t.content
    # One fenced diff per file with a diff, holding all of it (no line of it closed the fence).
    diffs = [f["diff"] for f in files if f.get("diff")]
    assert len(fences) == len(diffs)
    for tok, diff in zip(fences, diffs):
        assert tok.info == "diff" and tok.content.count("\n") == diff.count("\n")


HTML_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "span", "strong", "code", "pre",
             "table", "thead", "tbody", "tr", "th", "td", "section", "svg", "g", "rect", "text"}
HTML_ATTRS = {"lang", "charset", "http-equiv", "content", "class", "id", "xmlns", "width", "height", "role",
              "aria-label", "x", "y", "fill"}


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Any]]) -> None:
        if tag not in HTML_TAGS:
            self.problems.append(f"tag {tag}")
        self.problems += [f"attribute {k}" for k, _ in attrs if k not in HTML_ATTRS and not k.startswith("data-")]
        if tag not in ("meta", "rect"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "rect":
            return
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"unbalanced </{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, Any]]) -> None:
        if tag not in HTML_TAGS:
            self.problems.append(f"tag {tag}")

    def handle_comment(self, data: str) -> None:
        self.problems.append("comment")

    def handle_decl(self, decl: str) -> None:
        if decl != "DOCTYPE html":
            self.problems.append(f"declaration {decl}")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("unknown declaration")


def check_html(out: str) -> None:
    page = Page()
    page.feed(out)
    page.close()
    assert not page.problems and not page.stack, (page.problems, page.stack)


def check_outputs(files: list[dict[str, Any]]) -> None:
    outs = render_all(files)
    for fmt, out in outs.items():
        bad = CONTROL.findall(TOOL_ANSI.sub("", out) if fmt == "text+colour" else out)
        assert not bad, (fmt, bad)
    # Every ESC in coloured text is one of the tool's own colours: without them it is the plain text.
    assert TOOL_ANSI.sub("", outs["text+colour"]) == outs["text"]
    json.loads(outs["json"])
    json.loads(outs["sarif"])
    for line in outs["jsonl"].splitlines():
        json.loads(line)
    check_markdown(outs["markdown"], files)
    check_html(outs["html"])


def conf_with(value: bytes, key: bytes, comment: bytes) -> bytes:
    # A value shown in a finding and on both sides of the diff, a comment shown as diff context,
    # a key shown as an option. NUL would make it a binary file, '\n' another line.
    clean = [b.replace(b"\x00", b"").replace(b"\n", b" ") for b in (value, key, comment)]
    return (b"port 6666\n# " + clean[2] + b"\nrocksdb.row_cache_size 1" + clean[0] + b"\nk" + clean[1] + b" 1\n"
            b"migrate-type r" + clean[0] + b"\n")


def _property(value: bytes, key: bytes, comment: bytes, name: bytes) -> None:
    safe_name = b"n" + name.replace(b"/", b"").replace(b"\x00", b"")[:100] + b".conf"
    f = plan_bytes(conf_with(value, key, comment), safe_name)
    broken = plan_bytes(b"port 6666\nrequirepass \"" + value.replace(b"\x00", b"").replace(b"\n", b"") + b"\n",
                        safe_name)
    check_outputs([f, broken])


@given(blob, blob, blob, blob)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_format_shows_a_raw_control_character_or_markup_from_a_config(value: bytes, key: bytes, comment: bytes,
                                                                          name: bytes) -> None:
    _property(value, key, comment, name)


@pytest.mark.slow
@given(blob, blob, blob, blob)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_format_shows_a_raw_control_character_or_markup_from_a_config_many(value: bytes, key: bytes,
                                                                               comment: bytes, name: bytes) -> None:
    _property(value, key, comment, name)


# --- fixed cases: each failed before the fix ---------------------------------------------------

ATTACK = "\x1b]0;pwned\x07\x1b[31m\u009b31m\u202eevil"  # lower case: Kvrocks keys are case-insensitive


def test_a_terminal_attack_in_a_key_is_shown_escaped_and_json_keeps_the_true_key() -> None:
    f = plan_bytes(f"port 6666\nk{ATTACK} 1\nrocksdb.row_cache_size 1\n".encode())
    outs = render_all([f])
    shown = "k\\x1b]0;pwned\\x07\\x1b[31m\\u009b31m\\u202eevil"
    assert shown in outs["text"] and "\x1b" not in outs["text"]
    assert f"`{shown}`" in outs["markdown"] and shown in outs["html"]
    for fmt in ("json", "sarif"):
        assert not CONTROL.search(outs[fmt]), fmt
    doc = json.loads(outs["json"])
    assert {x["option"] for x in doc["files"][0]["findings"]} >= {"k" + ATTACK}  # the true key
    assert "\\u009b" in outs["jsonl"] and "\\u202e" in outs["sarif"]


def test_a_c1_character_and_a_byte_that_is_not_utf8_are_told_apart() -> None:
    assert visible("a\u0085b\x1bc\td") == "a\\u0085b\\x1bc\td"
    f = plan_bytes(b"port 6666\nk\xc2\x85 1\nq\x85 1\n")
    out = render_all([f])["text"]
    assert "k\\u0085" in out and "q\\x85" in out  # U+0085, then the raw byte 0x85


def test_json_escapes_what_json_dumps_leaves_raw() -> None:
    value = {"v": "a\x1b\x7f\u0085\u009b\u202e\u2028b"}
    out = dumps(value)
    assert not CONTROL.search(out)
    assert json.loads(out) == value


def test_markdown_text_has_no_raw_html_link_or_emphasis() -> None:
    for raw in ["<img src=x onerror=alert(1)>", "[a](javascript:x)", "*b* _c_ ~~d~~", "&#27; &amp;", "a|b",
                "`x`", "\\*", "_row_cache_"]:
        tokens = MD.parse(markdown.text(raw))
        inline = [c for t in tokens for c in t.children or []]
        assert [c.type for c in inline] == ["text"], (raw, inline)
        assert inline[0].content == raw
    assert markdown.text("rocksdb.row_cache_size 1024") == "rocksdb.row_cache_size 1024"  # stays readable


@pytest.mark.parametrize("raw", ["a``b", "`", "``x", "x`", " a", "a|b", "<b>&amp;"])
def test_markdown_code_span_holds_any_backtick_run(raw: str) -> None:
    row = markdown.md_table(("option",), [(markdown.code(raw),)])
    tokens = MD.parse("\n".join(row))
    codes = [c.content for t in tokens for c in t.children or [] if c.type == "code_inline"]
    assert codes == [raw]


def test_markdown_diff_fence_is_longer_than_any_backtick_run() -> None:
    f = plan_bytes(b"port 6666\n# `````` and ```` here\nrocksdb.row_cache_size 1024\n")
    out = render_all([f])["markdown"]
    assert "\n```````diff\n" in out
    check_markdown(out, [f])


def test_diff_lines_end_at_newline_only() -> None:
    # A form feed or NEL inside a line is not a line end: no false "No newline at end of file".
    red = Redactor(MATRIX)
    d = unified("a\x0cb\nc\u0085d\n", "a\x0cB\nc\u0085d\n", "p", red)
    assert d == "--- p (before)\n+++ p (after)\n@@ -1,2 +1,2 @@\n-a\x0cb\n+a\x0cB\n c\u0085d\n"


def test_crlf_line_ends_are_not_shown_as_escapes() -> None:
    f = plan_bytes(b"port 6666\r\nrocksdb.row_cache_size 1024\r\n")
    out = render_all([f])
    for fmt in ("text", "markdown", "html"):
        assert "\\r" not in out[fmt] and "\r" not in out[fmt], fmt


def test_fleet_table_and_stderr_show_option_names_escaped() -> None:
    from upgrader.report.text import render_table

    s = summary([plan_bytes(f"port 6666\nk{ATTACK} 1\n".encode())] * 2)
    table = render_table(s, "plan")
    assert "k\\x1b]0;pwned" in table and not CONTROL.search(table)


# --- text wrapping: linear, and what an operator reads of a huge value -------------------------

def huge_record(n: int) -> dict[str, Any]:
    f = plan_bytes(b"port 6666\nhuge 1\n")
    x = next(x for x in f["findings"] if x["option"] == "huge")
    word = "k" * n
    x["option"] = word
    x["message"] = x["message"].replace("huge", word)
    x["impact"]["text"] = x["impact"]["text"].replace("huge", word)
    return f


def test_a_15_mb_token_renders_in_well_under_a_second() -> None:
    f = huge_record(15 * 1024 * 1024)
    t = time.perf_counter()
    out = text.render_file(f, "plan")
    took = time.perf_counter() - t
    assert took < 1.0, took  # before the fix: ~80 s (textwrap re-slices the word per line)
    assert len(out) < 6000
    head = f"{'k' * text.WORD_HEAD}...[{15 * 1024 * 1024} chars]"
    assert f"line 2    {head} [fix: " in out  # the option in a finding's head line
    assert f"\n            {head} is not" in out  # and where the message shows it


def test_prose_of_many_short_words_keeps_head_and_tail() -> None:
    prose = "start " + "abcd " * 3_000_000 + "the end"
    t = time.perf_counter()
    lines = text._wrap(prose, 88)
    assert time.perf_counter() - t < 1.0
    joined = " ".join(lines)
    assert joined.startswith("start abcd") and joined.endswith("abcd the end") and "chars]..." in joined
    assert len(joined) < text.PROSE_HEAD + text.PROSE_TAIL + 2 * text.LONG_WORD


def test_words_up_to_the_limit_are_wrapped_in_full() -> None:
    word = "w" * text.LONG_WORD
    assert word in "".join(text._wrap(f"a {word} b", 88)).replace(" ", "")
    longer = word + "w"
    assert " ".join(text._wrap(f"a {longer} b", 88)) == f"a {'w' * text.WORD_HEAD}...[{len(longer)} chars] b"
