"""HTTP/1.1 framing of the SQS service (labkit/sqslocal/http_server.py), over raw sockets.

boto3 exercises the common path in every other test here; these are the cases its clients rely on
that boto3 does not send: chunked bodies, `Expect: 100-continue` (the AWS CLI's and Java's large
requests), pipelining, HTTP/1.0, HEAD, malformed requests, a client leaving mid long poll, and a
prompt stop on SIGTERM.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

LIST = b'{"QueueNamePrefix": "csse"}'
TARGET = b"AmazonSQS.ListQueues"


def connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    return sock


def request(
    body: bytes = LIST,
    target: bytes = TARGET,
    extra: bytes = b"",
    method: bytes = b"POST",
    version: bytes = b"HTTP/1.1",
) -> bytes:
    return (
        method + b" / " + version + b"\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-amz-json-1.0\r\nX-Amz-Target: " + target + b"\r\n"
        + extra
        + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )  # fmt: skip


class Reader:
    """Reads whole HTTP responses (Content-Length framed) from one socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def head(self) -> tuple[int, dict[str, str]]:
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill():
                raise ConnectionError("closed before a response head")
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(status_line.split()[1]), headers

    def response(self, head_only: bool = False) -> tuple[int, dict[str, str], bytes]:
        status, headers = self.head()
        length = 0 if head_only else int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            if not self._fill():
                raise ConnectionError("closed inside a body")
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body

    def refused(self) -> bool:
        """The service answered 431 and closed — or reset the connection first: closing with
        part of a request unread sends a reset, which may overtake the 431."""
        try:
            status = self.response()[0]
        except (ConnectionResetError, BrokenPipeError, ConnectionError):
            return True
        return status == 431 and self.closed()

    def closed(self) -> bool:
        """True when the server closed the connection (after what was already read)."""
        self.sock.settimeout(5)
        try:
            return not self._fill()
        except ConnectionResetError:
            return True


def queues(body: bytes) -> list[str]:
    urls: list[str] = json.loads(body)["QueueUrls"]
    return urls


def test_keep_alive_serves_many_requests_on_one_connection(sqs_server: Any) -> None:
    with connect(sqs_server.url) as sock:
        reader = Reader(sock)
        for _ in range(3):
            sock.sendall(request())
            status, headers, body = reader.response()
            assert status == 200
            assert "connection" not in headers  # HTTP/1.1: open by default
            assert any(url.endswith("/csse6400_prac") for url in queues(body))


def test_pipelined_requests_are_answered_in_order(sqs_server: Any) -> None:
    bad = request(body=b"{not json")
    with connect(sqs_server.url) as sock:
        sock.sendall(request() + bad + request())
        reader = Reader(sock)
        statuses = [reader.response()[0] for _ in range(3)]
    assert statuses == [200, 400, 200]


def test_a_waiting_long_poll_holds_back_the_requests_pipelined_after_it(sqs_server: Any) -> None:
    """Requests that need not wait are answered at once; a long poll that waits runs as a task:
    the replies still come in request order, and none overtakes it."""
    name = f"pipeline-{time.monotonic_ns()}"
    url = json.dumps(f"{sqs_server.url}/000000000000/{name}")
    create = request(json.dumps({"QueueName": name}).encode(), b"AmazonSQS.CreateQueue")
    poll = request(
        f'{{"QueueUrl": {url}, "WaitTimeSeconds": 1}}'.encode(), b"AmazonSQS.ReceiveMessage"
    )
    send = request(f'{{"QueueUrl": {url}, "MessageBody": "m"}}'.encode(), b"AmazonSQS.SendMessage")
    with connect(sqs_server.url) as sock:
        sock.sendall(create + poll + send + request())
        reader = Reader(sock)
        replies = [reader.response() for _ in range(4)]
    assert [status for status, _, _ in replies] == [200, 200, 200, 200]
    assert json.loads(replies[1][2]) == {}  # the send after it had not run yet: nothing to get
    assert "MessageId" in json.loads(replies[2][2])
    assert queues(replies[3][2])


def test_chunked_request_body(sqs_server: Any) -> None:
    head = request(body=b"").split(b"Content-Length: 0\r\n")[0]
    chunked = head + b"Transfer-Encoding: chunked\r\n\r\n" + b"a\r\n" + LIST[:10] + b"\r\n"
    rest = LIST[10:]
    chunked += hex(len(rest))[2:].encode() + b"\r\n" + rest + b"\r\n0\r\n\r\n"
    with connect(sqs_server.url) as sock:
        sock.sendall(chunked)
        status, _, body = Reader(sock).response()
    assert status == 200
    assert queues(body)


