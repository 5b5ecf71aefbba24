"""File I/O at the edge: safe reading, backups, and atomic replacement.

Reading refuses what kvupgrade must not edit (binary, huge, empty, not a regular
file) with an error naming the file. Writing follows the recipe in
../shared/docs/ECOSYSTEM.md section 5.1: resolve symlinks, temp file in the same
directory, fsync, keep mode and owner, check the file did not change since it was
read, rename over it, fsync the directory. Any failure leaves the original as it was.
The steps are split (``stage_temp``, ``make_durable``, ``commit_temp``) so that a batch of
files (``batchapply``) is made durable in one pass instead of one fsync sequence per file.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, BinaryIO, Iterator, Optional

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


def open_regular(path: str) -> BinaryIO:
    """``path`` opened for reading only if it is a regular file. O_NONBLOCK: a FIFO put in its
    place after a stat opens at once instead of waiting for a writer, and fstat then refuses it
    (no read ever happens on anything but a regular file)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                 | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_source(path: str) -> Source:
    st = _stat_file(path)
    try:
        with open_regular(path) as fh:
            data = fh.read(MAX_BYTES + 1)  # the file may have grown since the stat
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


def _unsafe_dir(st: os.stat_result) -> Optional[str]:
    """Why a directory with this lstat cannot hold our locks, or None: only we may write in it."""
    if stat.S_ISLNK(st.st_mode):
        return "is a symbolic link"
    if not stat.S_ISDIR(st.st_mode):
        return "is not a directory"
    if st.st_uid != os.geteuid():
        return f"is owned by uid {st.st_uid}, not by this user (uid {os.geteuid()})"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"is writable by other users (mode {stat.S_IMODE(st.st_mode):04o})"
    return None


def _lock_dir() -> str:
    """The private lock directory, created once per process (not once per file; checked again
    if a temp cleaner removed it meanwhile).

    A per-user directory in the temp dir (``kvupgrade-locks-<uid>``), or ``KVUPGRADE_LOCK_DIR``.
    Whoever can write in it can plant a lock file (a symlink to a file of ours, a lock held
    forever), so it must be a real directory owned by this user, writable by no one else, in a
    parent others cannot rename it in (theirs to write only with the sticky bit, as /tmp).
    Not $XDG_RUNTIME_DIR: it exists only during a login session, so a cron run and a shell run of
    one user would lock in different places and not exclude each other.
    """
    import tempfile  # here and below: only writes need it, and a plan should not pay the import

    d = os.environ.get("KVUPGRADE_LOCK_DIR") or os.path.join(tempfile.gettempdir(), f"kvupgrade-locks-{os.getuid()}")
    if d in _LOCK_DIRS and os.path.isdir(d):
        return d
    hint = "; remove it, or set KVUPGRADE_LOCK_DIR to a directory only you can write"
    parent = os.path.dirname(os.path.abspath(d))
    try:
        os.makedirs(parent, 0o700, exist_ok=True)
        pst = os.stat(parent)
    except OSError as exc:
        raise WriteError(f"cannot use the lock directory: {_why(exc)}", parent) from None
    if pst.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not pst.st_mode & stat.S_ISVTX:
        raise WriteError(f"the lock directory's parent is writable by other users without the sticky bit"
                         f" (mode {stat.S_IMODE(pst.st_mode):04o}): they could replace the lock directory{hint}",
                         parent)
    try:
        os.mkdir(d, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise WriteError(f"cannot create the lock directory: {_why(exc)}", d) from None
    try:
        why = _unsafe_dir(os.lstat(d))
    except OSError as exc:
        raise WriteError(f"cannot use the lock directory: {_why(exc)}", d) from None
    if why:
        raise WriteError(f"refusing the lock directory: it {why}{hint}", d)
    _LOCK_DIRS.add(d)
    return d


def _check_lock_file(path: str) -> None:
    """A lock file someone planted (a link to another file, a file of another user) is refused:
    the lock would not be ours, and opening it could touch the file it points to."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return  # created by the lock, in a directory only we can write
    except OSError as exc:
        raise WriteError(f"cannot use the lock file: {_why(exc)}", path) from None
    if stat.S_ISLNK(st.st_mode):
        why = "is a symbolic link"
    elif not stat.S_ISREG(st.st_mode):
        why = "is not a regular file"
    elif st.st_uid != os.geteuid():
        why = f"is owned by uid {st.st_uid}, not by this user"
    elif st.st_nlink != 1:
        why = "has other hard links"
    else:
        return
    raise WriteError(f"refusing the lock file: it {why} (planted?); remove it", path)


@contextmanager
def locked(real: str, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """An exclusive lock per edited file, so two applies cannot edit it at once.

    Lock files live in a private directory (not beside the config, where they would
    be noise in /etc); the lock is per resolved path.
    """
    from filelock import FileLock, Timeout

    path = lock_path(real)
    _check_lock_file(path)
    lock = FileLock(path, timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise WriteError(f"another kvupgrade run holds the lock on this file (waited {timeout:.0f}s)", real) from None
    except OSError as exc:  # e.g. ELOOP: a link planted after the check (filelock opens O_NOFOLLOW)
        raise WriteError(f"cannot take the lock {path}: {_why(exc)}", real) from None
    try:
        yield
    finally:
        lock.release()


def lock_name(real: str) -> str:
    """The lock file's name for the edited file ``real`` (its resolved path)."""
    return hashlib.sha256(real.encode("utf-8", "surrogateescape")).hexdigest()[:24] + ".lock"


def lock_path(real: str) -> str:
    return os.path.join(_lock_dir(), lock_name(real))


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


def write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is written (a write may be short, e.g. as the disk fills)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


@dataclass
class Staged:
    """A file written but not yet known durable: a backup, or a temp file waiting for its rename
    (``target`` set). Its descriptor stays open until ``close``, for the sync pass (an fsync of it,
    or one syncfs per file system: ``make_durable``)."""

    path: str
    fd: int
    target: Optional[str] = None  # a temp file's destination (a backup has none)
    label: str = ""  # the path as the user gave it, for messages

    def sync(self) -> None:
        os.fsync(self.fd)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def discard(self) -> None:
        """Close and remove: the file is abandoned (best effort: it may be gone already)."""
        self.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass


def stage_backup(src: Source, backup_dir: Optional[str] = None, name: Optional[str] = None) -> Staged:
    """A copy of what was read, with the original's mode, times and extended attributes, written but
    not synced (``write_backup`` syncs it at once; a batch syncs many in one pass). A backup that
    fails part-way (disk full) is removed: a short ``.bak`` would look like a good one."""
    dest = name or backup_name(src.real, backup_dir)
    fd = -1
    try:
        if backup_dir:
            os.makedirs(backup_dir, exist_ok=True)
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), src.mode or 0o600)
        write_all(fd, src.data)
        import shutil

        shutil.copystat(src.real, dest)  # mode, times, and xattrs (ACLs, SELinux label) where permitted
    except OSError as exc:
        if fd >= 0:
            Staged(dest, fd).discard()
        raise WriteError(f"cannot write backup {dest}: {_why(exc)}; file left untouched", src.path) from None
    return Staged(dest, fd, label=src.path)


