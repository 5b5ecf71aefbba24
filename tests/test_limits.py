"""Issue 16: bounded work on any input under the size cap (upgrader/limits.py).

Each limit is refused with an error naming the file and the limit, exit 1, the file untouched.
Small inputs with the limit lowered by monkeypatch, where the real limit would need a big file;
the CLI cases use the real limits on inputs of a few hundred KB.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml.main import YAML

from upgrader import limits
from upgrader.api import apply_file, plan_file
from upgrader.errors import InputError
from upgrader.fleet import Inventory
from upgrader.planner import plan_text
from upgrader.request import Request

REPO = Path(__file__).resolve().parent.parent
HELM = "kvrocks:\n  config:\n    port: 6666\n    rocksdb.row_cache_size: 1024\n"


def kv(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "upgrader", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=120)


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def refused(r: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert r.returncode == 1, (r.returncode, r.stdout[-500:], r.stderr[-500:])
    assert "Traceback" not in r.stderr + r.stdout
    for n in needles:
        assert n in r.stderr + r.stdout, (n, r.stderr[-500:])


# --- lines and key lines (real limits, through the CLI) ------------------------------------------

@pytest.mark.parametrize("name,body,needles", [
    ("lines.conf", "\n" * limits.MAX_LINES, [f"{limits.MAX_LINES + 1} lines", f"the limit is {limits.MAX_LINES}"]),
    ("keys.conf", "".join(f"k{i} 1\n" for i in range(limits.MAX_KEY_LINES)),
     [f"{limits.MAX_KEY_LINES + 1} key lines", f"the limit is {limits.MAX_KEY_LINES}"]),
])
def test_line_and_key_limits_refused_by_the_cli(tmp_path: Path, name: str, body: str, needles: list[str]) -> None:
    p = tmp_path / name
    p.write_text("port 6666\n" + body)
    before = digest(p)
    for cmd in ("plan", "apply"):
        refused(kv(cmd, "--to", "2.14.0", str(p)), str(p), *needles)
    assert digest(p) == before


def test_key_limit_in_the_library_names_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_KEY_LINES", 3)
    plan_text("port 1\nworkers 2\nbind 0.0.0.0\n", to="2.14.0", from_="2.12.0")  # at the limit: planned
    with pytest.raises(InputError, match=r"x\.conf: file has 4 key lines; the limit is 3"):
        plan_text("port 1\nworkers 2\nbind 0.0.0.0\ndir /d\n", to="2.14.0", path="x.conf")


def test_line_limit_in_the_library(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(limits, "MAX_LINES", 5)
    p = tmp_path / "k.conf"
    p.write_text("port 1\n\n\n\n\n# six\n")
    o = plan_file(str(p), to="2.14.0", from_="2.12.0")
    assert o.error == f"{p}: file has 6 lines; the limit is 5 (not a kvrocks config?)"
    with pytest.raises(InputError, match="the limit is 5"):
        plan_text("port 1\n" * 6, to="2.14.0")


# --- findings per key ------------------------------------------------------------------------------

def test_findings_per_key_capped_edits_all_kept(tmp_path: Path) -> None:
    n = limits.MAX_FINDINGS_PER_KEY + 10
    text = "port 6666\n" + "workers 4\n" * n + "workers 8\n"
    plan = plan_text(text, to="2.14.0", from_="2.12.0")
    dups = [f for f in plan.findings if f.rule == "duplicate_keys"]
    assert len(dups) == limits.MAX_FINDINGS_PER_KEY + 1
    summary = dups[-1]
    assert summary.message.startswith(f"10 more findings like the ones above for workers (lines {2 + 20}-{1 + n})")
    assert summary.applied and summary.line == 2 + limits.MAX_FINDINGS_PER_KEY
    # every earlier duplicate is still commented out, and a second plan changes nothing
    assert plan.new_text.count("# kvupgrade: workers 4") == n
    p = tmp_path / "dup.conf"
    p.write_text(text)
    assert apply_file(str(p), to="2.14.0", from_="2.12.0", backup=False).written
    again = plan_file(str(p), to="2.14.0", from_="2.12.0")
    assert again.plan is not None and not again.plan.changed


def test_few_findings_per_key_unchanged() -> None:
    plan = plan_text("workers 4\nworkers 8\nworkers 16\n", to="2.14.0", from_="2.12.0")
    assert [f.line for f in plan.findings if f.rule == "duplicate_keys"] == [1, 2]
    assert not any("more findings" in f.message for f in plan.findings)


# --- YAML: node budget, bombs, one composition per text -------------------------------------------

def _alias_bomb(levels: int, width: int = 9) -> str:
    rows = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    rows += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(rows) + "\n"


def _merge_bomb(levels: int) -> str:
    rows = ["m0: &m0 {k0: v}"]
    rows += [f"m{i}: &m{i}\n  <<: [*m{i - 1}, *m{i - 1}]\n  k{i}: v" for i in range(1, levels)]
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize("bomb", [_alias_bomb(5), _merge_bomb(14)], ids=["alias", "merge-key"])
def test_yaml_carrier_bombs_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, bomb: str) -> None:
    monkeypatch.setattr(limits, "MAX_YAML_NODES", 2000)  # each bomb expands to ~15,000 nodes here
    p = tmp_path / "values.yaml"
    p.write_text(HELM + bomb + "extra:\n  - *" + bomb.rsplit("&", 1)[1].split()[0] + "\n")
    before = digest(p)
    for o in (plan_file(str(p), to="2.14.0", from_="2.12.1"),
              apply_file(str(p), to="2.14.0", from_="2.12.1", backup=False)):
        assert o.error is not None and str(p) in o.error and "limit of 2000 nodes" in o.error, o.error
    assert digest(p) == before


def test_yaml_node_limit_while_composing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(limits, "MAX_YAML_NODES", 100)
    p = tmp_path / "values.yaml"
    p.write_text(HELM + "extra:\n" + "".join(f"  k{i}: v\n" for i in range(60)))
    o = plan_file(str(p), to="2.14.0", from_="2.12.1")
    assert o.error is not None and o.error.startswith(f"{p}:") and "limit of 100 nodes" in o.error
    p.write_text(HELM + "extra:\n" + "".join(f"  k{i}: v\n" for i in range(40)))  # under it: planned
    assert plan_file(str(p), to="2.14.0", from_="2.12.1").error is None


def test_yaml_text_composed_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[str] = []
    real = YAML.compose_all

    def counting(self: YAML, stream: str):  # type: ignore[no-untyped-def]
        seen.append(stream)
        return real(self, stream)

    monkeypatch.setattr(YAML, "compose_all", counting)
    for name, text in (("values.yaml", HELM), ("compose.yaml", "services:\n  kv:\n    image: apache/kvrocks:2.12.1\n"
                                               "    command: --rocksdb.row_cache_size 1024 --port 6666\n")):
        seen.clear()
        p = tmp_path / name
        p.write_text(text)
        o = plan_file(str(p), to="2.14.0")  # kind detected, then planned, then the new text checked
        assert o.error is None and o.plan is not None and o.plan.changed
        assert seen.count(text) == 1 and seen.count(o.plan.new_text) == 1 and len(seen) == 2


@pytest.mark.parametrize("bomb", [_alias_bomb(5) + "conf/*.conf: *a4\n", _merge_bomb(14) + "x: *m13\n"],
                         ids=["alias", "merge-key"])
def test_inventory_bombs_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, bomb: str) -> None:
    monkeypatch.setattr(limits, "MAX_YAML_NODES", 2000)
    p = tmp_path / "inventory.yaml"
    p.write_text(bomb)
    with pytest.raises(InputError, match="limit of 2000 nodes") as exc:
        Inventory.load(str(p))
    assert exc.value.path == str(p)


def test_inventory_bomb_refused_by_the_cli(tmp_path: Path) -> None:
    """The real limit: a billion-laughs inventory (9**9 strings) is refused at once."""
    p = tmp_path / "inventory.yaml"
    p.write_text(_alias_bomb(9) + "conf/*.conf: *a8\n")
    conf = tmp_path / "kvrocks.conf"
    conf.write_text("port 6666\n")
    refused(kv("plan", "--to", "2.14.0", "--inventory", str(p), str(conf)), str(p),
            f"limit of {limits.MAX_YAML_NODES} nodes")


def test_ordinary_inventory_and_merge_keys_still_load(tmp_path: Path) -> None:
    p = tmp_path / "inventory.yaml"
    p.write_text("- &b {path: a.conf, version: 2.12.0}\n- <<: *b\n  path: b.conf\n")
    inv = Inventory.load(str(p))
    assert [(pat, ver) for pat, ver, _ in inv.entries] == [("a.conf", "2.12.0"), ("b.conf", "2.12.0")]


def test_yaml_char_limit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(limits, "MAX_YAML_CHARS", len(HELM) + 10)
    p = tmp_path / "values.yaml"
    p.write_text(HELM + "notes: |\n  " + "n" * 20 + "\n")
    o = plan_file(str(p), to="2.14.0", from_="2.12.1")
    assert o.error is not None and o.error.startswith(f"{p}: YAML file has") and f"limit for YAML is {len(HELM) + 10}" in o.error
    inv = tmp_path / "inventory.yaml"
    inv.write_text("'*.conf': 2.12.0\n" + "# pad\n" * 20)
    with pytest.raises(InputError, match="limit for YAML"):
        Inventory.load(str(inv))


@pytest.mark.slow  # a 10,000-line carrier planned twice (CI runs it)
def test_carrier_edits_diff_only_around_the_splices(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plan.edits of a YAML carrier: difflib sees the changed lines, not the whole file (quadratic on
    a file of repeated lines: an 11 MB block scalar took minutes)."""
    import difflib

    from upgrader.carriers import engine, plan_any

    sizes: list[int] = []

    class Spy(difflib.SequenceMatcher):  # type: ignore[type-arg]
        def __init__(self, isjunk, a, b, autojunk=True):  # type: ignore[no-untyped-def]
            sizes.append(len(a) + len(b))
            super().__init__(isjunk, a, b, autojunk)

    monkeypatch.setattr(engine.difflib, "SequenceMatcher", Spy)
    notes = "notes: |\n" + "  same line\n" * 5000
    text = HELM + notes + "config:\n  rocksdb.row_cache_size: 5\n"
    p = plan_any(text, Request.build(to="2.14.0", from_="2.12.1", kind="helm-values"))
    assert p.changed and max(sizes) < 20, sizes
    full = engine._edits(text.splitlines(), p.new_text.splitlines(), [(0, len(text.splitlines()), 0,
                                                                         len(p.new_text.splitlines()))], "x")
    assert [(e.lineno, e.new_lines) for e in p.edits] == [(e.lineno, e.new_lines) for e in full]


