"""Image tags as version evidence, a tag that disagrees with the settings, and --set-image."""

from __future__ import annotations

import pytest

from upgrader.api import apply_file
from upgrader.carriers.images import set_image

from .fixtures import assert_masked, fixture
from .helpers import ROW_CACHE, assert_only, by_id, plan

# (fixture, kind, line of the image/tag, the tag as written after --set-image)
CARRIERS = [
    ("k8s-deployment-image.yaml", "flags-k8s", 16, "image: docker.io/apache/kvrocks:v2.14.0\n"),
    ("helm-values-image.yaml", "helm-values", 5, "  tag: 2.14.0\n"),
    ("operator-kvrocks-com-standard.yaml", "operator", 8, "  image: apache/kvrocks:2.14.0\n"),
    ("compose-command-binary.yml", "flags-compose", 4, "    image: apache/kvrocks:2.14.0\n"),
]


@pytest.mark.parametrize("name,kind,line,_", CARRIERS)
def test_tag_gives_the_source_with_high_confidence(name, kind, line, _):
    p = plan(fixture(name), from_=None)
    assert p.kind == kind and p.from_version == "2.12.1"
    assert p.from_detected["confidence"] == "high" and "image tag" in p.from_detected["reason"]
    assert not by_id(p, "carrier/image-tag-disagrees/image")
    assert "2.14.0" not in p.new_text  # without --set-image the tag is never touched


def test_tag_that_disagrees_with_the_settings_is_a_finding():
    p = plan(fixture("compose-tag-disagrees.yml"), from_=None)
    (f,) = by_id(p, "carrier/image-tag-disagrees/image")
    assert f.line == 4 and f.severity == "warning" and "2.2.0" in f.message and "2.10.0" in f.message


@pytest.mark.parametrize("name,kind,line,written", CARRIERS)
def test_set_image_rewrites_the_tag_in_the_same_edit(name, kind, line, written):
    with set_image():
        p = plan(fixture(name), from_=None)
    (f,) = by_id(p, "carrier/set-image/image")
    assert f.applied and f.line == line and f.action == "set"
    assert written in p.new_text
    rows = {line} | {x.line for x in p.findings if x.applied and x.line and x.id.startswith("comment_out/")}
    assert_only(p, rows | {r + 1 for r in rows if r != line and kind in ("flags-k8s",)})
    assert by_id(p, ROW_CACHE)


def test_set_image_apply_twice_and_secrets(tmp_path):
    f = tmp_path / "values.yaml"
    f.write_text(fixture("helm-values-image.yaml"))
    with set_image():
        first = apply_file(str(f), to="2.14.0", from_=None, backup=False)
        assert first.error is None and first.written
        after = f.read_text()
        assert "  tag: 2.14.0\n" in after and "rocksdb.row_cache_size: 64\n" not in after.replace("# kvupgrade: ", "#")
        second = apply_file(str(f), to="2.14.0", from_=None, backup=False)
    assert second.error is None and not second.written and not second.plan.changed
    assert f.read_text() == after
    assert_masked(first.plan, "helm-values-pw-42")


def test_set_image_refuses_a_digest():
    text = "services:\n  kv:\n    image: apache/kvrocks:2.12.1@sha256:" + "a" * 64 + "\n    command: --workers 2\n"
    with set_image():
        p = plan(text, from_="2.12.1")
    (f,) = by_id(p, "carrier/set-image-refused/image")
    assert f.line == 3 and "digest" in f.message and p.new_text == text
