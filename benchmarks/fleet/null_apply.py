#!/usr/bin/env python3
"""Baselines for the fleet benchmark: the I/O of an apply with no planning at all.

Reads NUL-separated paths on stdin and, in JOBS processes, does for each file what
``kvupgrade apply --backup-dir`` does around its planning, with the same row-cache edit as the
sed baseline standing in for the plan:
  plain:   read, write a backup copy, write a temp file, rename it over the file;
  durable: the same with kvupgrade's syncs: fsync the backup, a manifest line (fsync), the temp
           file (fsync), then the directory after the rename (fsync).
The difference between ``kvupgrade apply`` and ``durable`` is what planning and the tool cost;
``plain`` against sed shows what Python itself costs for the same file traffic.
Usage: null_apply.py --mode plain|durable --jobs J --backup-dir DIR < paths
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor

OLD, NEW = b"\nrocksdb.row_cache_size ", b"\n# rocksdb.row_cache_size "


def _write(path: str, data: bytes, durable: bool) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)


def one(path: str, durable: bool, backup_dir: str, manifest: int) -> None:
    with open(path, "rb") as fh:
        data = fh.read()
    new = data.replace(OLD, NEW)
    _write(os.path.join(backup_dir, path.replace(os.sep, "_")), data, durable)
    os.write(manifest, (path + "\n").encode())
    if durable:
        os.fsync(manifest)
    folder = os.path.dirname(path)
    tmp = os.path.join(folder, "." + os.path.basename(path) + ".tmp")
    _write(tmp, new, durable)
    os.replace(tmp, path)
    if durable:
        fd = os.open(folder, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)


def chunk(args: tuple[list[str], bool, str]) -> int:
    paths, durable, backup_dir = args
    manifest = os.open(os.path.join(backup_dir, "manifest"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        for p in paths:
            one(p, durable, backup_dir, manifest)
    finally:
        os.close(manifest)
    return len(paths)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=("plain", "durable"), required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--backup-dir", required=True)
    a = ap.parse_args()
    paths = [p for p in sys.stdin.buffer.read().decode().split("\0") if p]
    os.makedirs(a.backup_dir, exist_ok=True)
    chunks = [(paths[i:i + 100], a.mode == "durable", a.backup_dir) for i in range(0, len(paths), 100)]
    with ProcessPoolExecutor(a.jobs) as ex:
        done = sum(ex.map(chunk, chunks))
    assert done == len(paths)


if __name__ == "__main__":
    main()