def write_backup(src: Source, backup_dir: Optional[str] = None, name: Optional[str] = None) -> str:
    """``stage_backup``, then fsync it: durable when this returns."""
    staged = stage_backup(src, backup_dir, name)
    try:
        staged.sync()
    except OSError as exc:
        staged.discard()
        raise WriteError(f"cannot write backup {staged.path}: {_why(exc)}; file left untouched", src.path) from None
    staged.close()
    return staged.path


# Attributes a file system or our privileges may refuse to set (or that vanished since listing):
# skipped one by one, as shutil.copystat does. Anything else abandons the write.
_XATTR_SKIPPED = frozenset({errno.EPERM, errno.EACCES, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENODATA, errno.EINVAL})


def copy_xattrs(src: str, dst: str) -> None:
    """Copy every extended attribute of ``src`` to ``dst``: POSIX ACLs (``system.posix_acl_access``),
    SELinux labels (``security.selinux``), ``user.*``. A rename puts a new inode in place, which has
    none of them; without this a service user granted read by an ACL is locked out of its config."""
    if not hasattr(os, "listxattr"):
        return
    try:
        names = os.listxattr(src)
    except FileNotFoundError:
        return  # no file to take them from (a rollback restoring a deleted file)
    except OSError as exc:
        if exc.errno in _XATTR_SKIPPED:
            return
        raise
    for name in names:
        try:
            os.setxattr(dst, name, os.getxattr(src, name))
        except OSError as exc:
            if exc.errno not in _XATTR_SKIPPED:
                raise


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


