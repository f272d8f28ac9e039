"""What `taskoverflow serve` runs: the app behind a first-come-first-served admission gate.

Why: one event loop shares its core among every request in flight. Under overload (50 clients
on a busy machine) that is processor sharing: a request that yields a few times, or a long list,
waits behind every other request's slices, so its latency grows with the crowd while a short
one's does not — the p99 of a loaded `taskoverflow serve` was 2–3× that of gunicorn's sync
workers, which take requests strictly in turn. Letting at most `limit` HTTP requests run at once
(the rest wait in arrival order on an `asyncio.Semaphore`, which wakes waiters first-in first-out)
keeps the loop as busy as before — SQLite work never waits, PostgreSQL round trips still overlap —
and gives queueing order back. Nothing is refused: a waiting request is only served later.
A request's body is read before it takes a place, and its reply is sent after it has left it: a
client that sends its body slowly, or reads its reply slowly (or not at all), must not hold one of
the `limit` places meanwhile — eight such clients held them all, and every other client waited.
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
    """ASGI middleware: at most `limit` HTTP requests inside the app, the others queue FIFO.
    `max_body`: bytes of a body read before the gate (the app's own limit: past it, the app
    reads the rest and refuses it with 413, so nothing larger is held here)."""

    def __init__(self, app: Any, limit: int, max_body: int) -> None:
        self.app = app
        self.limit = limit
        self.max_body = max_body
        self._gate: asyncio.Semaphore | None = None  # made on first use, on the serving loop

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._gate is None:
            self._gate = asyncio.Semaphore(self.limit)
        early = await _read_body(receive, self.max_body)
        if early[-1]["type"] == "http.disconnect":
            return  # the client left before its request was whole: nothing was asked of us
        reply: list[dict[str, Any]] = []

        async def keep(message: dict[str, Any]) -> None:
            reply.append(message)

        async with self._gate:
            await self.app(scope, _replayed(early, receive), keep)
        for message in reply:  # at the client's pace, with the place given up
            await send(message)


async def _read_body(receive: Any, max_body: int) -> list[dict[str, Any]]:
    """The request's messages until its body is whole, the client leaves, or `max_body`."""
    messages = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages
        size += len(message.get("body", b""))
        if not message.get("more_body", False) or size > max_body:
            return messages


def _replayed(early: list[dict[str, Any]], receive: Any) -> Any:
    """A `receive` that hands the app the messages read already, then the live ones."""
    pending = list(early)

    async def replay() -> Any:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


#: Allocations between young-generation collections (CPython's default is 700): a request
#: allocates a few thousand short-lived objects, so the default collects several times each.
GC_YOUNG_THRESHOLD = 10_000


def create_served_app() -> FirstComeFirstServed:
    """The uvicorn factory `taskoverflow serve` names."""
    limit = int(os.environ.get("SERVE_CONCURRENCY") or DEFAULT_CONCURRENCY)
    app = create_app()
    served = FirstComeFirstServed(app, max(1, limit), app.config["MAX_CONTENT_LENGTH"])
    # What exists now (the app, its schemas, SQLAlchemy's mappers) lives as long as the process:
    # left out of every later collection, it no longer lengthens the pauses that make the tail.
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)
    return served
