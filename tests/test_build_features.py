"""Options that exist only in some builds (issue 14 item 4): the matrix marks them, plans say so."""

from __future__ import annotations

import json
from pathlib import Path

from upgrader.build_features import build_dependent, features_from_keys, features_from_startup, probe_config
from upgrader.matrix import load_matrix
from upgrader.planner import plan_text
from upgrader.settings import Settings
from upgrader.settings import MARKER

TLS = "tls-port 6443\ntls-key-file-pass Kp-77-PLANTED\nport 6666\n"


def test_matrix_marks_every_build_dependent_option_of_every_table(shared_dir: Path) -> None:
    m = load_matrix()
    index = json.loads((shared_dir / "options" / "index.json").read_text())
    checked = 0
    for entry in index["versions"]:
        v = tuple(int(p) for p in entry["version"].split("."))
        for row in json.loads((shared_dir / "options" / f"{entry['version']}.json").read_text()):
            st = m.state(row["name"], v)  # type: ignore[arg-type]
            assert st is not None and st.ifdef == row["ifdef"], (entry["version"], row["name"])
            checked += bool(row["ifdef"])
    assert checked > 100
    assert build_dependent(m, (2, 14, 0))["ENABLE_OPENSSL"][0] == "tls-auth-clients"
    assert all(n.startswith("tls-") for n in build_dependent(m, (2, 14, 0))["ENABLE_OPENSSL"])


def test_unknown_build_says_the_option_depends_on_it() -> None:
    plan = plan_text(TLS, from_="2.13.0", to="2.14.0")
    found = {f.option: f for f in plan.findings if f.rule == "build_features"}
    assert set(found) == {"tls-port", "tls-key-file-pass"}
    assert all(f.severity == "info" and f.edit is None for f in found.values())
    assert "only in Kvrocks builds with TLS (OpenSSL), ENABLE_OPENSSL" in found["tls-port"].message
    assert plan.new_text == TLS and plan.build_features == {}


def test_build_without_openssl_comments_the_tls_lines_out() -> None:
    plan = plan_text(TLS, from_="2.13.0", to="2.14.0", settings=Settings(build_features={"ENABLE_OPENSSL": False}))
    assert plan.new_text.splitlines()[0] == f"{MARKER} tls-port 6443  -- needs a Kvrocks build with ENABLE_OPENSSL"
    assert plan.new_text.endswith("port 6666\n")
    found = [f for f in plan.findings if f.rule == "build_features"]
    assert len(found) == 2 and all(f.severity == "warning" and f.applied and f.safety == "safe" for f in found)
    assert all("PLANTED" not in f.message and "PLANTED" not in (f.before or "") for f in found)
    assert plan.build_features == {"ENABLE_OPENSSL": False}


def test_build_with_openssl_treats_them_as_plain_options() -> None:
    plan = plan_text(TLS, from_="2.13.0", to="2.14.0", settings=Settings(build_features={"ENABLE_OPENSSL": True}))
    assert not [f for f in plan.findings if f.rule == "build_features"] and plan.new_text == TLS


def test_feature_detection_helpers() -> None:
    m = load_matrix()
    v = (2, 14, 0)
    assert probe_config(m, v) == "tls-port 0\n"
    warned = "WARNING: 'tls-auth-clients' at line 1 is not a valid configuration key.\n"
    assert features_from_startup(m, v, warned) == {"ENABLE_OPENSSL": False}
    assert features_from_startup(m, v, "Kvrocks is ready\n") == {"ENABLE_OPENSSL": True}
    assert features_from_keys(m, v, ["port", "TLS-PORT"]) == {"ENABLE_OPENSSL": True}
    assert features_from_keys(m, v, ["port", "bind"]) == {"ENABLE_OPENSSL": False}


def test_commented_secret_never_reaches_output() -> None:
    from upgrader.api import Outcome
    from upgrader.report import get as report_format
    from upgrader.report.jsonout import outcome_to_dict, summary

    plan = plan_text(TLS, from_="2.13.0", to="2.14.0", path="k.conf",
                     settings=Settings(build_features={"ENABLE_OPENSSL": False}))
    assert "Kp-77-PLANTED" in plan.new_text  # the file keeps it, commented out
    rec = outcome_to_dict(Outcome("k.conf", plan=plan))
    assert "needs a Kvrocks build with ENABLE_OPENSSL" in rec["diff"]
    for fmt in ("text", "json", "markdown", "html", "sarif"):
        assert "PLANTED" not in report_format(fmt).render([rec], summary([rec]), "plan", {})
