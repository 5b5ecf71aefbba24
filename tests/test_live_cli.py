"""plan --live / verify --live on the command line, and the inventory's node per file.

Fast tests need no server (usage errors, a refused port, the inventory's parsing); the slow ones
start real nodes (tests/livenode.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirun import kv
from upgrader.fleet import Inventory

PASSWORD = "hunter2-Secret-9x"


def _conf(tmp_path: Path, name: str = "node.conf", extra: str = "") -> Path:
    p = tmp_path / name
    p.write_text(f"port 6666\nrequirepass {PASSWORD}\nmaxclients 100\n{extra}")
    return p


def test_a_password_in_the_address_is_a_usage_error_never_repeated(tmp_path: Path) -> None:
    r = kv("plan", "--live", "redis://u:topsecretpw@127.0.0.1:1", "--to", "2.14.0", str(_conf(tmp_path)))
    assert r.returncode == 2 and "--password-file" in r.stderr
    assert "topsecretpw" not in r.stdout + r.stderr


def test_verify_needs_live_and_at_inventory_needs_an_inventory(tmp_path: Path) -> None:
    conf = _conf(tmp_path)
    assert kv("verify", "--to", "2.14.0", str(conf)).returncode == 2
    assert kv("verify", "--live", "@inventory", "--to", "2.14.0", str(conf)).returncode == 2
    inv = tmp_path / "inv.yaml"
    inv.write_text("node.conf: 2.12.0\n")
    r = kv("verify", "--live", "@inventory", "--inventory", str(inv), "--to", "2.14.0", str(conf))
    assert r.returncode == 2 and "names no node" in r.stderr


def test_an_unreachable_node_is_the_files_error_exit_1(tmp_path: Path) -> None:
    r = kv("verify", "--live", "127.0.0.1:1", "--connect-timeout", "1", "--to", "2.14.0", "-f", "json",
           str(_conf(tmp_path)))
    assert r.returncode == 1
    f = json.loads(r.stdout)["files"][0]
    assert f["status"] == "error" and "127.0.0.1:1" in f["error"]
    assert PASSWORD not in r.stdout + r.stderr


def test_inventory_gives_a_node_per_file(tmp_path: Path) -> None:
    y = tmp_path / "inv.yaml"
    y.write_text("- {path: a.conf, version: 2.12.0, node: 'db1:6666'}\n- {glob: 'b*.conf', node: 'db2:6667'}\n")
    inv = Inventory.load(str(y))
    assert inv.node_for(str(tmp_path / "a.conf")) == "db1:6666" and inv.version_for(str(tmp_path / "a.conf")) == "2.12.0"
    assert inv.node_for(str(tmp_path / "b1.conf")) == "db2:6667" and inv.version_for(str(tmp_path / "b1.conf")) == "auto"
    assert inv.node_for(str(tmp_path / "c.conf")) is None and inv.has_nodes
    c = tmp_path / "inv.csv"
    c.write_text("path,version,node\na.conf,2.12.0,db1:6666\nb.conf,,\n")
    inv = Inventory.load(str(c))
    assert inv.node_for(str(tmp_path / "a.conf")) == "db1:6666" and inv.node_for(str(tmp_path / "b.conf")) is None
    assert [(p, v) for p, v, _ in inv.entries] == [("a.conf", "2.12.0"), ("b.conf", "auto")]


# --- real nodes ------------------------------------------------------------------------------

@pytest.mark.slow
def test_plan_and_verify_live_against_real_nodes(tmp_path: Path, kvrocks_bins) -> None:  # type: ignore[no-untyped-def]
    import redis

    from tests.livenode import running

    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n")
    conf = _conf(tmp_path)
    with running(kvrocks_bins[(2, 14, 0)], conf.read_text()) as n:
        live = ["--live", n.target, "--password-file", str(pw)]
        conf.write_text(conf.read_text().replace("port 6666", f"port {n.port}"))
        r = kv("verify", *live, "--to", "2.14.0", "-f", "json", str(conf))
        f = json.loads(r.stdout)["files"][0]
        assert r.returncode == 0, f
        assert f["live"]["ok"] is True and f["live"]["checked"] >= 3
        redis.Redis(port=n.port, password=PASSWORD).config_set("maxclients", "200")  # drift
        r = kv("plan", *live, "--to", "2.14.0", "-f", "json", str(conf))
        f = json.loads(r.stdout)["files"][0]
        assert f["live"]["release"] == "2.14.0" and f["from"] == "2.14.0"
        assert any(x["rule"] == "live/differs" and x["option"] == "maxclients" for x in f["findings"])
        r = kv("verify", *live, "--to", "2.14.0", str(conf))
        assert r.returncode == 3 and "maxclients" in r.stdout
        r = kv("plan", *live, "--verify-with", str(kvrocks_bins[(2, 14, 0)]), "--to", "2.14.0", "-f", "json", str(conf))
        f = json.loads(r.stdout)["files"][0]
        assert f["realserver"]["started"] is True and "live" in f, f
        assert kv("verify", *live, "--to", "2.13.0", str(conf)).returncode == 4
        wrong = tmp_path / "wrong"
        wrong.write_text("not-the-password\n")
        r = kv("verify", "--live", n.target, "--password-file", str(wrong), "--to", "2.14.0", str(conf))
        assert r.returncode == 1 and "refused the password" in r.stderr
        r = kv("verify", "--live", n.target, "--to", "2.14.0", str(conf), env={"KVUPGRADE_PASSWORD": PASSWORD})
        assert r.returncode == 3
        assert PASSWORD not in r.stdout + r.stderr


@pytest.mark.slow
def test_plan_live_across_a_fleet_by_inventory(tmp_path: Path, kvrocks_bins) -> None:  # type: ignore[no-untyped-def]
    from tests.livenode import running

    a = tmp_path / "a.conf"
    a.write_text("port 6666\nmaxclients 100\n")
    b = tmp_path / "b.conf"
    b.write_text("port 6666\nrocksdb.row_cache_size 64\n")
    with running(kvrocks_bins[(2, 14, 0)], a.read_text()) as na, running(kvrocks_bins[(2, 13, 0)], b.read_text()) as nb:
        inv = tmp_path / "inv.csv"
        inv.write_text(f"path,version,node\na.conf,,{na.target}\nb.conf,auto,{nb.target}\n")
        r = kv("plan", "--live", "@inventory", "--inventory", str(inv), "--to", "2.14.0", "-f", "json", "-j", "2",
               str(a), str(b))
        files = {Path(f["path"]).name: f for f in json.loads(r.stdout)["files"]}
        assert files["a.conf"]["live"]["node"] == na.target and files["a.conf"]["from"] == "2.14.0"
        assert files["b.conf"]["live"]["node"] == nb.target and files["b.conf"]["from"] == "2.13.0"
        assert any(x["rule"] == "live/ignored" for x in files["b.conf"]["findings"]), files["b.conf"]["findings"]


@pytest.mark.slow
def test_live_on_a_carrier_of_several_nodes_says_it_was_not_compared(tmp_path: Path, kvrocks_bins) -> None:  # type: ignore[no-untyped-def]
    from tests.livenode import running

    # two services, neither with the node's port: which one the node is cannot be told
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services:\n  kv:\n    image: apache/kvrocks:2.14.0\n    command: [\"--port\", \"6666\"]\n"
                       "  kv2:\n    image: apache/kvrocks:2.14.0\n    command: [\"--port\", \"6667\"]\n")
    with running(kvrocks_bins[(2, 14, 0)], "port 6666\n") as n:
        r = kv("plan", "--live", n.target, "--to", "2.14.0", "-f", "json", str(compose))
        v = kv("verify", "--live", n.target, "--to", "2.14.0", "-f", "json", str(compose))
    f = json.loads(r.stdout)["files"][0]
    assert f["kind"] == "flags-compose" and f["live"]["release"] == "2.14.0", f
    [note] = [x for x in f["findings"] if x["rule"] == "live/not-compared"]
    assert "2 nodes (service kv, service kv2)" in note["message"] and note["severity"] == "info"
    assert not any(x["rule"].startswith("live/differs") for x in f["findings"])
    f = json.loads(v.stdout)["files"][0]  # verify: nothing compared is not verified
    assert v.returncode == 3 and f["live"]["ok"] is False
    assert [x["severity"] for x in f["findings"] if x["rule"] == "live/not-compared"] == ["warning"]
