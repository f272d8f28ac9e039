"""The SQS service's HTTP/1.1 server: an asyncio protocol on httptools, one write per reply.

Why by hand: one boto3 client waits for every reply before it sends its next call, so whatever a
server adds to each request's latency comes straight off the client's rate, and issue 13 allows the
service 15 % of a do-nothing endpoint's rate in total. Measured on the lab machine (raw
`http.client`, a SendMessageBatch body, medians; benchmarks/README.md), a bare asyncio protocol
answering with canned replies took about 540 µs a request, the same replies as an ASGI app on
uvicorn (httptools, uvloop) about 750–850 µs, and as an RSGI or ASGI app on granian (Rust) about
760–830 µs: either server alone used up the budget before the service did any work. What they
spend it on is generality this service does not need: ASGI message dicts and header lists, a task
and two writes per reply (uvicorn); two thread hand-offs per request between Rust's I/O thread and
the Python loop (granian). httptools (the parser uvicorn uses) does the parsing here; this module
only frames requests and replies.

What it gets right, as boto3, the AWS CLI, older SDKs (query protocol) and kombu need: keep-alive
(HTTP/1.1 by default, HTTP/1.0 when asked), bodies by Content-Length or chunked (decoded by
httptools), `Expect: 100-continue`, pipelined requests answered in order, HEAD without a body, a
malformed request answered 400 and closed, a head (or trailer) over `MAX_HEAD` answered 431 and
closed, bodies over the limit flagged for the handler (which answers with the AWS error) and not
kept, a client that pipelines requests but reads no reply (no further request is read or run until
it does), a client that leaves during a long poll (its wait is cancelled: no message is taken for
nobody), idle connections closed after `IDLE_TIMEOUT`, and a
stop on SIGTERM/SIGINT that answers what is running, cancels long polls after `STOP_GRACE` and
closes every connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import unquote

import httptools

logger = logging.getLogger("labkit.sqslocal.http")

#: A reply: status, headers (lower-case names, as bytes) and body; Content-Length is added here.
Reply = tuple[int, list[tuple[bytes, bytes]], bytes]

IDLE_TIMEOUT = 75.0  # seconds a keep-alive connection may wait for its next request
STOP_GRACE = 1.0  # on stop: how long running requests get before long polls are cancelled
MAX_PENDING = 16  # pipelined requests queued per connection before reading pauses
# Request target and headers together (and a chunked body's trailers). An SDK sends a few KB;
# httptools itself refuses a target of 64 KiB or more (400), so a query-protocol GET carries at
# most that: bigger requests are POSTed forms. Past this: 431, then close.
MAX_HEAD = 1024 * 1024

_STATUS_LINES = {
    int(status): f"HTTP/1.1 {int(status)} {status.phrase}\r\n".encode() for status in HTTPStatus
}
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


@dataclass(slots=True)
class Request:
    """One parsed request. `headers` maps lower-case names to values (repeats joined by ', ')."""

    method: str
    path: str  # percent-decoded
    query_string: str
    headers: dict[str, str]
    body: bytes
    too_big: bool  # the body was over the limit and was dropped
    keep_alive: bool
    http_10: bool


# A handler answers at once (a reply) or later (an awaitable of one: run as a task). Answering at
# once needs no task and no turns of the event loop between request and reply.
Handler = Callable[[Request], Reply | Awaitable[Reply]]


class Connection(asyncio.Protocol):
    """One client connection: parses requests as they arrive and answers them one at a time."""

    def __init__(self, handler: Handler, max_body: int, live: set[Connection]) -> None:
        self.handler = handler
        self.max_body = max_body
        self.live = live
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.running: asyncio.Future[Reply] | None = None
        self.running_begun = False  # its first step has run (a long poll: it is waiting)
        self.current: Request | None = None
        self.pending: deque[Request] = deque()
        self.last_active = time.monotonic()
        self.paused = False  # reading paused: see `_pace_reading`
        self.write_paused = False  # the client is not taking its replies (flow control)
        self.continue_owed = False
        # the request being parsed
        self._in_head = False  # its request line and headers are still arriving
        self._head_size = 0  # bytes of its target and headers, as the parser hands them over
        self._head_fed = 0  # bytes fed while the head was incomplete (what the parser holds)
        # a head (or a chunked body's trailer) went over MAX_HEAD: the connection is refused
        # once the parser returns, and nothing parsed from it from then on is run
        self._refusing = False
        self._url: list[bytes] = []  # the request target, as it arrives (maybe in pieces)
        self._headers: dict[str, str] = {}
        self._repeated: dict[str, list[str]] = {}  # a header's values beyond its first
        self._chunks: list[bytes] = []
        self._size = 0
        self._too_big = False

    # ----- asyncio.Protocol -------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a stream server's transport
        self.live.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.live.discard(self)
        self.transport = None
        self.pending.clear()
        if self.running is not None:
            # A long poll whose client gave up stops waiting, so no message is taken for nobody:
            # cancelled at once if it is waiting already (also when a message arrived in this
            # same turn of the loop and its wake-up is due: the cancel wins). One not yet begun
            # is cancelled on the next turn, after its first step (scheduled before this) has
            # run: a request that was sent whole is carried out even if its client closed at
            # once, as a client that timed out must assume it may have been.
            if self.running_begun:
                self.running.cancel()
            else:
                asyncio.get_running_loop().call_soon(self.running.cancel)

    def data_received(self, data: bytes) -> None:
        self.last_active = time.monotonic()
        in_head = self._in_head
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._refuse(b"Upgrades are not supported.")
            return
        except httptools.HttpParserError:
            self._refuse(b"Malformed HTTP request.")
            return
        if in_head and self._in_head:  # all of `data` was head, held by the parser so far
            self._head_fed += len(data)
        if self._refusing or self._head_fed > MAX_HEAD:
            self._refuse(b"Request header fields too large.", 431)

    # ----- httptools callbacks ----------------------------------------------------------------
    def on_message_begin(self) -> None:
        self._in_head = True
        self._head_size = self._head_fed = 0
        self._url = []
        self._headers = {}
        self._repeated = {}
        self._chunks = []
        self._size = 0
        self._too_big = False

    def on_url(self, url: bytes) -> None:
        self._url.append(url)
        self._count_head(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        self._count_head(len(name) + len(value))  # trailers count too: they come here as well
        if key in self._headers:  # joined once all have come: linear in their number
            self._repeated.setdefault(key, []).append(text)
        else:
            self._headers[key] = text

    def _count_head(self, size: int) -> None:
        self._head_size += size
        if self._head_size > MAX_HEAD:
            self._refusing = True

    def on_headers_complete(self) -> None:
        self._in_head = False
        if self._refusing:
            return
        for key, more in self._repeated.items():
            self._headers[key] = ", ".join([self._headers[key], *more])
        length = self._headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            self._too_big = True
        if (
            "100-continue" in self._headers.get("expect", "").lower().replace(" ", "").split(",")
            and self.parser.get_http_version() == "1.1"
        ):
            # the client waits for this before it sends the body; after any reply still owed
            if self.running is None and not self.pending:
                self._write(_CONTINUE)
            else:
                self.continue_owed = True

    def on_body(self, chunk: bytes) -> None:
        if self._too_big or self._refusing:
            return
        self._size += len(chunk)
        if self._size > self.max_body:
            self._too_big = True
            self._chunks = []
        else:
            self._chunks.append(chunk)

    def on_message_complete(self) -> None:
        if self._refusing:  # this request, and any pipelined behind it, is not run
            return
        url = httptools.parse_url(b"".join(self._url))
        request = Request(
            method=self.parser.get_method().decode("ascii"),
            path=unquote(url.path.decode("latin-1")),
            query_string=(url.query or b"").decode("latin-1"),
            headers=self._headers,
            body=b"".join(self._chunks),
            too_big=self._too_big,
            keep_alive=self.parser.should_keep_alive(),
            http_10=self.parser.get_http_version() == "1.0",
        )
        if self.running is None and not self.pending and not self.write_paused:
            self._start(request)
        else:
            self.pending.append(request)
            self._pace_reading()

    # ----- answering --------------------------------------------------------------------------
    def _start(self, request: Request) -> None:
        if self.transport is None or self.transport.is_closing():
            return  # closed while a pipelined request was parsed: nobody to answer
        try:
            outcome = self.handler(request)
        except Exception as exc:  # the handler answers its own errors: a bug
            outcome = _internal_error(request, exc)
        if isinstance(outcome, tuple):
            self._answer(request, outcome)
            return
        self.current = request
        self.running = asyncio.ensure_future(outcome)
        self.running.add_done_callback(self._finished)
        self.running_begun = False
        # the task's first step was scheduled as it was made: this runs right after that step
        asyncio.get_running_loop().call_soon(self._begun, self.running)

    def _begun(self, task: asyncio.Future[Reply]) -> None:
        if task is self.running:
            self.running_begun = True

    def _finished(self, task: asyncio.Future[Reply]) -> None:
        request = self.current
        self.running = self.current = None
        if task.cancelled() or self.transport is None or request is None:
            return
        exc = task.exception()
        if exc is not None:
            self._answer(request, _internal_error(request, exc))
        else:
            self._answer(request, task.result())

    def _answer(self, request: Request, reply: Reply) -> None:
        """Send a reply, then go on with the connection's next request (if any)."""
        if self.transport is None:
            return
        status, headers, body = reply
        self._reply(request, status, headers, body)
        self.last_active = time.monotonic()
        if not request.keep_alive:
            self.transport.close()
            return
        if self.continue_owed:
            self.continue_owed = False
            self._write(_CONTINUE)
        self._next()

    def _next(self) -> None:
        """Start the next pipelined request, unless the client is not reading its replies."""
        if self.pending and self.running is None and not self.write_paused:
            self._start(self.pending.popleft())
        self._pace_reading()

    def _pace_reading(self) -> None:
        """Read on only while few requests wait and the client takes its replies: a client
        that pipelines requests and reads no reply must not fill the service's memory."""
        if self.transport is None or self.transport.is_closing():
            return
        hold = len(self.pending) >= MAX_PENDING or self.write_paused
        if hold and not self.paused:
            self.transport.pause_reading()
            self.paused = True
        elif not hold and self.paused:
            self.transport.resume_reading()
            self.paused = False

    # ----- flow control (called by the transport) ---------------------------------------------
    def pause_writing(self) -> None:
        """Replies are piling up unread (over the transport's high-water mark)."""
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        self._next()

    def _reply(
        self, request: Request, status: int, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> None:
        parts = [_STATUS_LINES.get(status) or f"HTTP/1.1 {status} Unknown\r\n".encode()]
        for name, value in headers:
            parts += (name, b": ", value, b"\r\n")
        parts.append(b"content-length: %d\r\n" % len(body))
        if not request.keep_alive:
            parts.append(b"connection: close\r\n")
        elif request.http_10:
            parts.append(b"connection: keep-alive\r\n")
        parts.append(b"\r\n")
        if request.method != "HEAD":
            parts.append(body)
        self._write(b"".join(parts))

    def _write(self, data: bytes) -> None:
        if self.transport is not None:
            self.transport.write(data)

    def _refuse(self, message: bytes, status: int = 400) -> None:
        """A request httptools cannot parse (or too big to): 400 or `status`, then close (the
        stream cannot be trusted)."""
        if self.transport is None:
            return
        if self.running is None and not self.pending:
            self._write(
                _STATUS_LINES[status]
                + b"content-type: text/plain\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
                % len(message)
                + message
            )
        self.transport.close()

    def idle_for(self, now: float) -> float:
        """Seconds since this connection last did anything; 0 while a request runs."""
        return 0.0 if self.running is not None or self.pending else now - self.last_active

    def stop(self) -> None:
        """Close now, cancelling what runs (connection_lost cancels the request's task)."""
        if self.transport is not None:
            self.transport.close()


def _internal_error(request: Request, exc: BaseException) -> Reply:
    """A handler raised (it answers its own errors: this is a bug in it)."""
    logger.error("unhandled error answering %s %s", request.method, request.path, exc_info=exc)
    return 500, [(b"content-type", b"text/plain")], b"Internal error"


async def serve(
    handler: Handler, sock: socket.socket, max_body: int, stop_signals: bool = True
) -> None:
    """Serve on an already bound, listening socket until SIGTERM/SIGINT (or cancellation)."""
    loop = asyncio.get_running_loop()
    live: set[Connection] = set()
    server = await loop.create_server(lambda: Connection(handler, max_body, live), sock=sock)
    stopping = asyncio.Event()
    if stop_signals:
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C interrupts instead
                loop.add_signal_handler(signum, stopping.set)
    sweeper = loop.create_task(_close_idle(live))
    try:
        await stopping.wait()
    finally:
        sweeper.cancel()
        server.close()
        for connection in [c for c in live if c.running is None]:  # idle: nothing to answer
            connection.stop()
        deadline = loop.time() + STOP_GRACE
        while any(c.running for c in live) and loop.time() < deadline:
            await asyncio.sleep(0.02)
        for connection in list(live):
            connection.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        await server.wait_closed()


async def _close_idle(live: set[Connection]) -> None:
    """Close keep-alive connections that waited `IDLE_TIMEOUT` for a next request."""
    while True:
        await asyncio.sleep(IDLE_TIMEOUT / 5)
        now = time.monotonic()
        for connection in [c for c in live if c.idle_for(now) > IDLE_TIMEOUT]:
            connection.stop()