@pytest.mark.slow  # YAML nested to the limit, composed in full (CI runs it)
def test_yaml_depth_limit(tmp_path: Path) -> None:
    """Deep nesting ends in a clear error, not in Python's recursion limit inside the composer."""
    p = tmp_path / "values.yaml"
    deep = "[" * 5000 + "]" * 5000
    p.write_text(HELM + f"extra: {deep}\n")
    o = plan_file(str(p), to="2.14.0", from_="2.12.1")
    assert o.error == f"{p}:5: YAML nests deeper than the limit of {limits.MAX_YAML_DEPTH} levels (not a config file?)"
    inv = tmp_path / "inventory.yaml"
    inv.write_text(f"'*.conf': {deep}\n")
    with pytest.raises(InputError, match="nests deeper"):
        Inventory.load(str(inv))


def test_unchanged_carrier_is_not_diffed(monkeypatch: pytest.MonkeyPatch) -> None:
    import difflib

    from upgrader.carriers import engine

    def no_diff(*a: object, **k: object) -> None:
        raise AssertionError("difflib called for two equal texts")

    monkeypatch.setattr(difflib, "SequenceMatcher", no_diff)
    text = HELM + "notes: |\n" + "  same line\n" * 1000
    assert engine.line_edits(text, text, "helm-values") == []


