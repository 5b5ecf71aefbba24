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
