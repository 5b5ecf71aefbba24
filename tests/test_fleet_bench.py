"""The fleet benchmark's generator and I/O floor (benchmarks/fleet): deterministic fleets with the
intended number of distinct planning keys, and a batched null apply that leaves the same files,
backups and manifest as the per-file one. No timings here: the benchmark itself reports those."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

FLEET = Path(__file__).resolve().parent.parent / "benchmarks" / "fleet"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"fleetbench_{name}", FLEET / f"{name}.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def gen(shared_dir: Path) -> ModuleType:
    return _load("gen_fleet")


def _contents(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("mode, n, keys", [("templated", 30, 30), ("templated", 60, 30), ("distinct", 12, 12)])
def test_fleet_is_deterministic_with_the_intended_planning_keys(gen: ModuleType, tmp_path: Path, mode: str,
                                                                n: int, keys: int) -> None:
    assert gen.generate(tmp_path / "a", n, mode, count=True) == keys
    gen.generate(tmp_path / "b", n, mode)
    a, b = _contents(tmp_path / "a"), _contents(tmp_path / "b")
    assert len(a) == n and a == b
    gen.generate(tmp_path / "c", n, mode, seed=6)
    assert _contents(tmp_path / "c") != a  # the seed matters (per-node tokens, legacy edits)


def test_templated_files_of_one_key_differ_only_in_per_node_lines(gen: ModuleType, tmp_path: Path) -> None:
    gen.generate(tmp_path, 60, "templated")
    # Files 0 and 30: same template, group and role (5 templates x 3 groups x 2 roles).
    one = (tmp_path / "dc0" / "host00000" / "kvrocks.conf").read_text().splitlines()
    two = (tmp_path / "dc2" / "host00030" / "kvrocks.conf").read_text().splitlines()
    assert len(one) == len(two)
    differing = {x.split(" ", 1)[0] for x, y in zip(one, two) if x != y}
    assert differing and differing <= set(gen.PER_NODE) | {"namespace.sessions"}
    assert any(ln.startswith("requirepass ") for ln in one)


def test_batched_null_apply_leaves_what_the_per_file_one_does(gen: ModuleType, tmp_path: Path) -> None:
    gen.generate(tmp_path / "orig", 10, "templated")
    original = _contents(tmp_path / "orig")
    results = {}
    for mode in ("durable", "batched"):
        fleet = tmp_path / mode
        gen.generate(fleet, 10, "templated")
        listing = "\0".join(str(p) for p in sorted(fleet.rglob("*.conf"))).encode()
        subprocess.run([sys.executable, str(FLEET / "null_apply.py"), "--mode", mode, "--jobs", "2", "--chunk", "4",
                        "--backup-dir", str(tmp_path / f"{mode}-bk")], input=listing, check=True)
        after = _contents(fleet)
        assert set(after) == set(original)  # no temp file left behind
        for name, data in after.items():
            assert data == original[name].replace(b"\nrocksdb.row_cache_size ", b"\n# rocksdb.row_cache_size ")
            assert data != original[name]
        backups = _contents(tmp_path / f"{mode}-bk")
        manifest = backups.pop("manifest").decode().split()
        assert sorted(manifest) == sorted(str(fleet / n) for n in original)
        assert sorted(backups.values()) == sorted(original.values())
        results[mode] = after
    assert results["durable"] == results["batched"]
