"""Kvrocks version strings: what users type and what Kvrocks prints.

Accepted shapes: ``2.13.0``, ``v2.13.0``, ``2.13`` (= 2.13.0), ``2.11.0-rc1`` (an RC
runs with its final release's version and config table, so it counts as that
release), ``kvrocks version 2.13.0 (commit abc)``, ``kvrocks version 2.3.0 @abc``,
``kvrocks_version:2.13.0`` / ``version:2.13.0`` (INFO server), and image references
such as ``apache/kvrocks:2.12.1``. ``unstable``/``nightly`` builds have no version
window and are refused. Versions compare as tuples; no ``SpecifierSet`` anywhere
(its prerelease semantics differ between packaging releases).
"""

from __future__ import annotations

import re
from typing import Iterable

from .quoting import quoted as shown  # an absurd argument must not flood the terminal


Release = tuple[int, int, int]

_SHAPES = [
    re.compile(r"^kvrocks\s+version\s+(?P<v>\S+?)(?:\s+\(commit\s+\S+\)|\s+@\S+)?$", re.I),
    re.compile(r"^(?:kvrocks_)?version:(?P<v>\S+)$", re.I),
    re.compile(r"^(?:[\w.\-/:]+/)?kvrocks:(?P<v>[\w.\-]+)$", re.I),
    re.compile(r"^(?P<v>\S+)$"),
]
_PLAIN = re.compile(r"^[vV]?(\d+)\.(\d+)(?:\.(\d+))?$")
_CHANNELS = {"unstable", "nightly", "latest", "main", "master"}
# Longer than any shape above can be with real numbers (an image reference with a registry host
# included): refused before any regex or int() runs, so a pasted blob fails at once and clearly.
MAX_LEN = 200
# A release number of more digits is not a release (and Python refuses int() past 4300 digits).
MAX_DIGITS = 6
_LEADING_NUMBERS = re.compile(r"^[vV]?[\d.]+")


class VersionError(ValueError):
    """A version string kvupgrade cannot place on the release line."""


class MalformedVersion(VersionError):
    """Not a version at all (a pasted blob, thousands of digits): a usage error at the command line,
    where an unknown but well-formed release is an ordinary error."""


def parse_version(text: str) -> Release:
    """Turn any accepted shape into a release tuple (not yet checked against the matrix)."""
    raw = " ".join(str(text).split())
    if not raw:
        raise MalformedVersion("empty version")
    if len(raw) > MAX_LEN:
        raise MalformedVersion(f"{shown(text)} is not a Kvrocks version: longer than {MAX_LEN} characters")
    for shape in _SHAPES:
        m = shape.match(raw)
        if not m:
            continue
        core = m.group("v")
        if core.lower() in _CHANNELS:
            raise VersionError(
                f"{text!r} is a development channel, not a release: its options are unknown; "
                "give the release it was built from"
            )
        lead = _LEADING_NUMBERS.match(core)
        if lead and any(len(n) > MAX_DIGITS for n in lead.group().lstrip("vV").split(".")):
            raise MalformedVersion(f"{shown(text)} is not a Kvrocks version: a release number of more than"
                               f" {MAX_DIGITS} digits")
        plain = _PLAIN.match(core)
        if plain:  # the common shape, without paying for packaging's import
            return (int(plain.group(1)), int(plain.group(2)), int(plain.group(3) or 0))
        from packaging.version import InvalidVersion, Version

        try:
            parsed = Version(core)  # PEP 440 normalisation: v-prefix, -rc1, -beta2, +local
        except (InvalidVersion, ValueError):  # ValueError: int() refuses a number that long
            break
        rel = tuple(parsed.release) + (0, 0)
        if len(parsed.release) > 3 or parsed.epoch:
            break
        return (rel[0], rel[1], rel[2])
    raise MalformedVersion(f"cannot read a Kvrocks version from {shown(text)}")


def format_version(v: Release) -> str:
    return ".".join(str(p) for p in v)


def resolve(text: str, known: Iterable[Release]) -> Release:
    """Parse and require a release the matrix knows; the error lists the known ones."""
    known = sorted(known)
    v = parse_version(text)
    if v not in known:
        listing = ", ".join(format_version(k) for k in known)
        raise VersionError(f"unknown Kvrocks release {format_version(v)} (from {shown(text)}); known releases: {listing}")
    return v
