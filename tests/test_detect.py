"""``--from auto``: which releases a file fits, which is likeliest, how sure."""

from __future__ import annotations

from pathlib import Path

import pytest

from upgrader.detect import detect_source
from upgrader.matrix import Matrix, load_matrix
from upgrader.planner import plan_text
from upgrader.versions import parse_version


@pytest.fixture(scope="module")
def m() -> Matrix:
    return load_matrix()


def test_every_shipped_conf_is_detected_with_its_own_release(m: Matrix, shared_dir: Path) -> None:
    confs = sorted((shared_dir / "confs").glob("*.conf"))
    assert len(confs) >= 28
    top = m.known[-1]
    for path in confs:
        own = parse_version(path.stem)
        det = detect_source(path.read_bytes().decode("utf-8", "surrogateescape"), m, top)
        assert own in det.candidates, (path.name, det.reason, det.ruled_out.get(path.stem))
        assert det.version == det.candidates[0] <= own  # planned from the oldest candidate
        assert det.likely is not None and det.candidates.index(det.likely) <= det.candidates.index(own) + 1, path.name


def test_likely_release_of_a_copied_conf(m: Matrix, shared_dir: Path) -> None:
    det = detect_source((shared_dir / "confs" / "2.13.0.conf").read_text(), m, m.known[-1])
    assert det.likely == (2, 13, 0) and det.to_dict()["likely"] == "2.13.0"


def test_unit_suffix_means_legacy(m: Matrix) -> None:
    det = detect_source("max-io-mb 64MB\n", m, m.known[-1])
    assert det.candidates and all(c <= (2, 1, 0) for c in det.candidates)
    assert "2.2.0" in det.ruled_out


def test_quoted_value_means_2_2_or_later(m: Matrix) -> None:
    det = detect_source('dir "/var/lib/kvrocks"\n', m, m.known[-1])
    assert det.version == (2, 2, 0)
    assert "quotes" in det.ruled_out["2.1.0"] and "2.2.0+" in det.reason


def test_inline_comment_means_2_2_or_later(m: Matrix) -> None:
    det = detect_source("workers 8 # tuned\n", m, m.known[-1])
    assert det.version == (2, 2, 0) and "inline '#'" in det.ruled_out["2.0.0"]


def test_removed_and_added_keys_bound_the_window(m: Matrix) -> None:
    # repl-workers is gone in 2.0.4; rename-command arrives in 2.0.2.
    det = detect_source("repl-workers 4\nrename-command keys k2\n", m, m.known[-1])
    assert [c for c in det.candidates] == [(2, 0, 2), (2, 0, 3)]
    assert det.confidence == "high"


def test_hex_rules_out_2_14(m: Matrix) -> None:
    det = detect_source("workers 0x8\n", m, m.known[-1])
    assert det.candidates[0] == (2, 3, 0) and det.candidates[-1] == (2, 13, 0)


def test_many_candidates_low_confidence(m: Matrix) -> None:
    det = detect_source("port 6666\n", m, m.known[-1])
    assert det.confidence == "low" and det.version == m.known[0] and det.likely is None


def test_nothing_fits_takes_the_release_knowing_most_keys(m: Matrix) -> None:
    det = detect_source("lua-strict-key-accessing yes\nrepl-workers 4\n", m, m.known[-1])
    assert det.confidence == "low" and len(det.candidates) == 1 and "no release accepts" in det.reason


def test_plan_from_auto_uses_the_oldest_candidate(m: Matrix) -> None:
    plan = plan_text("repl-workers 4\nrename-command keys k2\n", to="2.14.0", from_="auto")
    assert plan.from_version == "2.0.2" and plan.from_detected and plan.from_detected["candidates"][0] == "2.0.2"
