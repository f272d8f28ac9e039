"""The data directory's files: private to their owner, replaced atomically, synced as the policy says.

`--fsync` takes Redis's names for the same trade-off (its `appendfsync`): `always` syncs each record
to disk before the reply (nothing acknowledged is lost even on power loss; slowest), `everysec` (the
default) syncs once a second from a background thread (a power cut loses at most about a second; a
crash of the service itself loses nothing, since every record is in the OS's hands before the reply),
`no` leaves syncing to the OS.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

from labkit.sqslocal.config import FsyncPolicy

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create (or tighten) a directory only its owner can enter: it holds every message body."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # e.g. a directory we do not own: then leave it be
        if path.stat().st_mode & 0o777 != DIR_MODE:
            path.chmod(DIR_MODE)
    return path


def open_private(path: Path, flags: int) -> int:
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
    with contextlib.suppress(OSError):
        if os.fstat(fd).st_mode & 0o777 != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
    return fd


def sync_dir(path: Path) -> None:
    """Make a rename in `path` durable (POSIX: the directory entry needs its own fsync)."""
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, chunks: list[bytes]) -> int:
    """Replace `path` with `chunks`: written to a temporary file, synced, renamed over. Returns size."""
    temporary = path.with_name(path.name + ".tmp")
    fd = open_private(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    size = 0
    try:
        for chunk in chunks:
            view = memoryview(chunk)
            while view:
                written = os.write(fd, view)
                view = view[written:]
                size += written
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    sync_dir(path.parent)
    return size


def link_atomically(path: Path, target: Path) -> None:
    """Make `target` another name of `path` (replacing `target`), without copying it."""
    temporary = target.with_name(target.name + ".tmp")
    temporary.unlink(missing_ok=True)
    os.link(path, temporary)
    os.replace(temporary, target)


class AppendFile:
    """An append-only file whose writes reach the OS at once and the disk as `policy` says."""

    def __init__(self, path: Path, policy: FsyncPolicy) -> None:
        self.path = path
        self.policy = policy
        self._lock = threading.Lock()
        self._fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        self.size = os.fstat(self._fd).st_size
        self._dirty = False
        self._stop = threading.Event()
        self._syncer: threading.Thread | None = None
        if policy is FsyncPolicy.everysec:
            self._syncer = threading.Thread(target=self._sync_every_second, daemon=True)
            self._syncer.start()

    def append(self, data: bytes) -> None:
        with self._lock:
            written = os.write(self._fd, data)  # unbuffered: in the OS's hands before the reply
            if written < len(data):
                view = memoryview(data)[written:]
                while view:
                    view = view[os.write(self._fd, view) :]
            self.size += len(data)
            if self.policy is FsyncPolicy.always:
                os.fsync(self._fd)
            else:
                self._dirty = True

    def _sync_every_second(self) -> None:
        # The descriptor stays open while this thread runs (close() joins it first), and fsync
        # runs outside the lock so appends never wait for the disk.
        while not self._stop.wait(1.0):
            with self._lock:
                dirty, self._dirty = self._dirty, False
            if dirty:
                os.fsync(self._fd)

    def close(self) -> None:
        self._stop.set()
        if self._syncer is not None:
            self._syncer.join()
        with self._lock:
            if self._fd >= 0:
                if self._dirty and self.policy is not FsyncPolicy.no:
                    os.fsync(self._fd)
                os.close(self._fd)
                self._fd = -1
