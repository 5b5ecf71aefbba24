"""The one frozen Request built at the edge (issue 13 item 2): auto, check, bad versions, kind."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

import upgrader
from upgrader.api import plan_file
from upgrader.fleet import Inventory
from upgrader.matrix import load_matrix
from upgrader.planner import plan, plan_text
from upgrader.request import Request, UnknownKind
from upgrader.settings import CarrierOptions, Settings
from upgrader.versions import MalformedVersion, VersionError

REPO = Path(__file__).resolve().parent.parent
CONF = "port 6666\nrocksdb.row_cache_size 5\n"


@pytest.mark.parametrize("given", [None, "auto", " AUTO ", "Auto"])
def test_auto_leaves_the_source_to_detection(given: object) -> None:
    req = Request.build(to="2.14.0", from_=given)  # type: ignore[arg-type]
    assert req.source is None and req.auto
    assert req.target == (2, 14, 0)
    p = plan(CONF, req)
    assert p.from_detected is not None  # detected, and said so in the plan


def test_versions_are_resolved_once_into_releases() -> None:
    req = Request.build(to="v2.14", from_="kvrocks version 2.12.1 (commit abc)")
    assert (req.source, req.target) == ((2, 12, 1), (2, 14, 0))
    assert req.settings == Settings() and req.carrier == CarrierOptions() and req.kind is None


def test_check_means_from_equals_to() -> None:
    req = Request.check(to="2.13.0")
    assert req.source == req.target == (2, 13, 0)
    p = plan(CONF, req)
    assert p.from_version == p.to_version == "2.13.0" and p.hops == [] and p.from_detected is None


@pytest.mark.parametrize(("to", "from_", "argument"), [("9.9.9", "2.12.1", "to"), ("2.14.0", "9.9.9", "from"),
                                                       ("9.9.9", "9.9.8", "to")])
def test_an_unknown_release_is_refused_naming_the_argument(to: str, from_: str, argument: str) -> None:
    with pytest.raises(VersionError) as err:
        Request.build(to=to, from_=from_)
    assert "unknown Kvrocks release" in str(err.value) and "known releases" in str(err.value)
    assert err.value.argument == argument  # type: ignore[attr-defined]
    assert not isinstance(err.value, MalformedVersion)


@pytest.mark.parametrize("bad", ["", "x" * 500, "2." + "9" * 5000, "unstable"])
def test_something_that_is_not_a_release_is_refused(bad: str) -> None:
    with pytest.raises(VersionError) as err:
        Request.build(to="2.14.0", from_=bad)
    assert err.value.argument == "from"  # type: ignore[attr-defined]
    assert len(str(err.value)) < 300  # a blob is cut in the message


def test_kind_is_checked_against_the_known_kinds() -> None:
    assert Request.build(to="2.14.0", kind="helm-values").kind == "helm-values"
    assert Request.build(to="2.14.0", kind="auto").kind is None
    with pytest.raises(UnknownKind, match="unknown carrier kind 'helm'; expected one of: conf, "):
        Request.build(to="2.14.0", kind="helm")


def test_the_request_is_frozen_and_with_source_makes_a_new_one() -> None:
    req = Request.build(to="2.14.0")
    with pytest.raises(dataclasses.FrozenInstanceError):
        req.target = (2, 13, 0)  # type: ignore[misc]
    other = req.with_source((2, 12, 1))
    assert other.source == (2, 12, 1) and req.source is None and other.matrix is req.matrix
    assert req.with_source(None) is req


def test_the_keyword_edge_and_the_request_plan_alike() -> None:
    a = plan_text(CONF, from_="2.12.1", to="2.14.0")
    b = upgrader.plan_request(CONF, upgrader.Request.build(to="2.14.0", from_="2.12.1"))
    assert a.new_text == b.new_text and [f.id for f in a.findings] == [f.id for f in b.findings]


def test_plan_file_takes_a_request_or_keywords_not_both(tmp_path: Path) -> None:
    p = tmp_path / "kvrocks.conf"
    p.write_text(CONF)
    req = Request.build(to="2.14.0", from_="2.12.1")
    assert plan_file(str(p), request=req).plan is not None
    with pytest.raises(TypeError, match="one or the other"):
        plan_file(str(p), request=req, to="2.13.0")
    out = plan_file(str(p), to="2.14.0", kind="nope")  # keywords: a bad kind is the file's error
    assert out.error is not None and out.error.startswith(f"{p}: unknown carrier kind 'nope'")


def test_an_inventory_resolves_its_versions_once_at_load(tmp_path: Path) -> None:
    inv_path = tmp_path / "inv.yml"
    inv_path.write_text("a.conf: 2.12.1\nb.conf: auto\n")
    inv = Inventory.load(str(inv_path))
    m = load_matrix()
    inv.validate(m.resolve)
    base = Request.build(to="2.14.0", from_="2.13.0", matrix=m)
    assert inv.request_for(str(tmp_path / "a.conf"), base).source == (2, 12, 1)
    assert inv.request_for(str(tmp_path / "b.conf"), base).source is None  # the entry says auto
    assert inv.request_for(str(tmp_path / "c.conf"), base) is base  # no entry: --from


def _compares_with_auto(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Compare)
            and any(isinstance(c, ast.Constant) and c.value == "auto" for c in [n.left, *n.comparators])]


def test_auto_is_recognised_in_one_place() -> None:
    """No module but upgrader/request.py compares a value with "auto" (the planner, the carrier
    engine, the CLI, the fleet and the Ansible plugin each did)."""
    files = [*(REPO / "upgrader").rglob("*.py"), *(REPO / "transforms").rglob("*.py"),
             *(REPO / "ansible_collections").rglob("*.py")]
    found = {str(f.relative_to(REPO)): _compares_with_auto(f) for f in files}
    assert found["upgrader/request.py"]
    assert {f: lines for f, lines in found.items() if lines and f != "upgrader/request.py"} == {}


def test_one_dispatcher_between_conf_and_carriers() -> None:
    """Only upgrader.carriers.plan_any decides between the conf planner and a carrier."""
    callers = []
    for f in (REPO / "upgrader").rglob("*.py"):
        for n in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", None)) == "resolve_kind":
                callers.append(str(f.relative_to(REPO)))
    assert callers == ["upgrader/carriers/__init__.py"]


def test_settings_is_a_leaf_below_the_registry_and_the_planner() -> None:
    """Issue 13 item 3: Settings, CarrierOptions and the marker live in a module that imports
    nothing of kvupgrade's, so redact, the registry and the planner need not import each other."""
    tree = ast.parse((REPO / "upgrader" / "settings.py").read_text(encoding="utf-8"))
    ours = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and (n.level or (n.module or "")
                                                                                .startswith(("upgrader", "transforms")))]
    assert ours == []
    redact = ast.parse((REPO / "upgrader" / "redact.py").read_text(encoding="utf-8"))
    assert not [n for n in ast.walk(redact) if isinstance(n, ast.ImportFrom) and n.module == "registry"]
    assert upgrader.Settings is Settings and upgrader.CarrierOptions is CarrierOptions


def test_the_request_knows_the_kinds_the_carriers_handle() -> None:
    """settings.KINDS (what Request.build accepts) and the carriers' own list are the same list
    until the carriers import it from the leaf."""
    from upgrader.carriers.detect import KINDS
    from upgrader.settings import KINDS as REQUEST_KINDS

    assert REQUEST_KINDS == KINDS
