"""Carrier detection from name and content, the kind override, and a mixed fleet."""

from __future__ import annotations

import pytest

from upgrader.api import plan_file
from upgrader.carriers import detect_kind
from upgrader.errors import InputError

from .helpers import EXAMPLES


@pytest.mark.parametrize("name,kind", [
    ("compose.yml", "flags-compose"), ("kvrocks.service", "flags-systemd"), ("start-kvrocks.sh", "flags-shell"),
    ("group_vars-kvrocks.yml", "yaml-vars"), ("values.yaml", "helm-values"), ("configmap.yaml", "k8s-configmap"),
    ("statefulset.yaml", "flags-k8s"), ("kvrocks-cr.yaml", "operator"),
])
def test_examples_detected(name, kind):
    assert detect_kind(str(EXAMPLES / name), (EXAMPLES / name).read_text()) == kind


def test_plain_conf_stays_conf():
    assert detect_kind("kvrocks.conf", "port 6666\nbind 0.0.0.0 # x\n") == "conf"


def test_unknown_yaml_names_the_file():
    with pytest.raises(InputError, match="other.yml"):
        detect_kind("other.yml", "foo:\n  bar: 1\n")


def test_unknown_kind_is_an_error_outcome(tmp_path):
    f = tmp_path / "x.conf"
    f.write_text("port 6666\n")
    out = plan_file(str(f), to="2.14.0", kind="nope")
    assert out.error and "x.conf" in out.error and "flags-compose" in out.error


def test_kind_override_and_mixed_fleet(tmp_path):
    conf = tmp_path / "kvrocks.conf"
    conf.write_text("port 6666\nrocksdb.row_cache_size 1\n")
    outs = [plan_file(str(p), to="2.14.0", from_="2.12.1") for p in
            (conf, EXAMPLES / "compose.yml", EXAMPLES / "kvrocks-cr.yaml")]
    assert [o.plan.kind for o in outs] == ["conf", "flags-compose", "operator"]
    forced = plan_file(str(EXAMPLES / "values.yaml"), to="2.14.0", from_="2.12.1", kind="yaml-vars")
    assert forced.error and "no kvrocks settings" in forced.error