@pytest.mark.parametrize(
    "expect",
    [b"Expect: 100-continue\r\n", b"Expect: 100-Continue\r\nExpect: 100-continue\r\n"],
    ids=["once", "twice"],
)
def test_expect_100_continue_gets_continue_before_the_body_is_sent(
    sqs_server: Any, expect: bytes
) -> None:
    whole = request(extra=expect)
    head, body = whole.split(b"\r\n\r\n", 1)
    with connect(sqs_server.url) as sock:
        sock.sendall(head + b"\r\n\r\n")
        reader = Reader(sock)
        status, _ = reader.head()
        assert status == 100
        sock.sendall(body)
        status, _, reply = reader.response()
    assert status == 200
    assert queues(reply)


def test_http_10_closes_unless_asked_to_keep_alive(sqs_server: Any) -> None:
    with connect(sqs_server.url) as sock:
        sock.sendall(request(version=b"HTTP/1.0"))
        reader = Reader(sock)
        status, headers, _ = reader.response()
        assert status == 200
        assert headers["connection"] == "close"
        assert reader.closed()
    with connect(sqs_server.url) as sock:
        sock.sendall(request(version=b"HTTP/1.0", extra=b"Connection: keep-alive\r\n"))
        reader = Reader(sock)
        assert reader.response()[1]["connection"] == "keep-alive"
        sock.sendall(request(version=b"HTTP/1.0", extra=b"Connection: keep-alive\r\n"))
        assert reader.response()[0] == 200


def test_connection_close_is_honoured(sqs_server: Any) -> None:
    with connect(sqs_server.url) as sock:
        sock.sendall(request(extra=b"Connection: close\r\n"))
        reader = Reader(sock)
        assert reader.response()[1]["connection"] == "close"
        assert reader.closed()


def test_head_has_no_body(sqs_server: Any) -> None:
    with connect(sqs_server.url) as sock:
        sock.sendall(b"HEAD /_lab/health HTTP/1.1\r\nHost: x\r\n\r\n" + request())
        reader = Reader(sock)
        _, headers, _ = reader.response(head_only=True)
        assert int(headers["content-length"]) > 0
        # the next response starts right after the head: no body was sent for HEAD
        assert reader.response()[0] == 200


def test_malformed_request_is_a_400_and_a_close(sqs_server: Any) -> None:
    with connect(sqs_server.url) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        reader = Reader(sock)
        assert reader.response()[0] == 400
        assert reader.closed()


def test_an_oversized_body_is_refused_with_the_aws_error(sqs_server: Any) -> None:
    from labkit.sqslocal.server import MAX_BODY

    body = b"x" * (MAX_BODY + 1)
    with connect(sqs_server.url) as sock:
        sock.sendall(request(body=body, target=b"AmazonSQS.SendMessage"))
        status, _, reply = Reader(sock).response()
    assert status == 400
    assert "BatchRequestTooLong" in json.loads(reply)["__type"]


def test_a_client_leaving_mid_long_poll_takes_no_message(sqs_server: Any, sqs: Any) -> None:
    url = sqs.get_queue_url(QueueName="csse6400_prac")["QueueUrl"]
    poll = json.dumps({"QueueUrl": url, "WaitTimeSeconds": 20}).encode()
    with connect(sqs_server.url) as sock:
        sock.sendall(request(body=poll, target=b"AmazonSQS.ReceiveMessage"))
        time.sleep(0.5)  # the receive is waiting now
    time.sleep(0.5)  # the service has seen the connection go
    sqs.send_message(QueueUrl=url, MessageBody="for whoever asks next")
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
    assert [m["Body"] for m in got] == ["for whoever asks next"]


def test_clients_leaving_their_long_polls_leave_no_poll_behind(sqs_server: Any, sqs: Any) -> None:
    # Ten clients give up their polls while messages arrive in the same instant. A poll whose
    # client left may take a message that came before the service saw it go (as on SQS), but
    # none may go on waiting and take the messages sent after.
    url = sqs.create_queue(QueueName="left-polls")["QueueUrl"]
    poll = json.dumps({"QueueUrl": url, "WaitTimeSeconds": 20, "MaxNumberOfMessages": 10})
    sends = b"".join(
        request(body=json.dumps({"QueueUrl": url, "MessageBody": f"early {i}"}).encode(),
                target=b"AmazonSQS.SendMessage")
        for i in range(2)
    )  # fmt: skip
    sender = connect(sqs_server.url)
    sockets = [connect(sqs_server.url) for _ in range(10)]
    for sock in sockets:
        sock.sendall(request(body=poll.encode(), target=b"AmazonSQS.ReceiveMessage"))
    time.sleep(0.5)  # all ten are waiting
    for sock in sockets:
        sock.close()
    sender.sendall(sends)  # pipelined, right behind the ten closes
    reader = Reader(sender)
    assert [reader.response()[0] for _ in range(2)] == [200, 200]
    sender.close()
    time.sleep(0.5)
    late = {f"late {i}" for i in range(8)}
    for body in sorted(late):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    got: set[str] = set()
    for _ in range(3):
        reply = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        got |= {m["Body"] for m in reply.get("Messages", [])}
    assert late <= got


