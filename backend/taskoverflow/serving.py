"""What `taskoverflow serve` runs: the app behind a first-come-first-served admission gate.

Why: one event loop shares its core among every request in flight. Under overload (50 clients
on a busy machine) that is processor sharing: a request that yields a few times, or a long list,
waits behind every other request's slices, so its latency grows with the crowd while a short
one's does not — the p99 of a loaded `taskoverflow serve` was 2–3× that of gunicorn's sync
workers, which take requests strictly in turn. Letting at most `limit` HTTP requests run at once
(the rest wait in arrival order on an `asyncio.Semaphore`, which wakes waiters first-in first-out)
keeps the loop as busy as before — SQLite work never waits, PostgreSQL round trips still overlap —
and gives queueing order back. Nothing is refused: a waiting request is only served later.
Lifespan and WebSocket scopes pass straight through.
"""

from __future__ import annotations

import asyncio
import gc
import os
from typing import Any

from taskoverflow.app import create_app

#: Requests served at once per process (env `SERVE_CONCURRENCY`); the rest queue in order.
DEFAULT_CONCURRENCY = 8


class FirstComeFirstServed:
    """ASGI middleware: at most `limit` HTTP requests inside the app, the others queue FIFO."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._gate: asyncio.Semaphore | None = None  # made on first use, on the serving loop

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.limit)
        async with self._gate:
            await self.app(scope, receive, send)


#: Allocations between young-generation collections (CPython's default is 700): a request
#: allocates a few thousand short-lived objects, so the default collects several times each.
GC_YOUNG_THRESHOLD = 10_000


def create_served_app() -> FirstComeFirstServed:
    """The uvicorn factory `taskoverflow serve` names."""
    limit = int(os.environ.get("SERVE_CONCURRENCY") or DEFAULT_CONCURRENCY)
    served = FirstComeFirstServed(create_app(), max(1, limit))
    # What exists now (the app, its schemas, SQLAlchemy's mappers) lives as long as the process:
    # left out of every later collection, it no longer lengthens the pauses that make the tail.
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)
    return served
