import re

import pytest

from upgrader.matrix import load_matrix
from upgrader.versions import VersionError, parse_version


@pytest.mark.parametrize("text,expected", [
    ("2.13.0", (2, 13, 0)), ("v2.13.0", (2, 13, 0)), ("V2.13.0", (2, 13, 0)), (" 2.13 ", (2, 13, 0)),
    ("2.11.0-rc1", (2, 11, 0)), ("2.8.0-rc.2", (2, 8, 0)),
    ("kvrocks version 2.13.0 (commit 1a2b3c4d)", (2, 13, 0)), ("kvrocks version 2.9.0", (2, 9, 0)),
    ("kvrocks version 2.3.0 @a1b2c3d", (2, 3, 0)), ("kvrocks_version:2.13.0", (2, 13, 0)),
    ("version:2.12.1", (2, 12, 1)), ("apache/kvrocks:2.12.1", (2, 12, 1)), ("2.10.1+abc1234", (2, 10, 1)),
])
def test_accepted_shapes(text: str, expected: tuple[int, int, int]) -> None:
    assert parse_version(text) == expected


@pytest.mark.parametrize("text", ["unstable", "kvrocks unstable (commit abc)", "nightly", "", "2.x",
                                  "redis_version:4.0.0x", "1.2.3.4"])
def test_refused(text: str) -> None:
    with pytest.raises(VersionError):
        parse_version(text)


def test_unknown_release_lists_known() -> None:
    m = load_matrix()
    with pytest.raises(VersionError, match=r"unknown Kvrocks release 2\.99\.0.*known releases: 1\.3\.0, .*2\.17\.0"):
        m.resolve("2.99.0")
    assert m.resolve("2.12.1") == (2, 12, 1)


# Absurd versions (issue 16, class 6): a clear VersionError, fast, never Python's int() ValueError
# (which the CLI could only report as an internal error), and the message does not echo the blob.
@pytest.mark.parametrize("text", [
    "9" * 5000, "v" + "9" * 5000 + ".1rc1", "kvrocks_version:1." + "9" * 5000, "2." + "9" * 190,
    "1234567.0.0", "2.13." + "1" * 7, "apache/kvrocks:" + "9" * 4400 + ".0", "1!" + "9" * 180 + ".0",
])
def test_absurd_versions_are_clear_version_errors(text: str) -> None:
    with pytest.raises(VersionError, match="(is not|cannot read) a Kvrocks version") as info:
        parse_version(text)
    assert len(str(info.value)) < 200


def test_absurd_version_on_the_command_line_is_a_usage_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Not a version at all: a usage error (exit 2) naming the option, like any malformed argument;
    an unknown but well-formed release stays an error (exit 1) listing the known ones."""
    import time

    from tests.test_bad_inputs import GOOD, kv

    p = tmp_path / "k.conf"
    p.write_text(GOOD)
    for args, opt in ((("--to", "9" * 5000), "--to"), (("--from", "9" * 5000, "--to", "2.14.0"), "--from")):
        t0 = time.monotonic()
        r = kv("apply", *args, str(p))
        assert time.monotonic() - t0 < 30
        assert r.returncode == 2, (r.returncode, r.stderr)
        flat = " ".join(re.sub(r"[│╭╮╰╯─]", " ", r.stderr).split())  # click may draw a box around it
        assert "is not a Kvrocks version" in flat and "(5000 characters)" in flat and opt in flat
        assert "internal error" not in r.stderr and "Traceback" not in r.stderr and len(r.stderr) < 800
    r = kv("apply", "--to", "2.99.0", str(p))
    assert r.returncode == 1 and "unknown Kvrocks release 2.99.0" in r.stderr
    assert p.read_text() == GOOD


def test_an_integer_value_of_thousands_of_digits_is_out_of_range_not_a_crash() -> None:
    """Python refuses int() past 4,300 digits; a value that long is out of range of every integer
    type Kvrocks reads, and is reported so (found by the hostile-output property run)."""
    from upgrader import plan_text

    plan = plan_text("port 6666\nmax-io-mb " + "7" * 5000 + "\n", from_="2.13.0", to="2.14.0")
    msgs = [f.message for f in plan.findings if f.option == "max-io-mb"]
    assert msgs and all("out of range" in m for m in msgs), msgs
    ok = plan_text("port 6666\nmax-io-mb " + "0" * 60 + "500\n", from_="2.13.0", to="2.14.0")
    assert not [f for f in ok.findings if f.option == "max-io-mb" and f.severity == "error"]
