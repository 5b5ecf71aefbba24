#!/usr/bin/env python3
"""Baselines for the fleet benchmark: the I/O of an apply with no planning at all.

Reads NUL-separated paths on stdin and, in JOBS processes fed chunks of CHUNK files, does for
each file what ``kvupgrade apply --backup-dir`` does around its planning, with the same row-cache
edit as the sed baseline standing in for the plan:
  plain:   read, write a backup copy, a manifest line, write a temp file, rename it over the file;
  durable: the same with kvupgrade's per-file syncs: fsync the backup, the manifest line (fsync),
           the temp file (fsync), then the directory after the rename (fsync);
  batched: the same file traffic made durable per chunk: backups and temps written without
           fsync, one syncfs(2) for the chunk, the chunk's manifest lines in one write + fsync,
           the renames, then one fsync per distinct directory. The floor of batched durability.
The difference between ``kvupgrade apply`` and ``durable``/``batched`` is what planning and the
tool cost; ``plain`` against sed shows what Python itself costs for the same file traffic.
Usage: null_apply.py --mode plain|durable|batched --jobs J --backup-dir DIR [--chunk C] < paths
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import sys
from concurrent.futures import ProcessPoolExecutor

OLD, NEW = b"\nrocksdb.row_cache_size ", b"\n# rocksdb.row_cache_size "
CHUNK = 100

_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)


def syncfs(fd: int) -> None:
    """syncfs(2): write back the whole file system holding fd (one call for a chunk's files)."""
    if getattr(_libc, "syncfs", None) is None:  # not Linux/glibc: the closest portable thing
        os.sync()
        return
    if _libc.syncfs(fd) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def _write(path: str, data: bytes, durable: bool) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: str) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _names(path: str, backup_dir: str) -> tuple[str, str]:
    folder = os.path.dirname(path)
    return os.path.join(backup_dir, path.replace(os.sep, "_")), os.path.join(folder, "." + os.path.basename(path) + ".tmp")


def one(path: str, durable: bool, backup_dir: str, manifest: int) -> None:
    with open(path, "rb") as fh:
        data = fh.read()
    new = data.replace(OLD, NEW)
    backup, tmp = _names(path, backup_dir)
    _write(backup, data, durable)
    os.write(manifest, (path + "\n").encode())
    if durable:
        os.fsync(manifest)
    _write(tmp, new, durable)
    os.replace(tmp, path)
    if durable:
        _fsync_dir(os.path.dirname(path))


def batch(paths: list[str], backup_dir: str, manifest: int) -> None:
    """One chunk, durable in batches: every write first, one syncfs, one manifest write, renames."""
    temps: list[tuple[str, str]] = []
    for path in paths:
        with open(path, "rb") as fh:
            data = fh.read()
        backup, tmp = _names(path, backup_dir)
        _write(backup, data, False)
        _write(tmp, data.replace(OLD, NEW), False)
        temps.append((tmp, path))
    syncfs(manifest)  # backups and temps (data and directory entries) on disk before any rename
    os.write(manifest, "".join(p + "\n" for p in paths).encode())
    os.fsync(manifest)  # the manifest lists every file before the first one is replaced
    folders: dict[str, None] = {}
    for tmp, path in temps:
        os.replace(tmp, path)
        folders[os.path.dirname(path)] = None
    for folder in folders:
        _fsync_dir(folder)


def chunk(args: tuple[list[str], str, str]) -> int:
    paths, mode, backup_dir = args
    manifest = os.open(os.path.join(backup_dir, "manifest"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        if mode == "batched":
            batch(paths, backup_dir, manifest)
        else:
            for p in paths:
                one(p, mode == "durable", backup_dir, manifest)
    finally:
        os.close(manifest)
    return len(paths)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=("plain", "durable", "batched"), required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=CHUNK, help="files per task (and per syncfs in batched mode)")
    ap.add_argument("--backup-dir", required=True)
    a = ap.parse_args()
    paths = [p for p in sys.stdin.buffer.read().decode().split("\0") if p]
    os.makedirs(a.backup_dir, exist_ok=True)
    chunks = [(paths[i:i + a.chunk], a.mode, a.backup_dir) for i in range(0, len(paths), a.chunk)]
    with ProcessPoolExecutor(a.jobs) as ex:
        done = sum(ex.map(chunk, chunks))
    assert done == len(paths)


if __name__ == "__main__":
    main()
