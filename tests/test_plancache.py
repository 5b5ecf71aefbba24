"""Planning each distinct conf once per fleet run (issue 15, part 1): upgrader/plancache.py.

The property: a fleet planned with sharing and without gives the same output byte for byte in
every format (plan with and without diff, check) and the same files, backups and records on
apply; each node's own secret never appears in any output. Unit tests pin the key, the guard
and the bound.
"""

from __future__ import annotations

import ast
import re
import shutil
import string
import tempfile
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Optional

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.clirun import kv
from upgrader import plancache
from upgrader.api import SharedPlanner, shared_planner
from upgrader.carriers import plan_any
from upgrader.findings import Finding
from upgrader.plancache import OPAQUE_KEYS, PlanCache, guarded
from upgrader.report import FORMATS
from upgrader.request import Request

REPO = Path(__file__).resolve().parent.parent
TO = "2.14.0"

BASE = ("# a node\nport 7001\nbind 10.0.0.1\ndir /data/n1\nworkers 8\nrocksdb.row_cache_size 64\n"
        "rocksdb.max_sub_compactions 2\nrequirepass pw-n1-secret\nmax-io-mb 500\n")


def _req(source: Optional[str] = "2.10.0", to: str = TO) -> Request:
    return Request.build(to=to, from_=source)


def _node(i: int, tail: str = "") -> str:
    """BASE as node ``i`` sets it, then ``tail`` (a template) as is."""
    return (BASE.replace("7001", str(7000 + i)).replace("10.0.0.1", f"10.0.0.{i}")
            .replace("/data/n1", f"/data/n{i}").replace("pw-n1-secret", f"pw-n{i}-secret")) + tail


# --- the key ------------------------------------------------------------------------------------
def test_files_differing_only_in_port_share_one_plan() -> None:
    c = PlanCache()
    req = _req()
    a, b = BASE, BASE.replace("port 7001", "port 7002")
    assert c.key(a, req).key == c.key(b, req).key
    assert {o.key for o in c.key(a, req).opaque} == {"port", "bind", "dir", "requirepass"}
    d = BASE.replace("port 7001", "port 7003")
    # the first file of a key is planned as is, the second makes the shared entry, the rest map it
    pa, pb, pd = c(a, req, "a.conf"), c(b, req, "b.conf"), c(d, req, "d.conf")
    assert (c.planned, c.shared) == (2, 1)
    assert pa == plan_any(a, req, "a.conf") and pb == plan_any(b, req, "b.conf") and pd == plan_any(d, req, "d.conf")
    assert "port 7003" in pd.new_text and "port 7002" not in pd.new_text


def test_every_per_node_line_at_once_still_shares() -> None:
    c = PlanCache()
    for source in ("2.10.0", None):
        req = _req(source)
        for i in range(1, 6):
            text = _node(i)
            assert c(text, req, f"n{i}.conf") == plan_any(text, req, f"n{i}.conf")
    assert c.planned == 4 and c.shared == 6


def test_a_tuned_row_cache_size_does_not_share() -> None:
    c = PlanCache()
    req = _req()
    b = BASE.replace("rocksdb.row_cache_size 64", "rocksdb.row_cache_size 128")
    assert c.key(BASE, req).key != c.key(b, req).key
    c(BASE, req, "a.conf")
    c(b, req, "b.conf")
    assert (c.planned, c.shared) == (2, 0)


@pytest.mark.parametrize("text", [
    "port 7001\nport 7002\n",  # a duplicated key: which line wins is read by duplicate_keys
    "port 07001\n",  # leading zero: read differently by release (integer_syntax)
    "port 99999\n",  # out of range
    "port 6666\n",  # the default and shipped value: default_change compares with it
    "dir /tmp/kvrocks\n",  # the shipped value: source detection compares with it
    'dir "/data/a b"\n',  # quoted
    "dir /data/a # comment\n",
    "PORT 7001\n",  # not the canonical spelling
    "port 7001\n  Port 7002\n",  # another spelling of the key elsewhere (the quoted grammar skips the blanks)
    "port 7001\nport\t7002\n",  # the same key, cut at a tab
    "\ufeffport 7001\nport 7002\n",  # the first line's key after a BOM
    "log-dir stdout\n",  # a special word (2.14 logs to stdout): only an absolute path is opaque
    "log-dir var/log\n",
    "log-dir /var/log/kv:info\n",  # a 2.13 destination list (logging_switch reads it)
    "port\t7001\n",
    "slaveof 10.0.0.1\n",  # <host> <port> or nothing
    "dir /data/a 1234\n",  # two words only for slaveof/replicaof
])
def test_lines_that_are_not_opaque(text: str) -> None:
    assert PlanCache().key(text, _req(None)).opaque == []


