"""The course's queue demo as functions: publish numbered messages, receive and delete them.

The CLI (`labkit queue`) and the notebooks share these, so what a student sees in a terminal and
in a notebook comes from the same code. Functions take a boto3 SQS client and a queue URL and
return plain records; they print nothing (progress goes through an optional callback).

The same messages as the course's container: bodies `f"{prepend}Message {i}"`, a `client`
String message attribute, `MessageGroupId` on `.fifo` queues and no explicit de-duplication id
(the FIFO queue de-duplicates on content). SendMessageBatch carries ten of these per call; each
entry is still one message with exactly the attributes a single SendMessage would give it, and
SQS keeps the entries' order within a FIFO group.
"""

from __future__ import annotations

import math
import re
import string
import time
from collections.abc import Callable, Generator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from labkit.aws import queue_name

BATCH = 10  # SQS's maximum entries per batch and messages per receive
_GROUP_PUNCTUATION = frozenset(string.punctuation)
MAX_WAIT = 20  # SQS's longest long poll
NO_CLIENT = "<no client>"
_NUMBER = re.compile(r"Message (\d+)\s*$")


def is_fifo(queue: str) -> bool:
    """A FIFO queue's name (and so its URL) ends in `.fifo`."""
    return queue_name(queue).endswith(".fifo")


def message_body(index: int, prepend: str = "") -> str:
    return f"{prepend}Message {index}"


def parse_number(body: str) -> int | None:
    """The demo number in a body (`A-Message 7` → 7); None for bodies the demo did not write."""
    match = _NUMBER.search(body)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Sent:
    """One message the publisher sent (or failed to send: `error` says why)."""

    index: int
    body: str
    message_id: str | None
    sequence_number: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Received:
    """One delivery: a message that reached this receiver (a duplicate delivery is a second record)."""

    position: int  # 0-based order of arrival in this run
    body: str
    number: int | None  # parsed from the body
    client: str | None  # the `client` message attribute, None when the message has none
    message_id: str
    receive_count: int  # ApproximateReceiveCount: >1 means SQS delivered it before
    sequence_number: str | None
    group_id: str | None
    received_at: datetime  # when this receiver got it (UTC)

    def line(self) -> str:
        """The course's output format: `HH:MM:SS CLIENT: BODY` (local time)."""
        stamp = self.received_at.astimezone().strftime("%H:%M:%S")
        return f"{stamp} {self.client or NO_CLIENT}: {self.body}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["received_at"] = self.received_at.isoformat()
        return data


def fifo_group_id(client_name: str) -> str:
    """A valid MessageGroupId for a client name: AWS allows no spaces ("Client 1" → "Client-1").

    Group ids take alphanumerics and ASCII punctuation only, at most 128 characters.
    """
    cleaned = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in _GROUP_PUNCTUATION) else "-"
        for ch in client_name
    )
    return cleaned[:128] or "publisher"


def _entry(
    index: int, body: str, client_name: str, group_id: str | None, fifo: bool
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Id": str(index),
        "MessageBody": body,
        "MessageAttributes": {"client": {"DataType": "String", "StringValue": client_name}},
    }
    if fifo:
        entry["MessageGroupId"] = group_id or fifo_group_id(client_name)
    return entry


def publish(
    client: Any,
    queue_url: str,
    n: int = 100,
    *,
    client_name: str = "publisher",
    prepend: str = "",
    start: int = 0,
    group_id: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> list[Sent]:
    """Send `n` demo messages (`Message start` … `Message start+n-1`), ten per batch call.

    On a FIFO queue every message goes to group `group_id` (default: the client name, made a valid group id), so one
    publisher's messages keep their order. Failed entries come back with `error` set rather than
    raising, so a caller can report them; `on_progress(k)` is called after each batch of k.
    """
    fifo = is_fifo(queue_url)
    results: list[Sent] = []
    for first in range(start, start + n, BATCH):
        indices = range(first, min(first + BATCH, start + n))
        bodies = {i: message_body(i, prepend) for i in indices}
        reply = client.send_message_batch(
            QueueUrl=queue_url,
            Entries=[_entry(i, bodies[i], client_name, group_id, fifo) for i in indices],
        )
        ok = {int(e["Id"]): e for e in reply.get("Successful", [])}
        failed = {int(e["Id"]): e for e in reply.get("Failed", [])}
        for i in indices:
            if i in ok:
                results.append(Sent(i, bodies[i], ok[i]["MessageId"], ok[i].get("SequenceNumber")))
            else:
                why = failed.get(i, {})
                error = f"{why.get('Code', 'Unknown')}: {why.get('Message', 'no reply for entry')}"
                results.append(Sent(i, bodies[i], None, error=error))
        if on_progress is not None:
            on_progress(len(indices))
    return results


def _record(message: dict[str, Any], position: int, now: datetime) -> Received:
    attrs = message.get("Attributes", {})
    client_attr = message.get("MessageAttributes", {}).get("client", {})
    body = message.get("Body", "")
    return Received(
        position=position,
        body=body,
        number=parse_number(body),
        client=client_attr.get("StringValue"),
        message_id=message["MessageId"],
        receive_count=int(attrs.get("ApproximateReceiveCount", 1)),
        sequence_number=attrs.get("SequenceNumber"),
        group_id=attrs.get("MessageGroupId"),
        received_at=now,
    )


def iter_receive(
    client: Any,
    queue_url: str,
    *,
    count: int | None = None,
    timeout: float | None = None,
    wait_seconds: int = MAX_WAIT,
    delete: bool = True,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Generator[Received, None, None]:
    """Long-poll the queue (ten per call) and yield each delivery, deleting it once yielded.

    Stops after `count` deliveries, or once `timeout` seconds pass without a message
    (None: never — the CLI's Ctrl-C). Messages are deleted after the caller has handled
    them, like the course's subscriber; stopping mid-batch still deletes what was handed out
    and leaves the rest to reappear after their visibility timeout.
    """
    position = 0
    polled = False  # `timeout=0` still polls once (a short poll)
    last_message = clock()
    while count is None or position < count:
        wait = wait_seconds
        if timeout is not None:
            remaining = timeout - (clock() - last_message)
            if remaining <= 0 and polled:
                return
            wait = min(wait, max(0, math.ceil(remaining)))
        polled = True
        want = BATCH if count is None else min(BATCH, count - position)
        reply = client.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=want,
            WaitTimeSeconds=wait,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
        )
        messages = reply.get("Messages", [])
        if not messages:
            continue
        last_message = clock()
        handed: list[dict[str, Any]] = []
        try:
            for message in messages:
                record = _record(message, position, now())
                handed.append(message)
                position += 1
                yield record
        finally:
            if delete and handed:
                client.delete_message_batch(
                    QueueUrl=queue_url,
                    Entries=[
                        {"Id": str(k), "ReceiptHandle": m["ReceiptHandle"]}
                        for k, m in enumerate(handed)
                    ],
                )


def receive_all(
    client: Any,
    queue_url: str,
    expect: int | None = 100,
    *,
    timeout: float = 5.0,
    delete: bool = True,
) -> list[Received]:
    """Receive until `expect` deliveries arrived or `timeout` seconds pass without one.

    For notebooks: the list keeps arrival order (`position`), duplicates included, ready for
    `labkit.analysis.summarize`.
    """
    return list(iter_receive(client, queue_url, count=expect, timeout=timeout, delete=delete))
