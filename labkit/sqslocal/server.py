"""HTTP edge of the local SQS service: routes each request; `http_server` speaks HTTP/1.1.

No framework and no general-purpose server: one boto3 client waits for every reply, so per-request
overhead comes straight off its rate (measured in `http_server`'s docstring and
benchmarks/README.md). `SqsApp.handle` only routes: AWS JSON requests (with `X-Amz-Target`) go to
`protocol.Dispatcher`, form-encoded query-protocol requests (`Action=…`) to the same dispatcher
through `query.py`, and a few lab-only endpoints live under `/_lab/` (see docs/sqs-service.md).
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import random
import socket
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from labkit.sqslocal import http_server
from labkit.sqslocal.config import EngineConfig, shown
from labkit.sqslocal.engine import Engine
from labkit.sqslocal.errors import SqsError
from labkit.sqslocal.http_server import Reply, Request
from labkit.sqslocal.protocol import Dispatcher, error_reply
from labkit.sqslocal.query import error_reply as query_error_reply
from labkit.sqslocal.query import unknown_operation_reply

__all__ = [
    "MAX_BODY",
    "SqsApp",
    "bind",
    "build_engine",
    "serve",
    "tune_gc",
]


if TYPE_CHECKING:
    from labkit.sqslocal.journal import Journal

MAX_BODY = 8 * 1024 * 1024  # a 1 MiB batch, JSON-escaped, is at most about 3 MiB
JSON = [(b"content-type", b"application/json")]


def build_engine(
    config: EngineConfig, data_dir: Path | None = None, fsync: str | None = None
) -> tuple[Engine, Journal | None]:
    """The service's engine; with a data dir, also the journal that keeps (and restored) its state."""
    engine = Engine(time.time, random.Random(config.seed), config)
    if data_dir is None:
        return engine, None
    from labkit.sqslocal.journal import DEFAULT_FSYNC, FsyncPolicy, Journal

    return engine, Journal(engine, data_dir, FsyncPolicy(fsync or DEFAULT_FSYNC))


class SqsApp:
    """The service: one engine, one dispatcher, all in the event loop's thread."""

    def __init__(self, engine: Engine, journal: Journal | None = None) -> None:
        self.engine = engine
        self.journal = journal  # closed (compacted) on a clean shutdown
        self.dispatcher = Dispatcher(engine)
        self.dispatcher.warm_up()
        self.started = time.time()

    def handle(self, request: Request) -> Reply | Awaitable[Reply]:
        """One HTTP request: to the lab endpoints, the query protocol or AWS JSON. Answered at
        once when it need not wait (see `Dispatcher.respond`), else an awaitable of the reply."""
        headers = request.headers
        if request.path.startswith("/_lab/"):
            return self.lab(request.method, request.path, request.body)
        target = headers.get("x-amz-target")
        if target is None and _is_query(request):
            return self.query(request)
        if request.too_big:
            return error_reply(
                SqsError("BatchRequestTooLong", f"Request bodies are limited to {MAX_BODY} bytes.")
            )
        if request.method != "POST":
            if target is None:  # no X-Amz-Target and no Action: nothing names an operation
                return unknown_operation_reply()
            return error_reply(
                SqsError(
                    "UnknownOperationException", "Send SQS requests as POST with X-Amz-Target."
                )
            )
        host = headers.get("host") or "127.0.0.1"
        trace = headers.get("x-amzn-trace-id") or None
        return self.dispatcher.respond(target, request.body, host, trace)

    async def query(self, request: Request) -> Reply:
        """A legacy query-protocol request: parameters from the URL and the form body."""
        if request.too_big:
            return query_error_reply(
                SqsError("BatchRequestTooLong", f"Request bodies are limited to {MAX_BODY} bytes.")
            )
        try:
            params = dict(parse_qsl(request.query_string, True))
            params.update(parse_qsl(request.body.decode("utf-8"), True, errors="strict"))
        except (UnicodeDecodeError, ValueError):
            return query_error_reply(
                SqsError("MalformedQueryString", "The request is not valid form data.")
            )
        host = request.headers.get("host") or "127.0.0.1"
        trace = request.headers.get("x-amzn-trace-id") or None
        return await self.dispatcher.handle_query(params, request.path, host, trace)

    # ----- /_lab/ -----------------------------------------------------------------------------
    def lab(self, method: str, path: str, body: bytes) -> Reply:
        parts = [p for p in path.split("/") if p][1:]
        try:
            result = self._lab_route(method, parts, body)
        except SqsError as err:
            return _json(404 if err.shape == "QueueDoesNotExist" else 400, {"error": err.message})
        except LookupError:
            return _json(404, {"error": f"no lab endpoint {method} {path}"})
        except ValueError as err:
            return _json(400, {"error": str(err)})
        return _json(200, result)

    def _lab_route(self, method: str, parts: list[str], body: bytes) -> Any:
        engine = self.engine
        match method, parts:
            case "GET", ["health"]:
                return {
                    "status": "ok",
                    "queues": len(engine.queues),
                    "uptime": time.time() - self.started,
                }
            case "GET", ["config"]:
                return shown(engine.config)
            case "GET", ["clock"]:
                return {"now": engine.now(), "offset": engine.offset}
            case "POST", ["clock", "advance"]:
                seconds = _json_body(body).get("seconds")
                if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                    raise ValueError('send {"seconds": N} with N a number of seconds ≥ 0')
                try:
                    seconds = float(seconds)
                except OverflowError:  # an integer of hundreds of digits: out of range
                    seconds = math.inf
                try:
                    offset = engine.advance(seconds)
                except SqsError as err:
                    raise ValueError(err.message) from None
                self.dispatcher.waiters.notify_all()
                return {"offset": offset, "now": engine.now()}
            case "POST", ["reset"]:
                engine.reset()
                self.dispatcher.waiters.notify_all()
                return {"status": "reset", "queues": sorted(engine.queues)}
            case "GET", ["queues"]:
                return {"queues": [engine.metrics(name) for name in sorted(engine.queues)]}
            case "GET", ["queues", name, "metrics"]:
                return engine.metrics(name)
            case "GET", ["queues", name, "events"]:
                return {"events": engine.events(name)}
        raise LookupError(parts)


