"""The one interface through which the engine keeps a queue's messages, whatever the queue's kind.

A queue's store is chosen once, when the queue is created (`StandardStore` for a standard queue,
`FifoStore` for a `.fifo` one, as ElasticMQ picks its `MessageQueue` implementation); from then on
the engine only calls the methods below and never asks which kind it holds. What differs between
the kinds lives in the stores: how visible messages are indexed and chosen, which send parameters
are required or refused, FIFO de-duplication and receive-attempt windows, message groups that an
in-flight message holds back, and the duplicate deliveries of the standard teaching model.

The engine keeps what both kinds share: timers, retention, receipt handles, counts, metrics.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Protocol

from labkit.sqslocal.message import Message

__all__ = ["Admission", "Delivered", "Store"]

Delivered = list[tuple[Message, str]]  # messages of one receive with the receipt handle each got


@dataclass(frozen=True, slots=True)
class Admission:
    """A send the store accepted, before the message exists: what the store needs to stamp it."""

    delay: int | None  # the message's own delay; None: the queue's DelaySeconds applies
    group_id: str | None = None
    dedup_id: str | None = None
    dedup_key: str | None = None
    # (message id, sequence number) of the message this send repeats within the de-duplication
    # window: accepted, not enqueued, and answered as if the first message were sent again
    duplicate_of: tuple[str, str | None] | None = None


class Store(Protocol):
    """Visible messages of one queue and the rules of its kind. Messages enter through `add`
    (new), `became_visible` (a timer ran out) or `adopt` + `add` (dead-lettered or redriven)."""

    kind: ClassVar[
        str
    ]  # "standard" or "fifo": a dead-letter queue and its source must be of one kind
    max_inflight: ClassVar[int]  # received-but-not-deleted messages the queue may hold
    over_limit_is_an_error: ClassVar[
        bool
    ]  # at `max_inflight` a receive is refused (OverLimit), or answered with no messages
    implied_attributes: ClassVar[Mapping[str, str]]  # shown by GetQueueAttributes, never stored
    one_sample_per_receive: ClassVar[
        bool
    ]  # a receive asks the store once (short polls may come back short)

    defaults: ClassVar[
        Mapping[str, str]
    ]  # attribute defaults of this kind, beyond those all queues share

    def check_attributes(self, attributes: Mapping[str, str]) -> None:
        """Refuse a combination of queue attributes this kind does not allow."""

    def admit(
        self,
        attributes: Mapping[str, str],
        body: bytes,
        delay_seconds: int | None,
        group_id: str | None,
        dedup_id: str | None,
        now: float,
    ) -> Admission:
        """Check a send's kind-specific parameters (raising the SQS error a client would see)."""
        ...

    def stamp(
        self, msg: Message, admission: Admission, now: float, rng: random.Random
    ) -> str | None:
        """Give a new, admitted message what its kind keeps; returns its sequence number, if any."""
        ...

    def adopt(self, msg: Message, rng: random.Random) -> None:
        """Prepare a message that arrives from another queue (dead-lettered or redriven)."""

    def dead_letter_enqueued_at(self, msg: Message, now: float) -> float:
        """When a message dead-lettered into this queue counts as enqueued (its retention start)."""
        ...

    def add(self, msg: Message) -> None:
        """A new message joins the queue (visible, or delayed: then `became_visible` follows)."""

    def became_visible(self, msg: Message) -> None:
        """A delayed or in-flight message is visible again."""

    def hidden(self, msg: Message) -> None:
        """A visible message was put back in flight (its visibility timeout was changed)."""

    def removed(self, msg: Message, was_visible: bool) -> bool:
        """A message left for good; True when that makes other messages receivable (wake polls)."""
        ...

    def take(self, n: int, long_poll: bool) -> list[Message]:
        """Up to n visible messages to deliver, removed from the visible index."""
        ...

    def left_behind(self, msg: Message, duplicate_rate: float) -> Message | None:
        """A copy of a just-received message to deliver again later (at-least-once), or None."""
        ...

    def check_receipt(self, msg: Message, receipt: str) -> None:
        """Refuse a delete or visibility change through a receipt handle this kind does not honour."""

    def replay_attempt(self, attempt_id: str, now: float) -> Delivered | None:
        """The messages an earlier receive with this ReceiveRequestAttemptId returned, if still
        in flight under the same receive; None when the receive should run anew."""
        ...

    def remember_attempt(self, attempt_id: str, delivered: Delivered, now: float) -> None:
        """Keep what a receive returned under its ReceiveRequestAttemptId."""

    def sequencing(self, msg: Message) -> tuple[int | None, str | None] | None:
        """(sequence number, de-duplication id) as a received message shows them, or None."""
        ...

    def group_count(self) -> int | None:
        """Message groups with undelivered messages (None: the kind has no groups)."""
        ...

    def clear(self) -> None:
        """Forget every message and window (PurgeQueue)."""
