"""Compare engine states exactly: what a restart on a data dir must give back."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from labkit.sqslocal.journal import JournaledEngine, snapshot


def fingerprint(engine: Any) -> bytes:
    """Every bit of engine state (what a snapshot holds), as bytes: equal states, equal bytes.

    Due work (a delay or visibility timeout that ran out) is done lazily by whichever call comes
    next, and a read that did it live is not replayed: so it is caught up first, through the
    engine's own reads, as any client call would.
    """
    for name in sorted(engine.queues):
        engine.get_queue_attributes(name)
    raw = engine._engine if isinstance(engine, JournaledEngine) else engine
    buffer = io.BytesIO()
    pickler = snapshot._Pickler(buffer, protocol=5)
    pickler.fast = True  # compare values, not which equal values happen to be one object
    pickler.dump(snapshot.engine_state(raw))
    return buffer.getvalue()


def scratch_dir() -> Path:
    """A fresh directory for a data dir, in memory where there is one: hypothesis restarts the
    service hundreds of times, and each start syncs a snapshot to disk (about 6 ms per fsync here)."""
    memory = Path("/dev/shm")
    return Path(tempfile.mkdtemp(prefix="sqs-journal-", dir=memory if memory.is_dir() else None))
