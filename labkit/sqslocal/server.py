"""HTTP edge of the local SQS service: a raw ASGI app served by uvicorn (httptools + uvloop).

Why raw ASGI and not a framework: measured on the lab's 2-core machine, a do-nothing ASGI app on
uvicorn keeps up with boto3 itself (benchmarks/sqs_throughput.py), and every framework layer costs throughput on the hot path
(SendMessageBatch, ReceiveMessage, DeleteMessageBatch). The app only routes: AWS JSON requests (with
`X-Amz-Target`) go to `protocol.Dispatcher`, form-encoded query-protocol requests (`Action=…`) to the
same dispatcher through `query.py`, and a few lab-only endpoints live under `/_lab/` (see
docs/sqs-service.md).
"""

from __future__ import annotations

import json
import random
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from labkit.sqslocal.config import EngineConfig, shown
from labkit.sqslocal.engine import Engine
from labkit.sqslocal.errors import SqsError
from labkit.sqslocal.protocol import Dispatcher, error_reply
from labkit.sqslocal.query import error_reply as query_error_reply

__all__ = [
    "MAX_BODY",
    "SqsApp",
    "bind",
    "build_engine",
    "serve",
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
    """The ASGI application: one engine, one dispatcher, all in the event loop's thread."""

    def __init__(self, engine: Engine, journal: Journal | None = None) -> None:
        self.engine = engine
        self.journal = journal  # closed (compacted) on a clean shutdown
        self.dispatcher = Dispatcher(engine)
        self.dispatcher.warm_up()
        self.started = time.time()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body, too_big = await _read_body(receive)
        headers = dict(scope["headers"])
        path: str = scope["path"]
        target = headers.get(b"x-amz-target")
        if path.startswith("/_lab/"):
            status, out_headers, out = self.lab(scope["method"], path, body)
        elif target is None and _is_query(scope, headers):
            status, out_headers, out = await self.query(scope, headers, body, too_big)
        elif too_big:
            status, out_headers, out = error_reply(
                SqsError("BatchRequestTooLong", f"Request bodies are limited to {MAX_BODY} bytes.")
            )
        elif scope["method"] != "POST":
            status, out_headers, out = error_reply(
                SqsError(
                    "UnknownOperationException", "Send SQS requests as POST with X-Amz-Target."
                )
            )
        else:
            host = headers.get(b"host", b"127.0.0.1").decode("latin-1")
            trace = headers.get(b"x-amzn-trace-id", b"").decode("latin-1") or None
            status, out_headers, out = await self.dispatcher.handle(
                target.decode("latin-1") if target else None, body, host, trace
            )
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*out_headers, (b"content-length", str(len(out)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": out})

    async def query(
        self, scope: dict[str, Any], headers: dict[bytes, bytes], body: bytes, too_big: bool
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """A legacy query-protocol request: parameters from the URL and the form body."""
        if too_big:
            return query_error_reply(
                SqsError("BatchRequestTooLong", f"Request bodies are limited to {MAX_BODY} bytes.")
            )
        try:
            params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), True))
            params.update(parse_qsl(body.decode("utf-8"), True, errors="strict"))
        except (UnicodeDecodeError, ValueError):
            return query_error_reply(
                SqsError("MalformedQueryString", "The request is not valid form data.")
            )
        host = headers.get(b"host", b"127.0.0.1").decode("latin-1")
        trace = headers.get(b"x-amzn-trace-id", b"").decode("latin-1") or None
        return await self.dispatcher.handle_query(params, scope["path"], host, trace)

    # ----- /_lab/ -----------------------------------------------------------------------------
    def lab(
        self, method: str, path: str, body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
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
                    offset = engine.advance(float(seconds))
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


def _is_query(scope: dict[str, Any], headers: dict[bytes, bytes]) -> bool:
    """A request without X-Amz-Target that is form-encoded or names its Action in the URL."""
    content_type = headers.get(b"content-type", b"")
    return content_type.startswith(b"application/x-www-form-urlencoded") or b"Action=" in scope.get(
        "query_string", b""
    )


def _json_body(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        raise ValueError("the body must be JSON") from None
    if not isinstance(payload, dict):
        raise ValueError("the body must be a JSON object")
    return payload


def _json(status: int, payload: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    return status, JSON, json.dumps(payload).encode()


async def _read_body(receive: Any) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    too_big = False
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY:
            chunks.append(chunk)
        else:
            too_big = True
        if not message.get("more_body"):
            break
    return (b"" if too_big else b"".join(chunks)), too_big


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


def serve(app: SqsApp, sock: socket.socket) -> None:
    """Run uvicorn on an already bound socket until interrupted."""
    import uvicorn

    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:  # Windows
        loop = "asyncio"
    config = uvicorn.Config(
        app,
        loop=loop,
        http="httptools",
        lifespan="off",
        access_log=False,
        log_level="warning",
        timeout_keep_alive=75,
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        if app.journal is not None:
            app.journal.close()  # compacts: the next start only loads a snapshot
