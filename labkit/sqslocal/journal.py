"""Durability for `labkit sqs serve --data-dir`: an append-only journal of engine calls, replayed on start.

The engine is deterministic given its clock, its seeded RNG and the sequence of calls, so recording
each call (with the time it ran at) is enough to rebuild the exact state: messages, receipts, the
RNG, de-duplication windows. Each line is written and flushed before the engine runs the call, so
nothing the service acknowledged is lost if the process is killed. Written by hand because this
command-sourcing trick needs the engine's determinism, which no storage library knows about.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labkit.sqslocal.engine import Engine
from labkit.sqslocal.errors import SqsError

# Every call that can change state (reads included: they do the work that has come due).
RECORDED = frozenset(
    {
        "create_queue",
        "get_queue",
        "list_queues",
        "delete_queue",
        "purge_queue",
        "get_queue_attributes",
        "set_queue_attributes",
        "tag_queue",
        "untag_queue",
        "list_queue_tags",
        "list_dead_letter_source_queues",
        "send_message",
        "receive_message",
        "delete_message",
        "change_message_visibility",
        "metrics",
        "advance",
        "reset",
    }
)


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {"$b64": base64.b64encode(value).decode("ascii")}
    raise TypeError(f"cannot journal {type(value).__name__}")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and "$b64" in obj:
        return base64.b64decode(obj["$b64"])
    return obj


class JournaledEngine:
    """An Engine whose calls are journaled to `path`; attribute reads pass straight through."""

    def __init__(self, engine: Engine, path: Path, fsync: bool = False) -> None:
        object.__setattr__(self, "_engine", engine)
        object.__setattr__(self, "_fsync", fsync)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = json.dumps({"journal": 1, "config": _config_of(engine)})
        object.__setattr__(self, "_header", header)
        replayed = replay(engine, path, header) if path.exists() else 0
        object.__setattr__(self, "replayed", replayed)
        file = path.open("a", encoding="utf-8")
        fresh = file.tell() == 0
        if fresh:
            file.write(header + "\n")
            file.flush()
        object.__setattr__(self, "_file", file)
        if fresh:
            self.reset()  # journal the initial state's time too (the course queues' timestamps)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._engine, name)
        if name in RECORDED:
            return self._recorded(name, attr)
        return attr

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._engine, name, value)

    def _recorded(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            engine = self._engine
            real_clock = engine.clock
            t = real_clock()
            line = json.dumps({"t": t, "op": name, "a": args, "k": kwargs}, default=_encode)
            if name == "reset":
                # Nothing before a reset matters to the state after it: start the journal afresh.
                self._file.seek(0)
                self._file.truncate()
                self._file.write(self._header + "\n")
            self._file.write(line + "\n")
            self._file.flush()
            if self._fsync:
                os.fsync(self._file.fileno())
            engine.clock = lambda: t  # the call sees one instant, exactly as the replay will
            try:
                return method(*args, **kwargs)
            finally:
                engine.clock = real_clock

        return call

    def close(self) -> None:
        self._file.close()


def _config_of(engine: Engine) -> dict[str, Any]:
    config = engine.config
    return {
        "seed": config.seed,
        "hosts": config.hosts,
        "duplicate_rate": config.duplicate_rate,
        "strict_order": config.strict_order,
        "short_poll_fraction": config.short_poll_fraction,
    }


class JournalMismatch(ValueError):
    """The journal was written by a service with other knobs: replaying it would rebuild another state."""


def replay(engine: Engine, path: Path, header: str | None = None) -> int:
    """Re-run a journal against a fresh engine; returns the number of calls replayed.

    A torn last line (the process died mid-write, before that call was acknowledged) is cut off.
    """
    real_clock = engine.clock
    count = 0
    good = 0
    try:
        with path.open("rb") as lines:
            for raw_bytes in lines:
                raw = raw_bytes.decode("utf-8", errors="replace")
                if not raw.endswith("\n"):
                    break
                if count == 0 and good == 0 and raw.startswith('{"journal"'):
                    if header is not None and json.loads(raw) != json.loads(header):
                        raise JournalMismatch(
                            f"{path} was written with other settings: {raw.strip()}"
                        )
                    good += len(raw_bytes)
                    continue
                entry = json.loads(raw, object_hook=_decode)
                t = entry["t"]
                engine.clock = lambda t=t: t
                with contextlib.suppress(SqsError):  # it failed the first time too
                    getattr(engine, entry["op"])(*entry["a"], **entry["k"])
                count += 1
                good += len(raw_bytes)
    finally:
        engine.clock = real_clock
    if good < path.stat().st_size:
        with path.open("r+b") as file:
            file.truncate(good)
    return count
