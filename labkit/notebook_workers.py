"""The RQ worker classes `labkit.notebook.start_worker` runs: RQ's own, without a lost second at exit.

Why not RQ's classes as they are: an RQ worker listens for commands (`rq.command`) on a redis-py
pub/sub thread that blocks reading for up to 60 s. On the way out RQ (3.0) unsubscribes, *then*
tells the thread to stop and joins it for at most 1 s. The reply to UNSUBSCRIBE wakes the thread;
whether it wakes before or after the stop flag is set is chance, and when it wakes before, it goes
back to its 60-second read and the join waits the whole second. About every other burst worker of
notebook 03 lost that second. Setting the flag first makes the reply wake a thread that then
leaves. The thread, once stopped, may close the pub/sub connection before UNSUBSCRIBE is written;
the connection error that write then meets means the listener is already gone, so it is dropped.
Everything else — dequeueing, running, registries, commands — is RQ's unchanged.
This module imports only RQ: a worker imports it by name (``--worker-class``) before its first job.
"""

from __future__ import annotations

import contextlib

from redis.exceptions import ConnectionError as RedisConnectionError
from rq.worker import BaseWorker
from rq.worker import SimpleWorker as RQSimpleWorker
from rq.worker import Worker as RQWorker

__all__ = ["SimpleWorker", "Worker"]


class _StopListenerFirst(BaseWorker):
    def unsubscribe(self) -> None:
        if self.pubsub_thread is not None:
            self.pubsub_thread.stop()  # before RQ's UNSUBSCRIBE, whose reply then ends the thread
        with contextlib.suppress(RedisConnectionError):  # the stopped thread closed it first
            super().unsubscribe()  # type: ignore[no-untyped-call]  # RQ leaves unsubscribe unannotated


class SimpleWorker(_StopListenerFirst, RQSimpleWorker):
    """RQ's SimpleWorker (each job runs inside the worker process)."""


class Worker(_StopListenerFirst, RQWorker):
    """RQ's default Worker (a forked work horse per job)."""
