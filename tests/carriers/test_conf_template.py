"""conf-template: Jinja2 and Helm/Go templates holding a kvrocks.conf, edited as text."""

from __future__ import annotations

import re

import pytest

from upgrader.api import plan_file
from upgrader.carriers import detect_kind
from upgrader.errors import NoKvrocksContent

from .fixtures import FIXTURES, assert_masked, fixture
from .helpers import ROW_CACHE, apply_twice, assert_only, by_id, plan

KIND = "conf-template"
EXPR = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")


def expressions(text: str) -> list[str]:
    return EXPR.findall(text)


def test_jinja_conf_edits_literal_lines_keeps_every_expression():
    text = fixture("kvrocks.conf.j2")
    assert detect_kind("roles/kvrocks/templates/kvrocks.conf.j2", text) == KIND
    p = plan(text, path="kvrocks.conf.j2")
    assert p.kind == KIND
    (f,) = by_id(p, ROW_CACHE)
    assert f.line == 12 and f.applied
    assert_only(p, {12})
    assert expressions(p.new_text) == expressions(text)
    # template tags are never read as keys
    assert not [x for x in p.findings if x.option.startswith(("{{", "{%")) and x.rule != "carrier/templated-key"]
    assert {x.line for x in p.findings if x.rule == "carrier/templated-value"} == {4, 5, 6, 7, 9, 10}
    (k,) = [x for x in p.findings if x.rule == "carrier/templated-key"]
    assert k.line == 14


def test_expression_in_a_value_is_reported_never_edited_nbsp_included():
    text = fixture("kvrocks-cluster.conf.j2")
    assert "{{\u00a0" in text
    p = plan(text, path="kvrocks-cluster.conf.j2")
    (f,) = by_id(p, ROW_CACHE)
    assert f.line == 7 and not f.applied and f.action == "manual" and "template is rendered" in f.why
    assert "rocksdb.row_cache_size {{\u00a0kvrocks_row_cache }}\n" in p.new_text
    assert expressions(p.new_text) == expressions(text)
    assert_masked(p, "j2-literal-Secret")


def test_helm_configmap_template_that_is_not_yaml():
    path = FIXTURES / "chart" / "templates" / "configmap.yaml"
    text = path.read_text()
    assert detect_kind(str(path), text) == KIND
    p = plan(text, path=str(path))
    (f,) = by_id(p, ROW_CACHE)
    assert f.line == 15 and f.applied
    assert "\n    # kvupgrade: rocksdb.row_cache_size 256  -- deprecated" in p.new_text
    assert_only(p, {15})
    assert expressions(p.new_text) == expressions(text)


def test_helm_define_tpl_and_its_secret():
    path = FIXTURES / "chart" / "templates" / "_kvrocks.conf.tpl"
    p = plan(path.read_text(), path=str(path))
    assert p.kind == KIND
    assert [f.line for f in by_id(p, ROW_CACHE) if f.applied] == [5]
    assert_only(p, {5})
    assert_masked(p, "helm-tpl-Secret-1")


def test_a_compose_template_is_not_a_kvrocks_conf():
    path = FIXTURES / "docker-compose.yml.tpl"
    with pytest.raises(NoKvrocksContent):
        plan(path.read_text(), path=str(path))
    out = plan_file(str(path), to="2.14.0")
    assert out.error and "would not start" not in out.error and str(path) in out.error


@pytest.mark.parametrize("name", ["kvrocks.conf.j2", "chart/templates/configmap.yaml", "chart/templates/_kvrocks.conf.tpl"])
def test_apply_twice(tmp_path, name):
    (tmp_path / "chart" / "templates").mkdir(parents=True)
    before, after = apply_twice(tmp_path, name, fixture(name))
    assert before != after and expressions(before) == expressions(after)