def test_slaveof_host_port_is_opaque() -> None:
    c = PlanCache()
    req = _req()
    a, b = BASE + "slaveof 10.9.0.1 6379\n", BASE + "slaveof 10.9.0.2 7001\n"
    assert "slaveof" in {o.key for o in c.key(a, req).opaque}
    d = BASE + "slaveof 10.9.0.3 7002\n"
    assert c(a, req, "a") == plan_any(a, req, "a") and c(b, req, "b") == plan_any(b, req, "b")
    assert c(d, req, "d") == plan_any(d, req, "d")
    assert (c.planned, c.shared) == (2, 1)


def test_crlf_and_lf_never_share_a_key() -> None:
    c = PlanCache()
    req = _req()
    assert c.key(BASE, req).key != c.key(BASE.replace("\n", "\r\n"), req).key


def test_equal_opaque_values_stay_in_the_key() -> None:
    """A token equal to requirepass is fatal in Kvrocks: which opaque values are equal is kept."""
    c = PlanCache()
    req = _req()
    a = "requirepass aaa1\nnamespace.ns1 bbb2\n"
    b = "requirepass ccc3\nnamespace.ns1 ccc3\n"
    assert {o.key for o in c.key(a, req).opaque} == {"requirepass", "namespace.ns1"}
    assert c.key(a, req).key != c.key(b, req).key
    assert c.key(a, req).key == c.key("requirepass zz9\nnamespace.ns1 yy8\n", req).key


# --- the guard ----------------------------------------------------------------------------------
def test_a_plan_that_cites_an_opaque_line_is_not_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    real = plancache.plan_conf

    def citing(text: str, request: Request, path: Optional[str] = None) -> Any:
        p = real(text, request, path)
        p.findings.append(Finding(id="x/port", rule="x", option="port", severity="info",
                                  message="port is fine", line=2))
        return p

    monkeypatch.setattr(plancache, "plan_conf", citing)
    c = PlanCache()
    req = _req()
    for i in range(1, 4):
        p = c(_node(i), req, f"n{i}.conf")
        assert p.old_text == _node(i) and p.findings[-1].id == "x/port"
    assert (c.planned, c.shared) == (3, 0)  # the key is known unshareable: every file planned


def test_guard_refuses_an_opaque_value_shown_in_a_finding() -> None:
    req = _req()
    c = PlanCache()
    keyed = c.key(BASE, req)
    rep = plan_any(BASE, req, "a.conf")
    assert guarded(rep, keyed, req.matrix).plan is not None
    rep.findings.append(Finding(id="x/y", rule="x", option="workers", severity="info", message="see /data/n1"))
    assert guarded(rep, keyed, req.matrix).plan is None
    rep.findings.pop()
    # the port standing as a word is refused; inside another number it is not the port
    rep.findings.append(Finding(id="x/y", rule="x", option="workers", severity="info", message="listens on 7001."))
    assert guarded(rep, keyed, req.matrix).plan is None
    rep.findings[-1] = Finding(id="x/y", rule="x", option="workers", severity="info", message="a 17001 MB limit")
    assert guarded(rep, keyed, req.matrix).plan is not None
    rep.findings.pop()
    rep2 = replace(rep, new_text=rep.new_text.replace("port 7001\n", "# port 7001\n"))
    assert guarded(rep2, keyed, req.matrix).plan is None  # the opaque line did not survive into the new text


def test_a_shared_plan_is_a_copy() -> None:
    c = PlanCache()
    req = _req()
    p1 = c(BASE, req, "a.conf")
    p1.findings[0].message = "mutated by a judge"
    p1.findings.append(Finding(id="z", rule="z", option="z", severity="info", message="added"))
    p2 = c(BASE, req, "a.conf")
    assert p2 == plan_any(BASE, req, "a.conf")