def test_rewrite_may_end_past_the_yaml_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The size limit is for the file as read: a fix that makes it a few bytes longer still applies."""
    from upgrader.carriers import plan_any

    monkeypatch.setattr(limits, "MAX_YAML_CHARS", len(HELM))
    p = plan_any(HELM, Request.build(to="2.14.0", from_="2.12.1", kind="helm-values"))
    assert p.changed and len(p.new_text) > len(HELM)
    assert all(f.applied for f in p.findings if f.option == "rocksdb.row_cache_size")


@pytest.mark.parametrize("bomb", [_alias_bomb(5) + "options: *a4\n", _merge_bomb(14) + "options: *m13\n"],
                         ids=["alias", "merge-key"])
def test_overlay_bombs_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, bomb: str) -> None:
    from upgrader.matrix import MatrixError, load_matrix

    monkeypatch.setattr(limits, "MAX_YAML_NODES", 2000)
    p = tmp_path / "site.yaml"
    p.write_text(bomb)
    with pytest.raises(MatrixError, match=f"^{p}: YAML goes past the limit of 2000 nodes"):
        load_matrix(overlays=[p])


def test_a_huge_key_is_quoted_cut_short_in_every_message() -> None:
    """A 1 MB key must not be copied into every message about it: detection gave one reason per
    release (32 copies: 480 MB for a 15 MB key) and the finding, its id and its impact note one
    each. The option field keeps the key; messages name its start and its length."""
    from upgrader.planner import plan_text

    key = "k" * (1024 * 1024)
    plan = plan_text("port 6666\n" + key + " 1\n", to="2.14.0")
    assert plan.from_detected is not None
    mine = [f for f in plan.findings if f.option == key]
    assert mine, "the huge key gets a finding"
    for f in mine:
        assert len(f.message) < 2000 and len(f.id) < 400 and "(1048576 characters)" in f.message
        assert len(str(f.impact)) < 2000
    from upgrader.detect import detect_source
    from upgrader.matrix import load_matrix

    m = load_matrix()
    det = detect_source("port 6666\n" + key + " 1\n", m, m.resolve("2.14.0"))
    assert len(det.ruled_out) > 20  # an unknown key rules every release out, one reason each
    assert all(len(why) < 300 for why in det.ruled_out.values())
