"""The admission gate in front of `taskoverflow serve` (taskoverflow/serving.py), driven as ASGI:
a request takes a place only once its body is whole, so slow senders cannot hold the places."""

from __future__ import annotations

import asyncio
from typing import Any

from taskoverflow.serving import FirstComeFirstServed

HTTP = {"type": "http", "method": "POST", "path": "/api/v1/todos"}


class RecordingApp:
    """Stands in for the app: records what each request read, in the order requests entered."""

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.bodies: dict[str, bytes] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        name = scope["name"]
        self.entered.append(name)
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies[name] = body
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def feeder(*messages: dict[str, Any]) -> tuple[Any, asyncio.Queue[dict[str, Any]]]:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for message in messages:
        queue.put_nowait(message)
    return queue.get, queue


async def ignore(message: dict[str, Any]) -> None:
    """A `send` that drops the reply."""


async def test_a_slow_body_does_not_hold_the_only_place() -> None:
    app = RecordingApp()
    gate = FirstComeFirstServed(app, limit=1, max_body=1_000)
    slow_receive, slow_body = feeder({"type": "http.request", "body": b"he", "more_body": True})
    fast_receive, _ = feeder({"type": "http.request", "body": b"quick", "more_body": False})
    slow = asyncio.create_task(gate({**HTTP, "name": "slow"}, slow_receive, ignore))
    await asyncio.sleep(0)  # the slow request has begun and waits for the rest of its body
    await gate({**HTTP, "name": "fast"}, fast_receive, ignore)
    assert app.entered == ["fast"]  # served while the slow body is still on its way
    slow_body.put_nowait({"type": "http.request", "body": b"llo", "more_body": False})
    await slow
    assert app.entered == ["fast", "slow"]
    assert app.bodies == {"fast": b"quick", "slow": b"hello"}


async def test_a_client_that_leaves_before_its_body_is_whole_asks_nothing() -> None:
    app = RecordingApp()
    gate = FirstComeFirstServed(app, limit=1, max_body=1_000)
    receive, _ = feeder(
        {"type": "http.request", "body": b"par", "more_body": True}, {"type": "http.disconnect"}
    )
    await gate({**HTTP, "name": "gone"}, receive, ignore)
    assert app.entered == []


async def test_past_max_body_the_app_reads_the_rest_itself() -> None:
    # the app refuses an oversized body (413) as it reads it: the gate holds no more than that
    seen: list[int] = []
    unread_at_entry: list[int] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        unread_at_entry.append(queue.qsize())
        while True:
            message = await receive()
            seen.append(len(message["body"]))
            if not message.get("more_body"):
                return

    gate = FirstComeFirstServed(app, limit=1, max_body=10)
    chunks = [{"type": "http.request", "body": b"x" * 6, "more_body": True} for _ in range(4)]
    chunks.append({"type": "http.request", "body": b"", "more_body": False})
    receive, queue = feeder(*chunks)
    await gate({**HTTP, "name": "big"}, receive, ignore)
    assert unread_at_entry == [3]  # the gate read two chunks (12 bytes > 10), no more
    assert seen == [6, 6, 6, 6, 0]
    assert queue.empty()


async def test_a_slow_reader_does_not_hold_the_only_place() -> None:
    app = RecordingApp()
    gate = FirstComeFirstServed(app, limit=1, max_body=1_000)
    reading = asyncio.Event()
    sent: list[str] = []

    async def slow_send(message: dict[str, Any]) -> None:
        await reading.wait()  # the client takes its reply only later
        sent.append(message["type"])

    slow_receive, _ = feeder({"type": "http.request", "body": b"", "more_body": False})
    fast_receive, _ = feeder({"type": "http.request", "body": b"", "more_body": False})
    slow = asyncio.create_task(gate({**HTTP, "name": "slow"}, slow_receive, slow_send))
    await asyncio.sleep(0.01)  # the slow request was served; its reply waits for its reader
    async with asyncio.timeout(10):  # a liveness guard: held places would wait forever
        await gate({**HTTP, "name": "fast"}, fast_receive, ignore)
    assert app.entered == ["slow", "fast"]
    reading.set()
    await slow
    assert sent == ["http.response.start", "http.response.body"]
