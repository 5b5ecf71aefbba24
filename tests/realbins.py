"""The real Kvrocks binaries in ../shared/kvrocks/bin (kvrocks-<version>.xz), for tests that start one.

They are decompressed into the build tree (``<repo>/.cache/kvrocks-bin/``, gitignored), never into
../shared: at most once per test run, and not at all when the copy there was made from the same
archive (its size and mtime are recorded beside it). Outside CI a missing ../shared or a missing
binary skips the test with the reason; under ``CI=true`` it fails.
"""

from __future__ import annotations

import json
import lzma
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from upgrader.versions import Release, VersionError, parse_version

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = (REPO_ROOT / ".." / "shared" / "kvrocks").resolve()
PACKED = SHARED / "bin"
CONFS = SHARED / "confs"
CACHE = REPO_ROOT / ".cache" / "kvrocks-bin"
PREFIX, SUFFIX = "kvrocks-", ".xz"


def packed() -> dict[Release, Path]:
    """The archives present, by release (cheap: a glob, usable at collection time)."""
    out: dict[Release, Path] = {}
    for p in sorted(PACKED.glob(f"{PREFIX}*{SUFFIX}")):
        try:
            out[parse_version(p.name[len(PREFIX):-len(SUFFIX)])] = p
        except VersionError:
            continue
    return out


def shipped_confs() -> dict[Release, Path]:
    out: dict[Release, Path] = {}
    for p in sorted(CONFS.glob("*.conf")):
        try:
            out[parse_version(p.stem)] = p
        except VersionError:
            continue
    return out


def unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: the real-server tests are mandatory under CI")
    pytest.skip(reason)


def unpacked() -> dict[Release, Path]:
    """Every binary, decompressed and executable; skips (fails under CI) when there are none."""
    archives = packed()
    if not archives:
        unavailable(f"no real Kvrocks binaries at {PACKED}/{PREFIX}*{SUFFIX} (../shared/kvrocks next to the repo)")
    CACHE.mkdir(parents=True, exist_ok=True)
    return {release: _unpack(src) for release, src in archives.items()}


def _unpack(src: Path) -> Path:
    dest = CACHE / src.name[: -len(SUFFIX)]
    stamp = dest.with_name(dest.name + ".source.json")
    st = src.stat()
    want = {"archive": src.name, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    try:
        fresh = json.loads(stamp.read_text()) == {**want, "bytes": dest.stat().st_size}
    except (OSError, ValueError):
        fresh = False
    if fresh and os.access(dest, os.X_OK):
        return dest
    # Decompress beside the target and rename over it: a concurrent run never sees half a binary.
    fd, tmp = tempfile.mkstemp(prefix=dest.name + ".", dir=CACHE)
    try:
        with os.fdopen(fd, "wb") as out, lzma.open(src) as packed_file:
            shutil.copyfileobj(packed_file, out, 1 << 20)
        os.chmod(tmp, 0o755)
        os.replace(tmp, dest)
    except BaseException:
        os.unlink(tmp)
        raise
    stamp.write_text(json.dumps({**want, "bytes": dest.stat().st_size}))
    return dest