def test_the_cache_is_bounded() -> None:
    c = PlanCache(bound=3)
    req = _req()
    for i in range(10):
        c(f"port 7001\nworkers {i + 1}\n", req, "a.conf")
        assert len(c) <= 3
    assert c.planned == 10
    c("port 7005\nworkers 10\n", req, "a.conf")  # the newest key is still there: its entry is made
    c("port 7006\nworkers 10\n", req, "a.conf")
    assert (c.planned, c.shared) == (11, 1)
    c("port 7005\nworkers 1\n", req, "a.conf")  # the oldest is gone: seen anew
    c("port 7006\nworkers 1\n", req, "a.conf")
    assert (c.planned, c.shared) == (13, 1)


def test_a_fleet_of_distinct_configs_is_sampled_until_a_key_repeats(monkeypatch: pytest.MonkeyPatch) -> None:
    """After MISS_STREAK lookups without a repeat only one file in SAMPLE is looked up (the rest are
    planned directly: the same plans); a repeat found by a sampled lookup turns lookups back on."""
    monkeypatch.setattr(plancache, "MISS_STREAK", 3)
    monkeypatch.setattr(plancache, "SAMPLE", 2)
    c = PlanCache()
    req = _req()
    looked: list[int] = []
    real_key = c.key
    monkeypatch.setattr(c, "key", lambda text, request: looked.append(1) or real_key(text, request))
    texts = [f"port 7001\nworkers {i + 1}\n" for i in range(7)]
    for i, t in enumerate(texts):
        assert c(t, req, f"{i}.conf") == plan_any(t, req, f"{i}.conf")
    assert len(looked) == 3 + 2  # three misses, then every second file of the other four
    for port in (7002, 7003, 7004, 7005):  # the last text again, with other ports
        t = texts[-1].replace("7001", str(port))
        assert c(t, req, "n.conf") == plan_any(t, req, "n.conf")
    assert c.shared >= 1


def test_carriers_are_planned_each_time() -> None:
    text = (REPO / "examples" / "carriers" / "kvrocks.service").read_text()
    sp = shared_planner()
    req = _req(None)
    for _ in range(3):
        assert sp(text, req, "kvrocks.service") == plan_any(text, req, "kvrocks.service")
    assert (sp.cache.planned, sp.cache.shared, len(sp.cache)) == (0, 0, 0)  # never reached the cache
    assert sp(BASE, req, "a.conf") == plan_any(BASE, req, "a.conf") and sp.cache.planned == 1


def _literals(path: Path) -> set[str]:
    return {n.value for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Constant)
            and isinstance(n.value, str)}


_PRESENCE_ONLY = {("log_dir_stdout.py", "log-dir"): '    if "log-dir" in ctx.effective():'}
# Notes keyed by a finding's option: they only annotate a finding about the key, and a plan with a
# finding about an opaque key is never shared (the guard).
_FINDING_KEYED = {("claims.py", "log-dir")}
# Rules that read a value only for a mark the key's opaque shape excludes.
_SHAPE_READERS = {("logging_switch.py", "log-dir"): ("/var/log/a,b", "/var/log/kv:info", "stdout:info")}


def test_no_rule_reads_an_opaque_key_by_name() -> None:
    """The premise of sharing: the rules, the impact model and detection never name these keys."""
    files = [*(REPO / "transforms").glob("*.py"), *(REPO / "upgrader" / "impact").glob("*.py"),
             *(REPO / "upgrader" / n for n in ("detect.py", "planner.py", "registry.py", "values.py"))]
    assert len(files) > 20
    for f in files:
        said = _literals(f)
        for key in OPAQUE_KEYS:
            if (f.name, key) in _PRESENCE_ONLY:
                # It asks only whether the key is set (the key stays in the sharing key): the one
                # place it names it in code is that test.
                code = [ln for ln in f.read_text().splitlines() if f'"{key}"' in ln and not ln.strip().startswith('"')]
                assert code == [_PRESENCE_ONLY[(f.name, key)]], code
                continue
            if (f.name, key) in _FINDING_KEYED:
                continue
            if (f.name, key) in _SHAPE_READERS:
                assert not any(plancache._words_ok(key, v) for v in _SHAPE_READERS[(f.name, key)])
                continue
            hits = [s for s in said if s == key or re.match(re.escape(key) + r"\b(?![-.])", s)]
            assert not hits, f"{f.name} names {key!r}: {hits[:3]} (take it out of OPAQUE_KEYS or prove it is safe)"


