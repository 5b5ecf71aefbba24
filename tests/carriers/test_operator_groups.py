"""operator: every API group the kvrocks-operator has used (kvrocks.com/v1alpha1, kvrocks.apache.org/*)."""

from __future__ import annotations

import pytest

from upgrader.carriers import detect_kind

from .fixtures import assert_masked, fixture
from .helpers import ROW_CACHE, apply_twice, assert_only, by_id, plan

CASES = [  # (fixture, row cache line, spec.password)
    ("operator-kvrocks-com-standard.yaml", 20, "op3rator-standard-pw"),
    ("operator-kvrocks-com-cluster.yaml", 20, "cluster-op-pw-77"),
    ("operator-apache-v1.yaml", 10, "sess-pw-v1-secret"),
]


@pytest.mark.parametrize("name,line,password", CASES)
def test_every_api_group_is_planned_and_password_masked(name, line, password):
    text = fixture(name)
    assert detect_kind(name, text) == "operator"
    p = plan(text, path=name)
    assert p.kind == "operator"
    (f,) = by_id(p, ROW_CACHE)
    assert f.line == line and f.applied
    assert password in p.secrets
    assert_masked(p, password)


def test_cluster_resource_after_another_document_keeps_it_byte_identical():
    p = plan(fixture("operator-kvrocks-com-cluster.yaml"))
    assert_only(p, {20, 22})
    assert p.new_text.startswith("---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: kvrocks\n---\n")


def test_another_group_with_the_same_kind_is_not_the_operator():
    text = "apiVersion: example.org/v1\nkind: KVRocks\nmetadata: {name: a}\nspec:\n  kvrocksConfig: {workers: \"1\"}\n"
    with pytest.raises(Exception, match="no kvrocks settings"):
        detect_kind("x.yaml", text)


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_apply_twice(tmp_path, name):
    before, after = apply_twice(tmp_path, name, fixture(name))
    assert before != after