def stage_temp(real: str, data: bytes, mode: int, label: str, attrs_from: Optional[str] = None) -> Staged:
    """Write ``data`` to a temp file beside ``real`` with ``real``'s owner and extended attributes
    (ACLs, SELinux label) and ``mode`` (those of ``attrs_from`` when ``real`` is missing), not yet
    synced; or raise, leaving no temp file."""
    import tempfile

    folder = os.path.dirname(real) or "."
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(real) + ".", suffix=".kvupgrade")
    except OSError as exc:
        hint = " (read-only file system)" if exc.errno == errno.EROFS else ""
        raise WriteError(f"cannot create a temp file in {folder}: {_why(exc)}{hint}; file left untouched", label) from None
    staged = Staged(tmp, fd, target=real, label=label)
    try:
        write_all(fd, data)
        # Owner first (a chown may clear set-id bits and capabilities), then the attributes, then
        # the mode (it wins over an ACL's mask); one sync later makes data and metadata durable.
        try:
            st = os.stat(real)
            os.fchown(fd, st.st_uid, st.st_gid)
        except OSError:
            pass  # not root, or no file yet: the file keeps our ownership, as with any editor
        copy_xattrs(real if os.path.lexists(real) or not attrs_from else attrs_from, tmp)
        os.chmod(tmp, mode)
    except OSError as exc:
        staged.discard()
        raise WriteError(f"cannot write: {_why(exc)}; file left untouched", label) from None
    return staged


def commit_temp(staged: Staged, expected_digest: Optional[str], sync_dir: bool = True) -> None:
    """Rename a durable temp file over its target, or raise and remove it, the target untouched.

    ``expected_digest``: the sha256 the target must still have right before the rename (someone,
    possibly Kvrocks' own CONFIG REWRITE, may have changed it since it was read); None when the
    file may be missing. ``sync_dir``: fsync the directory now (a batch does it once per directory).
    """
    assert staged.target is not None
    real, label = staged.target, staged.label
    staged.close()
    try:
        if expected_digest is not None:
            try:
                with open_regular(real) as fh:
                    current = fh.read()
            except OSError as exc:
                raise WriteError(f"cannot re-read before replacing: {_why(exc)}", label) from None
            if hashlib.sha256(current).hexdigest() != expected_digest:
                raise ConcurrentChangeError("the file changed since it was read; nothing written (run again)", label)
        os.replace(staged.path, real)
    except OSError as exc:
        staged.discard()
        raise WriteError(f"cannot write: {_why(exc)}; file left untouched", label) from None
    except BaseException:
        staged.discard()
        raise
    if sync_dir:
        fsync_dir(os.path.dirname(real) or ".")


def write_atomic(real: str, data: bytes, mode: int, expected_digest: Optional[str], label: str,
                 attrs_from: Optional[str] = None) -> None:
    """Put ``data`` at ``real`` atomically, or raise and leave it untouched: ``stage_temp``, fsync,
    ``commit_temp`` (see both for ``expected_digest`` and ``attrs_from``)."""
    staged = stage_temp(real, data, mode, label, attrs_from)
    try:
        staged.sync()
    except OSError as exc:
        staged.discard()
        raise WriteError(f"cannot write: {_why(exc)}; file left untouched", label) from None
    commit_temp(staged, expected_digest)


# Our temp files, as write_atomic names them: tempfile.mkstemp(prefix=".<name>.", suffix=".kvupgrade")
# in the edited file's directory, whose random part is 8 characters of tempfile's alphabet.
TEMP_NAME = re.compile(r"\.(?P<target>.+)\.[a-z0-9_]{8}\.kvupgrade")
STARTED = time.time()  # this run's start (forked workers inherit it): a temp older than it is no temp of ours
_SWEPT: set[str] = set()


def sweep_temps(folder: str, started: Optional[float] = None) -> list[str]:
    """Remove the temp files a killed kvupgrade run left in ``folder`` (a real path); the paths removed.

    Only names matching TEMP_NAME, regular files, last written before ``started`` (default: this
    run's start), and whose target file's lock can be taken at once: a live run holds its target's
    lock for as long as its temp exists. Removed under that lock. Once per folder per process.
    """
    started = STARTED if started is None else started
    if folder in _SWEPT:
        return []
    _SWEPT.add(folder)
    try:
        names = [n for n in os.listdir(folder) if n.endswith(".kvupgrade") and TEMP_NAME.fullmatch(n)]
    except OSError:
        return []
    removed: list[str] = []
    for name in names:
        path = os.path.join(folder, name)
        try:
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode) or st.st_mtime >= started:
                continue
            target = os.path.join(folder, TEMP_NAME.fullmatch(name).group("target"))  # type: ignore[union-attr]
            with locked(target, timeout=0):
                os.unlink(path)
            removed.append(path)
        except (OSError, WriteError):  # gone already, not ours to remove, or its target's lock is held
            continue
    return removed


def atomic_replace(src: Source, new_text: str) -> None:
    """Replace ``src.real`` with ``new_text`` atomically, or raise and leave it untouched."""
    write_atomic(src.real, encode(new_text), src.mode, src.digest, src.path)