def _strip(text: str) -> str:
    """A template: a conf without its per-node lines."""
    return "\n".join(ln for ln in text.split("\n")
                     if not re.match(r"(port|dir|bind|requirepass|masterauth|pidfile|slaveof|replicaof|namespace\.)\b", ln))


# --- the property -------------------------------------------------------------------------------
_WORD = st.text(string.ascii_lowercase + string.digits, min_size=6, max_size=10)


@st.composite
def fleets(draw: Any, templates: list[tuple[str, str]]) -> dict[str, Any]:
    """A fleet: per node a template, per-node values, maybe a tuned value, a duplicated key,
    CRLF, an opaque-looking value of a bad shape, a namespace token; and a carrier or two."""
    n = draw(st.integers(4, 8))
    nodes = []
    for i in range(n):
        name, text = templates[draw(st.integers(0, len(templates) - 1))]
        secret = f"pw{i}{draw(_WORD)}"
        lines = _strip(text).split("\n")
        port = draw(st.sampled_from([6379, 6666, 7000 + i, 30000 + i]))
        head = [f"port {port}", f"dir /data/kv{i}", f"bind 10.1.{i}.{draw(st.integers(1, 254))}",
                f"requirepass {secret}", f"pidfile /run/kv{i}.pid"]
        if draw(st.booleans()):
            head.append(f"masterauth {secret}m")
        if draw(st.booleans()):
            head.append(f"namespace.ns1 tok{i}{draw(_WORD)}")
        if draw(st.booleans()):
            head.append(f"slaveof 10.2.{i}.1 {6379 + i}")
        if draw(st.booleans()):
            head.append(f"rocksdb.row_cache_size {draw(st.sampled_from([0, 64, 128]))}")
        extra = draw(st.sampled_from(["", "dup", "quoted", "zero"]))
        if extra == "dup":
            head.append(f"port {port + 1}")
        elif extra == "quoted":
            head[1] = f'dir "/data/kv {i}"'
        elif extra == "zero":
            head[0] = f"port 0{port}"
        body = "\n".join(head + lines)
        if draw(st.booleans()):
            body = body.replace("\n", "\r\n")
        nodes.append((f"{name}-{i}", body, [secret]))
    carriers = draw(st.sets(st.sampled_from(["kvrocks.service", "compose.yml", "start-kvrocks.sh"]), max_size=2))
    source = draw(st.sampled_from([None, "2.10.0"]))
    return {"nodes": nodes, "carriers": sorted(carriers), "source": source}


def _write(root: Path, fleet: dict[str, Any]) -> None:
    for name, body, _ in fleet["nodes"]:
        p = root / name / "kvrocks.conf"
        p.parent.mkdir(parents=True)
        p.write_bytes(body.encode())
    for c in fleet["carriers"]:
        (root / "carriers").mkdir(exist_ok=True)
        shutil.copy(REPO / "examples" / "carriers" / c, root / "carriers" / c)


def _run(*args: str, share: bool) -> tuple[int, str, str]:
    r = kv(*args, env={"KVUPGRADE_NO_SHARE": "" if share else "1"})
    return r.returncode, r.stdout, r.stderr


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


_STAMP = re.compile(r"\d{8}T\d{6}|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d{4}|Z)?")


def _norm(text: str, copy: Path, bdir: Path) -> str:
    """A run's text without what differs between two runs anyway: the tree's place, run ids, times."""
    run_ids = [p.name for p in bdir.iterdir() if p.is_dir()] if bdir.exists() else []
    for rid in run_ids:
        text = text.replace(rid, "RUN")
    text = text.replace(str(copy), "ROOT").replace(str(copy).lstrip("/"), "ROOT")
    return _STAMP.sub("TIME", text)


