"""A snapshot of the whole engine state: one JSON header line, then the engine's objects pickled.

Why pickle: the snapshot must hold *everything* the engine keeps — queues, messages and their heaps,
receipts, de-duplication windows, the RNG, metrics, and whatever the engine grows next (event logs,
move tasks, …). A schema written by hand would silently drop each new field until someone remembered
to add it; pickling the engine's own objects cannot forget one. The clock and callbacks (wiring, not
state) are left out and kept from the live engine.

Why that is safe here: unpickling runs code named by the file, so a snapshot is only ever read from
the service's own data directory, which it creates 0700 with 0600 files, and only when the file is
owned by this user and writable by nobody else (anyone who could plant a file there could already
read and rewrite every message). The header carries a format version and a SHA-256 of the pickle, so
a damaged or truncated snapshot is refused rather than half-loaded. Dataclass objects are rebuilt
through their field defaults, so a snapshot taken before a field was added still loads. A message
that has left its queue is stored as a tombstone (see `_tombstone`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import itertools
import json
import os
import pickle
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from labkit.sqslocal.message import GONE, HEAD, Message

__all__ = [
    "FORMAT",
    "VERSION",
    "SnapshotDamaged",
    "SnapshotError",
    "engine_state",
    "read",
    "restore",
    "write",
]


FORMAT = "labkit-sqs-snapshot"
# 2: messages stored compactly (message.py) and the retention index (retention.py); a version 1
# snapshot holds the earlier message layout, which this engine cannot take, and is refused clearly.
VERSION = 2
_COUNT = re.compile(r"count\((-?\d+)\)")
_LOCKS = (type(threading.Lock()), type(threading.RLock()))


class SnapshotError(ValueError):
    """A snapshot that cannot be trusted (damaged, another format, or not private to this user)."""

    hint = "restore the data directory from a backup, or move it aside to start afresh"


class SnapshotDamaged(SnapshotError):
    """A snapshot whose bytes are not what was written (checksum, length or header)."""


_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _fields(cls: type) -> tuple[str, ...] | None:
    """The field names of a dataclass type (None for other types); cached, asked once per object."""
    try:
        return _FIELDS[cls]
    except KeyError:
        names = (
            tuple(f.name for f in dataclasses.fields(cls))
            if dataclasses.is_dataclass(cls)
            else None
        )
        _FIELDS[cls] = names
        return names


def _rebuild(cls: type, names: tuple[str, ...], values: tuple[Any, ...]) -> Any:
    """A dataclass object from its saved fields, with defaults for fields added since.

    A class that reorganised its fields may define `upgrade_saved(saved) -> saved` to carry an
    older snapshot's fields over to where they live now (see `engine.Queue`)."""
    obj: object = object.__new__(cls)
    pairs: Iterable[tuple[str, Any]] = zip(names, values, strict=True)
    if names != _fields(cls):
        saved = dict(pairs)
        upgrade = getattr(cls, "upgrade_saved", None)
        if upgrade is not None:
            saved = upgrade(saved)
        kept: list[tuple[str, Any]] = []
        for f in dataclasses.fields(cls):
            if f.name in saved:
                kept.append((f.name, saved[f.name]))
            elif f.default is not dataclasses.MISSING:
                kept.append((f.name, f.default))
            elif f.default_factory is not dataclasses.MISSING:
                kept.append((f.name, f.default_factory()))
        pairs = kept
    for name, value in pairs:
        object.__setattr__(obj, name, value)
    return obj


def _tombstone(head: bytes = b"") -> Message:
    """A message that has left its queue for good. The engine's indexes keep such a message until
    it comes up and is skipped, reading nothing but its state (GONE is final and never changed
    again) and its send time (the retention index's key), so the snapshot stores the head of its
    record (id, MD5, send time: 40 bytes) instead of its body: disk use and start time follow the
    live messages."""
    return Message(head, state=GONE)


# Classes that moved since a snapshot may have been written: (module, name) then -> now
_MOVED = {
    ("labkit.sqslocal.model", "StandardStore"): ("labkit.sqslocal.standard", "StandardStore"),
}


class _Unpickler(pickle.Unpickler):
    """The snapshot's reader: maps the names of classes that moved since an older snapshot."""

    def find_class(self, module: str, name: str) -> Any:
        module, name = _MOVED.get((module, name), (module, name))
        return super().find_class(module, name)


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        names = _fields(type(obj))
        if names is not None:
            if type(obj) is Message and obj.state == GONE:
                return _tombstone, (obj.data[:HEAD],)
            return _rebuild, (type(obj), names, tuple(getattr(obj, n) for n in names))
        if isinstance(obj, itertools.count):  # no longer picklable from Python 3.14 on
            match = _COUNT.fullmatch(repr(obj))
            if match:
                return itertools.count, (int(match.group(1)),)
        return NotImplemented


def engine_state(engine: Any) -> dict[str, Any]:
    """The engine's attributes that are state: everything but callables (clock, hooks) and locks."""
    return {
        name: value
        for name, value in vars(engine).items()
        if not callable(value)
        and not isinstance(value, _LOCKS)
        and name not in ("config", "recorder", "step_time")
    }


def write(engine: Any, meta: dict[str, Any]) -> list[bytes]:
    """The snapshot of `engine` as chunks to write (header line, pickle)."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=5).dump(engine_state(engine))
    body = buffer.getvalue()
    header = {
        "format": FORMAT,
        "version": VERSION,
        **meta,
        "bytes": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    return [json.dumps(header).encode() + b"\n", body]


def _check_private(path: Path) -> None:
    if os.name != "posix":
        return
    info = path.stat()
    if info.st_uid != os.getuid() or info.st_mode & 0o022:
        raise SnapshotError(
            f"{path} is not private to this user (owner {info.st_uid}, mode "
            f"{info.st_mode & 0o777:o}): refusing to load it"
        )


def read(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and the engine state of a snapshot file, checked before anything is unpickled."""
    _check_private(path)
    _check_private(path.parent)
    data = path.read_bytes()
    end = data.find(b"\n")
    try:
        header = json.loads(data[:end]) if end > 0 else None
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise SnapshotDamaged(f"{path} is damaged (no snapshot header)")
    if header.get("version") != VERSION:
        raise SnapshotError(
            f"{path} has snapshot version {header.get('version')}, not {VERSION} (written by "
            "another version of the lab's SQS service)"
        )
    body = data[end + 1 :]
    if len(body) != header.get("bytes") or hashlib.sha256(body).hexdigest() != header.get("sha256"):
        raise SnapshotDamaged(f"{path} is damaged (its SHA-256 does not match its header)")
    return header, _Unpickler(io.BytesIO(body)).load()


def restore(engine: Any, state: dict[str, Any]) -> None:
    """Put a snapshot's state into a freshly built engine (attributes added since keep their start)."""
    vars(engine).update(state)
