"""The carrier registry: one module per kind declares itself, and detection, --kind choices,
directory walks, planning and docs/CARRIERS.md follow what is declared. Carrier modules stay
independent: none imports another, nor anyone's private names, and the package has no import cycle."""

from __future__ import annotations

import ast
import graphlib
import importlib
import pkgutil
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from upgrader.request import Request

from upgrader.carriers import KINDS, plan_any, registry
from upgrader.carriers.detect import detect_kind
from upgrader.carriers.registry import Carrier, carriers, walk_globs
from upgrader.errors import InputError

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "upgrader" / "carriers"
YAML = ("*.yaml", "*.yml")
# What upgrader/fleet.py's SNIFF_GLOBS/KIND_GLOBS/YAML_GLOBS tables gave a walk before the registry.
WALKS = {
    None: (("*.conf",), ("*.yaml", "*.yml", "*.service", "*.sh", "*.bash", "*.j2", "*.jinja2", "*.tpl", "*.gotmpl")),
    "conf": (("*.conf",), ()),
    "flags-compose": (YAML, ()),
    "flags-systemd": (("*.service", "*.conf"), ()),
    "flags-k8s": (YAML, ()),
    "flags-shell": (("*.sh", "*.bash"), ()),
    "yaml-vars": (YAML, ()),
    "helm-values": (YAML, ()),
    "k8s-configmap": (YAML, ()),
    "operator": (YAML, ()),
    "conf-template": (("*.j2", "*.jinja2", "*.tpl", "*.gotmpl") + YAML, ()),
}


def test_kinds_in_their_order() -> None:
    assert KINDS == ("conf", "flags-compose", "flags-systemd", "flags-k8s", "flags-shell", "yaml-vars",
                     "helm-values", "k8s-configmap", "operator", "conf-template")
    from upgrader.carriers.detect import KINDS as listed_by_cli  # what --kind offers (cli.py)

    assert listed_by_cli == KINDS


@pytest.mark.parametrize("kind", list(WALKS), ids=str)
def test_walk_globs(kind: str | None) -> None:
    assert walk_globs(kind) == WALKS[kind]


def test_walk_globs_of_an_unknown_kind_is_an_error() -> None:
    with pytest.raises(InputError, match="unknown carrier kind 'nope'; expected one of: conf, flags-compose"):
        walk_globs("nope")


def test_module_names_are_kind_names() -> None:
    kinds_pkg = PACKAGE / "kinds"
    modules = sorted(i.name for i in pkgutil.iter_modules([str(kinds_pkg)]) if not i.name.startswith("_"))
    assert modules == sorted(c.name.replace("-", "_") for c in carriers())
    for c in carriers():
        assert c.module == f"upgrader.carriers.kinds.{c.name.replace('-', '_')}"
        assert importlib.import_module(c.module).CARRIER is c


def test_a_kind_is_declared_once() -> None:
    c = carriers()[0]
    with pytest.raises(ValueError, match="declared twice"):
        Carrier(c.module, order=1, globs=(), scope="text", rank=1, detect=c.detect, units=c.units)


def test_yaml_carriers_say_what_they_look_for() -> None:
    with pytest.raises(ValueError, match="declares no hint"):
        Carrier("somewhere.yaml_thing", order=1, globs=YAML, scope="document", rank=1, detect=lambda p: False,
                units=lambda ctx: [])
    assert all(c.hint is not None for c in carriers() if c.yaml)


NEW_CARRIER = '''
"""``key-equals``: a made-up shape, ``key = value`` lines in a ``*.kv`` file (the docs' example)."""

from __future__ import annotations

import re

from upgrader.carriers.registry import Carrier, Probe

LINE = re.compile(r"^([a-z][\\w.-]*) = (.*)$", re.M)


def detect(probe: Probe) -> bool:
    return probe.name.endswith(".kv")


class Entry:
    def __init__(self, text: str, m: "re.Match[str]") -> None:
        self.text, self.m = text, m

    def rename(self, new_key: str):
        from upgrader.carriers.engine import Splice

        return [Splice(self.m.start(1), self.m.end(1), new_key)]

    def set_value(self, new_value: str):
        from upgrader.carriers.engine import Splice

        return [Splice(self.m.start(2), self.m.end(2), new_value)]

    def remove(self, why: str):
        from upgrader.carriers.engine import Splice

        return [Splice(self.m.start(), self.m.end() + 1, "")]


def units(ctx):
    from upgrader.carriers.engine import Occurrence, Unit

    unit = Unit(label="kv file")
    for m in LINE.finditer(ctx.text):
        line = ctx.text.count("\\n", 0, m.start()) + 1
        unit.occurrences.append(Occurrence(m.group(1), f"{m.group(1)} {m.group(2)}", line, Entry(ctx.text, m)))
    return [unit]


CARRIER = Carrier(__name__, order=45, globs=("*.kv",), scope="text", rank=30, detect=detect, units=units)
'''