def _check_fleet(fleet: dict[str, Any], jobs: str = "1") -> None:
    secrets = [s for _, _, ss in fleet["nodes"] for s in ss]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "fleet"
        _write(root, fleet)
        src = ["--from", fleet["source"]] if fleet["source"] else []
        runs = [("plan", *src), ("plan", "--no-diff", *src), ("check",)]
        for cmd in runs:
            for fmt in FORMATS:
                args = (*cmd, "--to", TO, "-f", fmt, "-j", jobs, str(root))
                shared, alone = _run(*args, share=True), _run(*args, share=False)
                assert shared == alone, (cmd, fmt)
                for s in secrets:
                    assert s not in shared[1] and s not in shared[2], (cmd, fmt)
        # apply in two copies of the tree: the same files, backups and records
        out = {}
        for share in (True, False):
            copy = Path(tmp) / f"apply-{share}"
            shutil.copytree(root, copy / "fleet")
            bdir = copy / "backups"
            code, stdout, stderr = _run("apply", *src, "--to", TO, "-f", "jsonl", "-j", jobs, "--backup-dir",
                                        str(bdir), str(copy / "fleet"), share=share)
            for s in secrets:
                assert s not in stdout and s not in stderr
            files = {_norm(k, copy, bdir): _norm(v.decode("utf-8", "surrogateescape"), copy, bdir)
                     for k, v in _tree(copy).items()}
            if "backups/manifest.jsonl" in files:  # workers journal in the order they finish
                files["backups/manifest.jsonl"] = "".join(sorted(files["backups/manifest.jsonl"].splitlines(True)))
            out[share] = (code, _norm(stdout, copy, bdir), _norm(stderr, copy, bdir), files)
        assert out[True][:3] == out[False][:3]  # exit code, records, messages
        assert sorted(out[True][3]) == sorted(out[False][3])
        for name, content in out[True][3].items():  # the files, backups and manifest
            assert content == out[False][3][name], name


def _templates(shared_dir: Path) -> list[tuple[str, str]]:
    out = [(p.parent.name, p.read_text()) for p in sorted((REPO / "examples" / "fleet").glob("*/kvrocks.conf"))]
    for v in ("2.0.4", "2.6.0", "2.10.0"):
        out.append((f"shipped-{v}", (shared_dir / "confs" / f"{v}.conf").read_text()))
    return out


@settings(max_examples=1, deadline=None, phases=[Phase.explicit, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_shared_and_unshared_fleet_runs_are_byte_identical(shared_dir: Path, data: Any) -> None:
    _check_fleet(data.draw(fleets(_templates(shared_dir))))


@pytest.mark.slow
@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), jobs=st.sampled_from(["1", "2"]))
def test_shared_and_unshared_fleet_runs_are_byte_identical_many(shared_dir: Path, data: Any, jobs: str) -> None:
    _check_fleet(data.draw(fleets(_templates(shared_dir))), jobs)


def test_a_templated_fleet_plans_each_template_once(shared_dir: Path) -> None:
    """The plans of the per-node fleet of the property equal plan_any's, and only templates are planned."""
    templates = _templates(shared_dir)
    c = PlanCache()
    req = _req(None)
    n = 0
    for name, text in templates:
        for i in range(1, 5):
            body = _node(i, _strip(text))
            assert asdict(c(body, req, f"{name}{i}.conf")) == asdict(plan_any(body, req, f"{name}{i}.conf"))
            n += 1
    assert c.planned == 2 * len(templates) and c.shared == n - 2 * len(templates)


def test_the_worker_uses_the_cache_unless_switched_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from upgrader.fleet.job import FleetJob
    from upgrader.fleet.pool import Worker

    paths = []
    for i in range(1, 5):
        p = tmp_path / f"n{i}.conf"
        p.write_text(_node(i))
        paths.append(str(p))
    job = FleetJob(command="plan", request=_req())
    w = Worker(job)
    assert isinstance(w.planner, SharedPlanner)
    shared = [w.one(p) for p in paths]
    assert (w.planner.cache.planned, w.planner.cache.shared) == (2, 2)  # plan_file really goes through the cache
    monkeypatch.setenv("KVUPGRADE_NO_SHARE", "1")
    alone = Worker(job)
    assert alone.planner is None
    assert [alone.one(p) for p in paths] == shared


