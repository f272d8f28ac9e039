"""Compare engine states exactly: what a restart on a data dir must give back."""

from __future__ import annotations

import io
import tempfile
from collections import deque
from pathlib import Path
from typing import Any

from labkit.sqslocal.engine import Engine, Metrics
from labkit.sqslocal.journal import Journal, snapshot


def fingerprint(engine: Any) -> bytes:
    """Every bit of engine state (what a snapshot holds), as bytes: equal states, equal bytes
    (but for the empty-receive counter, see `_without_empty_receives`).

    Due work (a delay or visibility timeout that ran out) is done lazily by whichever call comes
    next, and a read that did it live is not replayed: so it is caught up first, through the
    engine's own reads, as any client call would.
    """
    for name in sorted(engine.queues):
        engine.get_queue_attributes(name)
    kept = {name: queue.metrics for name, queue in engine.queues.items()}
    try:
        for queue in engine.queues.values():
            queue.metrics = _without_empty_receives(queue.metrics)
        buffer = io.BytesIO()
        pickler = snapshot._Pickler(buffer, protocol=5)
        pickler.fast = True  # compare values, not which equal values happen to be one object
        pickler.dump(snapshot.engine_state(engine))
        return buffer.getvalue()
    finally:
        for name, metrics in kept.items():
            engine.queues[name].metrics = metrics


def _without_empty_receives(metrics: Metrics) -> Metrics:
    """The metrics without the empty-receive counter: receives that found nothing are not
    journalled (they change nothing else), so that one counter is only as exact as the last
    snapshot after a crash."""
    totals = {**metrics.totals, "empty_receives": 0}
    buckets = deque(
        (start, {**counts, "empty_receives": 0})
        for start, counts in metrics.buckets
        if any(v for k, v in counts.items() if k != "empty_receives")
    )
    return Metrics(totals, buckets)


def scratch_dir() -> Path:
    """A fresh directory for a data dir, in memory where there is one: hypothesis restarts the
    service hundreds of times, and each start syncs a snapshot to disk (about 6 ms per fsync here)."""
    memory = Path("/dev/shm")
    return Path(tempfile.mkdtemp(prefix="sqs-journal-", dir=memory if memory.is_dir() else None))


def journalled(engine: Engine, data_dir: Path, **options: Any) -> Engine:
    """`engine` with a journal in `data_dir` as its recorder (after replaying what is there)."""
    Journal(engine, data_dir, **options)
    return engine


def journal_of(engine: Engine) -> Journal:
    """The journal recording `engine`'s calls."""
    assert isinstance(engine.recorder, Journal)
    return engine.recorder