def test_repeated_headers_are_taken_whole(sqs_server: Any) -> None:
    repeated = b"X-Repeated: some value\r\n" * 20_000
    with connect(sqs_server.url) as sock:
        sock.sendall(request(extra=repeated))
        status, _, body = Reader(sock).response()
    assert status == 200
    assert isinstance(queues(body), list)


def test_a_head_over_the_limit_is_a_431_and_a_close(sqs_server: Any) -> None:
    from labkit.sqslocal.http_server import MAX_HEAD

    with connect(sqs_server.url) as sock:
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            sock.sendall(request(extra=b"X-Big: " + b"v" * (MAX_HEAD + 1) + b"\r\n"))
        assert Reader(sock).refused()
    with connect(sqs_server.url) as sock:  # and the service goes on
        sock.sendall(request())
        assert Reader(sock).response()[0] == 200


def test_nothing_pipelined_behind_a_head_over_the_limit_is_run(sqs_server: Any, sqs: Any) -> None:
    from labkit.sqslocal.http_server import MAX_HEAD

    url = sqs.create_queue(QueueName="behind-big-head")["QueueUrl"]
    send = json.dumps({"QueueUrl": url, "MessageBody": "not run"}).encode()
    big = request(extra=b"X-Big: " + b"v" * (MAX_HEAD + 10) + b"\r\n")
    with connect(sqs_server.url) as sock:
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            sock.sendall(big[:-2000])
            sock.sendall(big[-2000:] + request(body=send, target=b"AmazonSQS.SendMessage"))
        assert Reader(sock).refused()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)


def test_trailers_over_the_limit_are_a_431(sqs_server: Any) -> None:
    from labkit.sqslocal.http_server import MAX_HEAD

    head = request(extra=b"Transfer-Encoding: chunked\r\n").split(b"Content-Length")[0]
    trailer = b"X-T: " + b"v" * 1000 + b"\r\n"
    body = b"%x\r\n%s\r\n0\r\n" % (len(LIST), LIST)
    with connect(sqs_server.url) as sock:
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            sock.sendall(head + b"\r\n" + body)
            for _ in range(MAX_HEAD // 1000 + 10):  # each counts its name and value: 1,003 bytes
                sock.sendall(trailer)
            sock.sendall(b"\r\n")
        assert Reader(sock).refused()


def test_a_client_that_reads_no_reply_stops_being_served(sqs_server: Any, sqs: Any) -> None:
    # Fifty receives pipelined by a client that never reads: the service answers until the
    # unread replies pile up, then reads no further (its memory must not hold fifty replies).
    url = sqs.create_queue(QueueName="unread-replies")["QueueUrl"]
    for _ in range(3):
        sqs.send_message(QueueUrl=url, MessageBody="x" * 200_000)
    receive = json.dumps({"QueueUrl": url, "MaxNumberOfMessages": 10, "VisibilityTimeout": 0})
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    parts = urlsplit(sqs_server.url)
    sock.connect((parts.hostname, parts.port))
    with sock:
        sock.sendall(request(body=receive.encode(), target=b"AmazonSQS.ReceiveMessage") * 50)
        time.sleep(1.0)
        received = sqs_server.lab("GET", "queues/unread-replies/metrics")["totals"]["received"]
    assert 0 < received < 3 * 50 // 2


def test_a_request_sent_whole_is_carried_out_when_its_client_closes_at_once(
    sqs_server: Any, sqs: Any
) -> None:
    url = sqs.get_queue_url(QueueName="csse6400_prac")["QueueUrl"]
    send = json.dumps({"QueueUrl": url, "MessageBody": "sent and gone"}).encode()
    with connect(sqs_server.url) as sock:
        sock.sendall(request(body=send, target=b"AmazonSQS.SendMessage"))
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5).get("Messages", [])
    assert [m["Body"] for m in got] == ["sent and gone"]


def test_sigterm_stops_the_service_promptly_during_a_long_poll(start_sqs_server: Any) -> None:
    server = start_sqs_server()
    poll = json.dumps({"QueueUrl": f"{server.url}/000000000000/csse6400_prac",
                       "WaitTimeSeconds": 20}).encode()  # fmt: skip
    with connect(server.url) as sock:
        sock.sendall(request(body=poll, target=b"AmazonSQS.ReceiveMessage"))
        time.sleep(0.5)
        started = time.monotonic()
        server.process.terminate()
        server.process.wait(timeout=10)
        assert time.monotonic() - started < 5
        assert server.process.returncode == 0
        assert Reader(sock).closed()


@pytest.mark.parametrize("path", ["/000000000000/csse6400_prac", "/000000000000/csse6400%5Fprac"])
def test_query_protocol_to_a_percent_encoded_queue_path(sqs_server: Any, path: str) -> None:
    body = b"Action=GetQueueAttributes&AttributeName.1=QueueArn&Version=2012-11-05"
    with connect(sqs_server.url) as sock:
        sock.sendall(
            b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        status, _, reply = Reader(sock).response()
    assert status == 200
    assert b"arn:aws:sqs:us-east-1:000000000000:csse6400_prac" in reply
