"""Build features: compile-time switches (the matrix's ``ifdef``) that decide whether an option exists.

``tls-*`` exist only in builds with ENABLE_OPENSSL. A plan takes what is known about the target's
binary as ``Settings.build_features`` ({"ENABLE_OPENSSL": False}: known absent; a feature not
named is unknown). Pure helpers here turn what a binary or a live server shows into that mapping,
so a ``--kvrocks-bin`` or live mode only has to collect the text:

* ``probe_config``: a config that sets one option of each feature, to start the binary on;
* ``features_from_startup``: its startup output (``'tls-port' at line 1 is not a valid
  configuration key`` means the feature is absent; no such warning means present);
* ``features_from_keys``: the option names a live server lists (``CONFIG GET *``).
"""

from __future__ import annotations

import re
from typing import Iterable

from .matrix import Matrix
from .versions import Release

_UNKNOWN_KEY = re.compile(r"'([^']+)' at line -?\d+ is not a valid configuration key")


def build_dependent(m: Matrix, v: Release) -> dict[str, list[str]]:
    """feature -> the options of release ``v`` that exist only with it, sorted."""
    out: dict[str, list[str]] = {}
    for name, st in sorted(m.options_at(v).items()):
        if st.ifdef:
            out.setdefault(st.ifdef, []).append(name)
    return out


def probe_config(m: Matrix, v: Release) -> str:
    """One line per feature, setting its first option to its default: started on this file, a binary
    warns about exactly the features it lacks (and refuses nothing: defaults are valid)."""
    lines = []
    for names in build_dependent(m, v).values():
        # An option with a non-empty default that is no secret: the probe must set something valid.
        name = next(n for n in names if (st := m.state(n, v)) is not None and st.default and not m.is_secret(n))
        lines.append(f"{name} {m.state(name, v).default}")  # type: ignore[union-attr]
    return "".join(f"{ln}\n" for ln in lines)


def features_from_startup(m: Matrix, v: Release, output: str) -> dict[str, bool]:
    """Features known from a binary's startup output on ``probe_config``: absent where its option was
    warned about as not a valid key, present otherwise."""
    unknown = {k.lower() for k in _UNKNOWN_KEY.findall(output)}
    return {feature: not unknown.intersection(names) for feature, names in build_dependent(m, v).items()}


def features_from_keys(m: Matrix, v: Release, keys: Iterable[str]) -> dict[str, bool]:
    """Features known from the full option list of a running server: present iff any of its options is
    listed. ``keys`` must be complete (every option the server has), or absent features are wrong."""
    have = {k.lower() for k in keys}
    return {feature: any(n in have for n in names) for feature, names in build_dependent(m, v).items()}
