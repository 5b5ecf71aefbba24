"""Image tags as version evidence, a tag that disagrees with the settings, and --set-image."""

from __future__ import annotations

import pytest

from upgrader.api import apply_file
from upgrader.request import Request
from upgrader.settings import CarrierOptions

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
    p = plan(fixture(name), from_=None, set_image=True)
    (f,) = by_id(p, "carrier/set-image/image")
    assert f.applied and f.line == line and f.action == "set"
    assert written in p.new_text
    rows = {line} | {x.line for x in p.findings if x.applied and x.line and x.id.startswith("comment_out/")}
    assert_only(p, rows | {r + 1 for r in rows if r != line and kind in ("flags-k8s",)})
    assert by_id(p, ROW_CACHE)


def test_set_image_apply_twice_and_secrets(tmp_path):
    f = tmp_path / "values.yaml"
    f.write_text(fixture("helm-values-image.yaml"))
    req = Request.build(to="2.14.0", carrier=CarrierOptions(set_image=True))
    first = apply_file(str(f), request=req, backup=False)
    assert first.error is None and first.written
    after = f.read_text()
    assert "  tag: 2.14.0\n" in after and "rocksdb.row_cache_size: 64\n" not in after.replace("# kvupgrade: ", "#")
    second = apply_file(str(f), request=req, backup=False)
    assert second.error is None and not second.written and not second.plan.changed
    assert f.read_text() == after
    assert_masked(first.plan, "helm-values-pw-42")


def test_set_image_refuses_a_digest():
    text = "services:\n  kv:\n    image: apache/kvrocks:2.12.1@sha256:" + "a" * 64 + "\n    command: --workers 2\n"
    p = plan(text, from_="2.12.1", set_image=True)
    (f,) = by_id(p, "carrier/set-image-refused/image")
    assert f.line == 3 and "digest" in f.message and p.new_text == text


def test_set_image_on_the_command_line(tmp_path):
    """--set-image reaches the carriers through the run's Request (forked workers included)."""
    from tests.clirun import kv

    files = []
    for i in range(3):  # more than one file: a parallel run forks workers, which must see the option
        f = tmp_path / f"node{i}" / "docker-compose.yml"
        f.parent.mkdir()
        f.write_text(fixture("compose-image-only.yml"))
        files.append(f)
    assert kv("plan", "--to", "2.14.0", str(tmp_path)).returncode == 0  # without it, nothing to change
    assert all("apache/kvrocks:2.12.1" in f.read_text() for f in files)
    r = kv("apply", "--to", "2.14.0", "--set-image", "--no-backup", "-j", "2", str(tmp_path))
    assert r.returncode == 3, r.stderr
    assert all("apache/kvrocks:2.14.0" in f.read_text() and "2.12.1" not in f.read_text() for f in files)
    again = kv("apply", "--to", "2.14.0", "--set-image", "--no-backup", str(tmp_path))
    assert again.returncode == 0 and "0 changed" in again.stdout