def test_a_fleet_apply_batch_shares_too(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A fleet apply's chunk goes through ``batchapply``: it must plan through the same cache."""
    from upgrader.fleet.job import FleetJob
    from upgrader.fleet.pool import Worker

    def fleet(root: Path) -> list[tuple[str, bool]]:
        items = []
        for i in range(1, 5):
            p = root / f"n{i}.conf"
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(_node(i))
            items.append((str(p), False))
        return items

    job = FleetJob(command="apply", request=_req(), backup=False)
    w = Worker(job)
    shared = w.many(fleet(tmp_path / "a"))
    assert (w.planner.cache.planned, w.planner.cache.shared) == (2, 2)
    monkeypatch.setenv("KVUPGRADE_NO_SHARE", "1")
    alone = Worker(job).many(fleet(tmp_path / "b"))
    assert [d["status"] for d in shared] == [d["status"] for d in alone] == ["changed"] * 4
    for k in range(1, 5):
        assert (tmp_path / "a" / f"n{k}.conf").read_bytes() == (tmp_path / "b" / f"n{k}.conf").read_bytes()


# --- plans equal plan_any's on hostile per-node lines (library level: cheap, many examples) ---------
_NICE = st.one_of(st.integers(1024, 65535).map(str), st.from_regex(r"/[a-z]{1,5}/[a-z0-9]{1,4}", fullmatch=True),
                  st.from_regex(r"10\.[0-9]{1,2}\.[0-9]{1,2}\.[1-9]", fullmatch=True))
_VALUES = st.one_of(
    _NICE, _NICE, st.integers(0, 70000).map(str), st.from_regex(r"10\.0\.0\.[1-9] [1-9][0-9]{3}", fullmatch=True), st.sampled_from(["06379", "6666", "0x1F", "1k", "/tmp/kvrocks", "127.0.0.1",
                                                    "0.0.0.0", "", "a#b", '"q"', "'q'", "a b", "x\\y", "yes"]),
    st.text(string.ascii_letters + string.digits + "/._:-@+=#\"' \\", min_size=1, max_size=8))
_KEYS_DRAWN = st.sampled_from(["port", "PORT", " port", "port\t", "dir", "bind", "slaveof", "replicaof", "pidfile", "backup-dir", "unixsocket",
                               "requirepass", "masterauth", "namespace.ns1", "namespace.NS1", "log-dir", "workers",
                               "# port", "rocksdb.row_cache_size"])


@st.composite
def _line_sets(draw: Any) -> tuple[list[str], list[list[str]], str, bool]:
    keys = draw(st.lists(_KEYS_DRAWN, min_size=1, max_size=8))
    nodes = [[f"{k} {draw(_VALUES)}" for k in keys] for _ in range(3)]
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    return keys, nodes, eol, draw(st.booleans())


def _hostile(data: Any, source: Optional[str]) -> int:
    _, nodes, eol, tail = data
    req = _req(source)
    c = PlanCache()
    tmpl = "workers 8\nrocksdb.row_cache_size 64\n# node\n".replace("\n", eol)
    for i, lines in enumerate(nodes):
        text = eol.join(lines) + eol + (tmpl if tail else "")
        try:
            want = plan_any(text, req, f"n{i}.conf")
        except Exception as exc:  # a file the planner refuses: the cache raises the same
            with pytest.raises(type(exc)):
                c(text, req, f"n{i}.conf")
            continue
        assert c(text, req, f"n{i}.conf") == want
    return c.shared


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_line_sets(), source=st.sampled_from([None, "2.0.4", "2.10.0"]))
def test_shared_plans_equal_plan_any_on_hostile_lines(data: Any, source: Optional[str]) -> None:
    _hostile(data, source)


@pytest.mark.slow
@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_line_sets(), source=st.sampled_from([None, "1.3.0", "2.0.4", "2.2.0", "2.10.0", "2.14.0"]))
def test_shared_plans_equal_plan_any_on_hostile_lines_many(data: Any, source: Optional[str]) -> None:
    _hostile(data, source)