def test_a_new_carrier_is_one_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dropping one module into the kinds package is the whole registration: it is listed, walked,
    detected and planned, with no other file changed."""
    from upgrader.carriers import kinds

    (tmp_path / "key_equals.py").write_text(textwrap.dedent(NEW_CARRIER))
    monkeypatch.setattr(kinds, "__path__", [*kinds.__path__, str(tmp_path)])
    monkeypatch.setattr(registry, "CARRIERS", dict(registry.CARRIERS))  # the others are imported already
    monkeypatch.setattr(registry, "_LOADED", [])
    monkeypatch.delitem(sys.modules, "upgrader.carriers.kinds.key_equals", raising=False)
    try:
        assert registry.kinds() == KINDS[:5] + ("key-equals",) + KINDS[5:]  # order=45: after flags-shell
        assert walk_globs("key-equals") == (("*.kv",), ())
        assert walk_globs(None)[1] == WALKS[None][1][:5] + ("*.kv",) + WALKS[None][1][5:]  # by order
        text = "workers = 4\nrocksdb.row_cache_size = 5\nbind = 0.0.0.0\n"
        assert detect_kind("node.kv", text) == "key-equals"
        p = plan_any(text, Request.build(to="2.14.0", from_="2.12.1"), "node.kv")
        assert p.kind == "key-equals"
        assert p.new_text == "workers = 4\nbind = 0.0.0.0\n"  # the row cache removed in the carrier's way
        row = [f for f in p.findings if f.option == "rocksdb.row_cache_size"]
        assert row and row[0].line == 2 and row[0].applied
    finally:
        sys.modules.pop("upgrader.carriers.kinds.key_equals", None)
        vars(kinds).pop("key_equals", None)


def test_detecting_a_conf_loads_no_yaml_parser() -> None:
    """Every carrier module is imported to detect any file, so they keep the YAML parser out of their
    top-level imports: a kvrocks.conf (or a unit file, a script) never loads ruamel."""
    code = textwrap.dedent("""
        import sys
        from upgrader.carriers import detect_kind
        kinds = [detect_kind("kvrocks.conf", "workers 4\\n"),
                 detect_kind("kv.service", "[Service]\\nExecStart=/usr/bin/kvrocks --workers 4\\n"),
                 detect_kind("run.sh", "kvrocks --workers 4\\n")]
        print(kinds, sorted(m for m in sys.modules if m.startswith("ruamel"))[:3])
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "['conf', 'flags-systemd', 'flags-shell'] []", out.stdout + out.stderr


# --- carriers stay independent --------------------------------------------------------------

def _module_files() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(module: str, path: Path, known: dict[str, Path]) -> list[tuple[str, str]]:
    """(module imported, name imported from it or '') for every import anywhere in the file."""
    out = []
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, "") for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            source = ".".join(base + ([node.module] if node.module else []))
            for a in node.names:
                sub = f"{source}.{a.name}"
                out.append((sub, "") if sub in known else (source, a.name))
    return out


KNOWN = _module_files()


def test_no_module_imports_a_private_name_of_another() -> None:
    wrong = [f"{m} imports {name} from {src}" for m, path in KNOWN.items()
             for src, name in _imports(m, path, KNOWN) if name.startswith("_") and name != "__future__"
             and src != m and src.startswith("upgrader")]
    assert not wrong, wrong


def test_no_carrier_imports_another_carrier() -> None:
    kinds = {m for m in KNOWN if m.startswith("upgrader.carriers.kinds.")}
    wrong = [f"{m} imports {src}" for m in kinds for src, _ in _imports(m, KNOWN[m], KNOWN)
             if src in kinds and src != m]
    assert not wrong, wrong


def test_carriers_have_no_import_cycle() -> None:
    graph = {m: {src for src, _ in _imports(m, p, KNOWN) if src in KNOWN and src != m} for m, p in KNOWN.items()}
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as e:
        pytest.fail(f"import cycle: {e.args[1]}")


# --- docs/CARRIERS.md's kind table is the registry -------------------------------------------

def _table(repo_root: Path) -> list[list[str]]:
    text = (repo_root / "docs" / "CARRIERS.md").read_text(encoding="utf-8")
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in text.splitlines()
            if re.match(r"^\| `[a-z0-9-]+` \|", line)]
    return rows


def test_docs_table_is_the_registry(repo_root: Path) -> None:
    rows = _table(repo_root)
    assert [r[0].strip("`") for r in rows] == list(KINDS)
    for row in rows:
        kind = row[0].strip("`")
        module = "upgrader/planner.py" if kind == "conf" else f"upgrader/carriers/kinds/{kind.replace('-', '_')}.py"
        assert row[1] == f"`{module}`", kind
        assert (repo_root / module).is_file(), module
        assert re.findall(r"`([^`]+)`", row[2]) == list(walk_globs(kind)[0]), kind
