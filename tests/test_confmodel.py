"""The lossless document model and Kvrocks' two line grammars."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upgrader.confmodel import Document, decode, encode, format_value, normalize_key, parse_line


def roundtrip(data: bytes, grammar: str = "quoted") -> bytes:
    return encode(Document.parse_bytes(data, grammar).render())  # type: ignore[arg-type]


def test_every_shipped_conf_roundtrips(shared_dir: Path) -> None:
    confs = sorted((shared_dir / "confs").glob("*.conf"))
    assert len(confs) >= 28
    for conf in confs:
        data = conf.read_bytes()
        for grammar in ("legacy", "quoted"):
            assert roundtrip(data, grammar) == data, conf.name


def test_shipped_conf_directive_count_matches_table(shared_dir: Path) -> None:
    import json

    index = json.loads((shared_dir / "options" / "index.json").read_text())
    for rel in index["versions"]:
        doc = Document.parse_bytes((shared_dir / "confs" / rel["conf_file"]).read_bytes(),
                                   "legacy" if rel["line_grammar"] == "pre-2.2.0" else "quoted")
        assert len({ln.norm_key for ln in doc.directives()} - {"rename-command"}) <= rel["shipped_conf_keys_set"]
        assert not doc.invalid_lines(), rel["version"]


@pytest.mark.parametrize("data", [
    b"port 6666\r\nbind 127.0.0.1\r\n",  # CRLF
    b"port 6666",  # no final newline
    b"\tport\t6666  \t\n",  # tabs, trailing blanks
    b"\xef\xbb\xbfport 6666\n",  # BOM
    b"dir /data/\xff\xfe/kvrocks\n",  # not UTF-8
    b"\n\n# c\n\r\n",
    b'requirepass "unterminated\n',  # invalid lines round-trip too
    b"a\rb\n",  # lone CR inside a line
])
def test_edge_inputs_roundtrip(data: bytes) -> None:
    assert roundtrip(data) == data
    assert roundtrip(data, "legacy") == data


@given(st.binary(max_size=400))
@settings(max_examples=400, deadline=None)
def test_any_bytes_roundtrip(data: bytes) -> None:
    assert roundtrip(data) == data
    assert roundtrip(data, "legacy") == data


_line_chars = st.sampled_from(list("ab #\"'\\\t\r=.-_09xyzé") + ["\u00ff", "\udcff"])


@given(st.lists(st.text(_line_chars, max_size=30), max_size=20), st.sampled_from(["\n", "\r\n"]))
@settings(max_examples=300, deadline=None)
def test_config_like_text_roundtrips(lines: list[str], eol: str) -> None:
    text = eol.join(lines)
    assert Document.parse(text).render() == text
    assert Document.parse(text, "legacy").render() == text


def q(text: str):  # type: ignore[no-untyped-def]
    return parse_line(text, "\n", 2, "quoted")


def test_quoted_grammar_values() -> None:
    assert q("bind 127.0.0.1 ::1").value == "127.0.0.1 ::1"  # inner spaces stay
    assert q("dir /a#b").value == "/a"  # an unquoted # starts a comment anywhere
    assert q("dir /a # comment").value == "/a"
    ln = q('requirepass "a#b c"  # note')
    assert (ln.value, ln.quoted, ln.kind) == ("a#b c", True, "directive")
    assert q(r'x "a\"b\\c\td\qe"').value == 'a"b\\c\tde'  # unknown escape drops both chars
    assert q("x 'it''s'").kind == "invalid"  # text after the closing quote
    assert q('x "open').error == "config line ends unexpectedly in quoted string"
    assert q('x "a" b').error == "more than 2 item in config line"
    assert q("   port 6666").value == "6666"  # leading blanks allowed from 2.2.0
    assert q("key").kind == "skipped" and q('key ""').kind == "skipped"  # empty value: line skipped
    assert q("key#x 1").kind == "skipped"  # key ends at '#'
    assert q("# port 1").kind == "comment" and q("").kind == "blank"
    assert q("port 6666\r").value == "6666"  # CR trimmed


def test_legacy_grammar_values() -> None:
    def lg(text: str, eol: str = "\n"):  # type: ignore[no-untyped-def]
        return parse_line(text, eol, 2, "legacy")

    assert lg("requirepass ab#c").value == "ab#c"  # no inline comments before 2.2.0
    assert lg('requirepass "x"').value == '"x"'  # quotes are part of the value
    assert lg("daemonize yes", "\r\n").value == "yes\r"  # the CR stays in the value
    assert lg(" port 6666").kind == "invalid"  # leading blank: fatal
    assert lg('x ""').kind == "skipped"
    assert lg("daemonize").kind == "skipped"


def test_keys_case_and_namespaces() -> None:
    assert normalize_key("ROCKSDB.Row_Cache_Size") == "rocksdb.row_cache_size"
    assert normalize_key("Namespace.Tenant_A") == "namespace.Tenant_A"


def test_repeated_keys_last_wins_and_rename_command_kept() -> None:
    doc = Document.parse("port 1\nPORT 2\nrename-command KEYS KEYS2\nrename-command FLUSHALL \"\"\n")
    assert doc.effective()["port"].value == "2"
    assert [ln.value for ln in doc.occurrences("rename-command")] == ["KEYS KEYS2", 'FLUSHALL ""']


def test_format_value_reads_back() -> None:
    for value in ["plain", "a#b", 'q"uote', "sp ace", "back\\slash", "tab\tx", "it's"]:
        line = parse_line(f"k {format_value(value)}", "\n", 2, "quoted")
        assert line.value == value, value


def test_decode_is_lossless_for_invalid_utf8() -> None:
    raw = b"\xc3\x28 \xff"
    assert encode(decode(raw)) == raw
