"""One stored message and its life cycle states; shared by the standard and FIFO stores.

Stored compactly, because a queue may hold a million of them (benchmarks/sqs_memory.py): a message
at rest is one small slotted object plus one `bytes` record packing its id (16 raw bytes), the MD5
of its body (16 raw bytes, computed once at send), its send time (a double) and its body as UTF-8
(the form whose size and MD5 SQS defines). Message attributes live in an `Attributes` object
shared by every message sent with the same attributes (their MD5s and size computed once), and
what only a received, delayed, FIFO or dead-lettered message needs (receipts, receive times,
arrival order, group and de-duplication ids) lives in an `Extra` object made on first use. The
usual fields are properties that read those parts, so the engine reads as if they were plain.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = [
    "DELAYED",
    "GONE",
    "HEAD",
    "INFLIGHT",
    "VISIBLE",
    "Attributes",
    "Extra",
    "Message",
    "body_of",
    "format_id",
    "md5_body_of",
    "pack",
    "sent_at_of",
]


DELAYED, VISIBLE, INFLIGHT, GONE = range(4)

_ID, _MD5, _SENT = slice(0, 16), slice(16, 32), 32
HEAD = 40  # bytes before the body in `Message.data`
_TIME = struct.Struct("<d")
_NO_ATTRIBUTES: Any = MappingProxyType({})  # shared and read-only: a message without attributes


def pack(message_id: bytes, md5_body: bytes, sent_at: float, body: bytes) -> bytes:
    """A message's record: id, body MD5 (raw digests), send time and UTF-8 body, in one object."""
    return b"".join((message_id, md5_body, _TIME.pack(sent_at), body))


def body_of(data: bytes) -> str:
    """The body in a message's record, as text."""
    return data[HEAD:].decode("utf-8", "surrogatepass")


def md5_body_of(data: bytes) -> str:
    """The body's MD5 in a message's record, as hex text."""
    return data[_MD5].hex()


def sent_at_of(data: bytes) -> float:
    """The send time in a message's record."""
    sent: float = _TIME.unpack_from(data, _SENT)[0]
    return sent


def format_id(raw: bytes) -> str:
    """A 16-byte message id as the UUID text SQS shows."""
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass(slots=True, frozen=True, eq=False)
class Attributes:
    """Message (and system) attributes of a message as sent, with their MD5s and size in bytes.

    One object is shared by all messages sent with equal attributes (see `engine._attributes`)."""

    message: dict[str, dict[str, Any]]
    system: dict[str, dict[str, Any]]
    md5_message: str | None
    md5_system: str | None
    size: int  # bytes counted towards MaximumMessageSize (the message attributes')


@dataclass(slots=True, eq=False)
class Extra:
    """What a message needs once it has been received, delayed, or sent to a FIFO queue or DLQ."""

    receive_count: int = 0
    first_receive_at: float | None = None
    received_at: float = 0.0  # the latest receive: the 12-hour visibility cap counts from it
    order: int = -1  # arrival order on its standard-queue host (set when it first leaves it)
    receipts: list[str] = field(default_factory=list)
    group_id: str | None = None
    dedup_id: str | None = None
    sequence: int | None = None
    dlq_source_arn: str | None = None


class PackedRecord:
    """What a packed record (`data`, see `pack`) says, for each holder of one: the stored message
    and the reply view of a received message read it the same way."""

    __slots__ = ()
    data: bytes

    @property
    def body(self) -> str:
        return body_of(self.data)

    @property
    def md5_body(self) -> str:
        return md5_body_of(self.data)

    @property
    def sent_at(self) -> float:
        return sent_at_of(self.data)


@dataclass(slots=True, eq=False)
class Message(PackedRecord):
    """A message copy. Standard queues may hold two copies with one MessageId (a duplicate)."""

    data: bytes  # see `pack`; shared by a message's copies (a duplicate, a dead-lettered copy)
    attrs: Attributes | None = None
    state: int = DELAYED
    host: int = 0
    version: int = 0  # bumped on each change of its timer, so stale timer entries are skipped
    extra: Extra | None = None

    def more(self) -> Extra:
        """The message's `Extra`, made on first use."""
        extra = self.extra
        if extra is None:
            extra = self.extra = Extra()
        return extra

    # ----- the packed record ----------------------------------------------------------------
    @property
    def message_id(self) -> str:
        return format_id(self.data[_ID])

    @property
    def size(self) -> int:
        return len(self.data) - HEAD + (self.attrs.size if self.attrs is not None else 0)

    # ----- attributes -----------------------------------------------------------------------
    @property
    def attributes(self) -> dict[str, dict[str, Any]]:
        return self.attrs.message if self.attrs is not None else _NO_ATTRIBUTES

    @property
    def system_attributes(self) -> dict[str, dict[str, Any]]:
        return self.attrs.system if self.attrs is not None else _NO_ATTRIBUTES

    @property
    def md5_attributes(self) -> str | None:
        return self.attrs.md5_message if self.attrs is not None else None

    @property
    def md5_system(self) -> str | None:
        return self.attrs.md5_system if self.attrs is not None else None

    # ----- extras (read without making one) -------------------------------------------------
    @property
    def receive_count(self) -> int:
        return self.extra.receive_count if self.extra is not None else 0

    @property
    def first_receive_at(self) -> float | None:
        return self.extra.first_receive_at if self.extra is not None else None

    @property
    def received_at(self) -> float:
        return self.extra.received_at if self.extra is not None else 0.0

    @property
    def order(self) -> int:
        return self.extra.order if self.extra is not None else -1

    @property
    def receipts(self) -> list[str]:
        return self.extra.receipts if self.extra is not None else []

    @property
    def group_id(self) -> str | None:
        return self.extra.group_id if self.extra is not None else None

    @property
    def dedup_id(self) -> str | None:
        return self.extra.dedup_id if self.extra is not None else None

    @property
    def sequence(self) -> int | None:
        return self.extra.sequence if self.extra is not None else None

    @property
    def dlq_source_arn(self) -> str | None:
        return self.extra.dlq_source_arn if self.extra is not None else None

    def copy(self, data: bytes | None = None) -> Message:
        """A new copy (not yet stored): same record (or `data`), attributes, ids and receive
        count; its own state, receipts and place on a host."""
        extra = self.extra
        twin = Message(self.data if data is None else data, self.attrs)
        if extra is not None:
            twin.extra = Extra(
                receive_count=extra.receive_count,
                first_receive_at=extra.first_receive_at,
                group_id=extra.group_id,
                dedup_id=extra.dedup_id,
                sequence=extra.sequence,
                dlq_source_arn=extra.dlq_source_arn,
            )
        return twin