def _is_query(request: Request) -> bool:
    """A request without X-Amz-Target that is form-encoded or names its Action in the URL."""
    content_type = request.headers.get("content-type", "")
    return (
        content_type.startswith("application/x-www-form-urlencoded")
        or "Action=" in request.query_string
    )


def _json_body(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body or b"{}")
    except (ValueError, RecursionError):  # RecursionError: nested thousands deep
        raise ValueError("the body must be JSON") from None
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object")
    return payload


def _json(status: int, payload: Any) -> Reply:
    return status, JSON, json.dumps(payload).encode()


def bind(host: str, port: int) -> socket.socket:
    """Bind the listening socket ourselves, so a taken port is one clear error (OSError)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


# Collect young objects after this many net allocations, not CPython's default 700. Every request
# allocates hundreds of short-lived objects (parsed JSON, replies), and stored messages survive
# into the older generations, so the default spent about a tenth of the service's time in the
# collector (measured with gc.callbacks while driving the dispatcher). A collection finds nothing
# to free on the hot paths but costs about 0.3-1 µs per young object it looks at; at 10,000 it
# still took ≈ 5 % of the time of a send + receive + delete cycle, at 50,000 ≈ 2.5 % (fewer of the
# short-lived objects are alive when it runs), with a young collection of some 10-40 ms every few
# seconds under full load. Cycles are still collected.
GC_YOUNG_THRESHOLD = 50_000


def tune_gc() -> None:
    """Leave what exists at start (botocore's SQS model, the restored queues) out of every later
    collection, and collect the young generation less often."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)


def serve(app: SqsApp, sock: socket.socket) -> None:
    """Serve on an already bound socket until SIGTERM or SIGINT; then close the engine."""
    tune_gc()
    try:
        try:
            import uvloop
        except ImportError:  # Windows
            asyncio.run(http_server.serve(app.handle, sock, MAX_BODY))
        else:
            uvloop.run(http_server.serve(app.handle, sock, MAX_BODY))
    finally:
        if app.journal is not None:
            app.journal.close()  # compacts: the next start only loads a snapshot
