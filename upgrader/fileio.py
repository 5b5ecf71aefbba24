"""File I/O at the edge: safe reading, backups, and atomic replacement.

Reading refuses what kvupgrade must not edit (binary, huge, empty, not a regular
file) with an error naming the file. Writing follows the recipe in
../shared/docs/ECOSYSTEM.md section 5.1: resolve symlinks, temp file in the same
directory, fsync, keep mode and owner, check the file did not change since it was
read, rename over it, fsync the directory. Any failure leaves the original as it was.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterator, Optional

from .confmodel import decode, encode
from .errors import ConcurrentChangeError, InputError, WriteError
from .limits import check_line_count

MAX_BYTES = 16 * 1024 * 1024  # a kvrocks.conf is ~50 KB; anything this big is not one
LOCK_TIMEOUT = 30.0


@dataclass
class Source:
    path: str  # as given
    real: str  # symlinks resolved: the file that is edited
    data: bytes
    text: str
    mode: int

    @cached_property
    def digest(self) -> str:
        """sha256 of the bytes read; computed when a write needs it (a plan never does)."""
        return hashlib.sha256(self.data).hexdigest()


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _stat_file(path: str) -> os.stat_result:
    """The file's stat, or an InputError for anything kvupgrade must not edit."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except PermissionError:
        raise InputError("permission denied", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {_why(exc)}", path) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError("is a directory, not a config file", path)
    if not stat.S_ISREG(st.st_mode):
        raise InputError("not a regular file", path)
    if st.st_size > MAX_BYTES:
        raise InputError(f"file is {st.st_size} bytes; the limit is {MAX_BYTES} (not a kvrocks.conf?)", path)
    return st


def resolve(path: str) -> str:
    """The real path of a file kvupgrade may edit (symlinks resolved), checked without reading it:
    what an apply locks before it reads."""
    _stat_file(path)
    return os.path.realpath(path)


def read_source(path: str) -> Source:
    st = _stat_file(path)
    try:
        data = Path(path).read_bytes()
    except PermissionError:
        raise InputError("permission denied", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {_why(exc)}", path) from None
    check_content(data, path)
    return Source(path=path, real=os.path.realpath(path), data=data, text=decode(data),
                  mode=stat.S_IMODE(st.st_mode))


def check_content(data: bytes, path: str) -> None:
    """Refuse content that is not a text config (the checks the library applies too)."""
    if len(data) > MAX_BYTES:
        raise InputError(f"content is {len(data)} bytes; the limit is {MAX_BYTES} (not a kvrocks.conf?)", path)
    if not data.strip():
        raise InputError("file is empty (or only blanks): nothing to plan", path)
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise InputError("binary content (NUL byte): not a text config", path, line)
    check_line_count(data, path)


_LOCK_DIRS: set[str] = set()


def _lock_dir() -> str:
    """The private lock directory, created once per process (not once per file; checked again
    if a temp cleaner removed it meanwhile)."""
    import tempfile  # here and below: only writes need it, and a plan should not pay the import

    d = os.environ.get("KVUPGRADE_LOCK_DIR") or os.path.join(tempfile.gettempdir(), f"kvupgrade-locks-{os.getuid()}")
    if d not in _LOCK_DIRS or not os.path.isdir(d):
        os.makedirs(d, mode=0o700, exist_ok=True)
        _LOCK_DIRS.add(d)
    return d


@contextmanager
def locked(real: str, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """An exclusive lock per edited file, so two applies cannot edit it at once.

    Lock files live in a private directory (not beside the config, where they would
    be noise in /etc); the lock is per resolved path.
    """
    from filelock import FileLock, Timeout

    lock_dir = _lock_dir()
    name = hashlib.sha256(real.encode("utf-8", "surrogateescape")).hexdigest()[:24] + ".lock"
    lock = FileLock(os.path.join(lock_dir, name), timeout=timeout)
    try:
        with lock:
            yield
    except Timeout:
        raise WriteError(f"another kvupgrade run holds the lock on this file (waited {timeout:.0f}s)", real) from None


def backup_name(real: str, backup_dir: Optional[str] = None) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    base = os.path.basename(real)
    folder = backup_dir or os.path.dirname(real)
    candidate = os.path.join(folder, f"{base}.{stamp}.kvupgrade.bak")
    n = 1
    while os.path.exists(candidate):
        candidate = os.path.join(folder, f"{base}.{stamp}.{n}.kvupgrade.bak")
        n += 1
    return candidate


def write_backup(src: Source, backup_dir: Optional[str] = None, name: Optional[str] = None) -> str:
    dest = name or backup_name(src.real, backup_dir)
    try:
        if backup_dir:
            os.makedirs(backup_dir, exist_ok=True)
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, src.mode or 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(src.data)
            fh.flush()
            os.fsync(fh.fileno())
        import shutil

        shutil.copystat(src.real, dest)
    except OSError as exc:
        raise WriteError(f"cannot write backup {dest}: {_why(exc)}; file left untouched", src.path) from None
    return dest


def fsync_dir(folder: str) -> None:
    """Make a rename in ``folder`` durable (best effort: some file systems refuse)."""
    try:
        fd = os.open(folder or ".", os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


def write_atomic(real: str, data: bytes, mode: int, expected_digest: Optional[str], label: str) -> None:
    """Put ``data`` at ``real`` atomically, or raise and leave it untouched.

    ``expected_digest``: the sha256 the file must still have right before the rename (someone,
    possibly Kvrocks' own CONFIG REWRITE, may have changed it since it was read); None when the
    file may be missing (a rollback restoring a deleted file).
    """
    import tempfile

    folder = os.path.dirname(real) or "."
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(real) + ".", suffix=".kvupgrade")
    except OSError as exc:
        hint = " (read-only file system)" if exc.errno == errno.EROFS else ""
        raise WriteError(f"cannot create a temp file in {folder}: {_why(exc)}{hint}; file left untouched", label) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        try:
            st = os.stat(real)
            os.chown(tmp, st.st_uid, st.st_gid)
        except OSError:
            pass  # not root, or no file yet: the file keeps our ownership, as with any editor
        if expected_digest is not None:
            try:
                current = Path(real).read_bytes()
            except OSError as exc:
                raise WriteError(f"cannot re-read before replacing: {_why(exc)}", label) from None
            if hashlib.sha256(current).hexdigest() != expected_digest:
                raise ConcurrentChangeError("the file changed since it was read; nothing written (run again)", label)
        os.replace(tmp, real)
        tmp = ""
        fsync_dir(folder)
    except OSError as exc:
        raise WriteError(f"cannot write: {_why(exc)}; file left untouched", label) from None
    finally:
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def atomic_replace(src: Source, new_text: str) -> None:
    """Replace ``src.real`` with ``new_text`` atomically, or raise and leave it untouched."""
    write_atomic(src.real, encode(new_text), src.mode, src.digest, src.path)