# --- one durability pass for many staged files (a batch apply) ----------------------------------

# syncfs (one call for a whole file system) or fsync of each file. Not fdatasync: it need not make
# the temp file's owner and mode durable, and a rename that survives a crash must not put a file
# with the wrong owner or mode in place.
SYNC_MODES = ("syncfs", "fsync")
# File systems whose syncfs writes back and flushes every dirty file, directory and attribute and
# reports a failure (overlay: its upper file system's). Elsewhere (network, FUSE: syncfs may do
# nothing there) each file is fsynced.
SYNCFS_TYPES = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "tmpfs", "overlay"})


@lru_cache(maxsize=None)
def _syncfs_func() -> Optional[Any]:
    """libc's syncfs, where it reports errors: Linux 5.8 and later (before, syncfs returned 0 even
    when writeback had failed, so a lost write would pass unseen: fsync each file there)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        major, minor = (int(x) for x in re.match(r"(\d+)\.(\d+)", os.uname().release).groups())  # type: ignore[union-attr]
        if (major, minor) < (5, 8):
            return None
        import ctypes

        fn = ctypes.CDLL(None, use_errno=True).syncfs
    except (AttributeError, OSError, ValueError):
        return None
    fn.argtypes = [ctypes.c_int]
    fn.restype = ctypes.c_int
    return fn


@lru_cache(maxsize=None)
def _fs_types() -> dict[int, str]:
    """Each mounted file system's type by device number (/proc/self/mountinfo, read once); a file
    system mounted later is not in it, and gets fsync."""
    types: dict[int, str] = {}
    try:
        with open("/proc/self/mountinfo", "rb") as fh:
            for line in fh:
                fields = line.split()
                major, minor = fields[2].split(b":")
                types[os.makedev(int(major), int(minor))] = fields[fields.index(b"-") + 1].decode("ascii", "replace")
    except (OSError, ValueError, IndexError):
        pass
    return types


def sync_mode() -> str:
    """How ``make_durable`` syncs here: ``KVUPGRADE_SYNC=fsync`` forces an fsync of each file;
    otherwise syncfs, where libc has it."""
    if os.environ.get("KVUPGRADE_SYNC") == "fsync" or _syncfs_func() is None:
        return "fsync"
    return "syncfs"


def _syncfs_fd(fd: int, mode: Optional[str]) -> Optional[int]:
    """The device of ``fd``'s file system when one syncfs makes it durable, else None."""
    if (mode or sync_mode()) != "syncfs" or _syncfs_func() is None:
        return None
    dev = os.fstat(fd).st_dev
    return dev if _fs_types().get(dev) in SYNCFS_TYPES else None


def _syncfs(fd: int) -> None:
    fn = _syncfs_func()
    if fn(fd) != 0:
        import ctypes

        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def _sync_fd(fd: int, mode: Optional[str], done: set[int]) -> None:
    """Make ``fd``'s file durable: one syncfs for its file system (once: ``done`` holds the devices
    already synced) where that is enough, else an fsync of it."""
    dev = _syncfs_fd(fd, mode)
    if dev is None:
        os.fsync(fd)
    elif dev not in done:
        _syncfs(fd)
        done.add(dev)


def make_durable(staged: "list[Staged]", mode: Optional[str] = None) -> None:
    """Make every staged file (data, mode, owner, attributes, its directory entry) durable, or raise
    OSError: one syncfs per file system holding one of them where that is enough (SYNCFS_TYPES: it
    writes back that whole file system, directory entries included), else an fsync of each file and
    of each directory holding a backup (a new backup's entry must survive a crash too; a temp file's
    need not: the rename replaces it, and the directory is synced after the renames)."""
    done: set[int] = set()
    for s in staged:
        _sync_fd(s.fd, mode, done)
    for folder in dict.fromkeys(os.path.dirname(s.path) for s in staged if s.target is None):
        fd = os.open(folder or ".", os.O_RDONLY)
        try:
            if _syncfs_fd(fd, mode) is None:
                os.fsync(fd)
        finally:
            os.close(fd)


def sync_dirs(folders: "list[str]", mode: Optional[str] = None) -> None:
    """Make the renames in ``folders`` durable, best effort (as ``fsync_dir``): one syncfs per file
    system where that is enough (a fleet has a directory per host: one call instead of one per
    host), else an fsync of each directory."""
    done: set[int] = set()
    for folder in folders:
        try:
            fd = os.open(folder or ".", os.O_RDONLY)
        except OSError:
            continue
        try:
            _sync_fd(fd, mode, done)
        except OSError:
            pass
        finally:
            os.close(fd)
