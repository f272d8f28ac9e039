"""FIFO queue storage: strict order within a message group; in-flight messages hold back what follows.

The rule (AWS FIFO docs: "messages that are received but not yet deleted are in flight; in-flight
messages block delivery of available messages within the same message group"; a message whose
visibility timeout ran out or was set to 0 is available again, in its original place): a receive
may take a group's visible messages from the front of the group up to the first message still in
flight or delayed. So a message that became visible again is returned before anything later in
its group, even while a later message of the group is still in flight, and nothing behind an
in-flight message is returned.

The FIFO-only send and receive rules live here too: a MessageGroupId is required and a per-message
delay refused; a de-duplication id (given, or the SHA-256 of the body when the queue has
content-based de-duplication) is remembered for 5 minutes, per queue or per group
(`DeduplicationScope`), even after its message is deleted; a receive retried with the same
ReceiveRequestAttemptId within 5 minutes gets the same messages; only the current receive's
receipt handle may delete a message or change its visibility.

Each group keeps its undelivered messages in sequence order (in-flight ones stay in place). `ready`
lists, in the order they became ready, the groups whose first message is visible: a receive walks
only those, so its cost does not grow with the number of messages.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any, ClassVar, TypeVar

from labkit.sqslocal import validation as check
from labkit.sqslocal.errors import SqsError, invalid, missing
from labkit.sqslocal.message import GONE, INFLIGHT, VISIBLE, Message
from labkit.sqslocal.store import Admission, Delivered

__all__ = ["FifoStore"]

# 20-digit, strictly increasing sequence numbers like SQS's (not consecutive there either)
SEQUENCE_BASE = 18_000_000_000_000_000_000
#: A timed table's entry: (expiry, what is remembered …).
_Entry = TypeVar("_Entry", bound=tuple[Any, ...])


def _expire(
    table: dict[str, _Entry],
    order: deque[tuple[float, str]],
    now: float,
) -> None:
    """Drop the entries of `table` (key -> (expiry, …)) whose time has come, oldest first.

    `order` lists (expiry, key) in time order; a key re-entered later has a newer expiry in the
    table, so an older line of `order` for it removes nothing."""
    while order and order[0][0] <= now:
        expires, key = order.popleft()
        entry = table.get(key)
        if entry is not None and entry[0] == expires:
            del table[key]


@dataclass(slots=True)
class Group:
    messages: deque[Message] = field(default_factory=deque)


class FifoStore:
    """Messages of one FIFO queue by group, with its de-duplication and receive-attempt windows
    (a `Store`)."""

    kind: ClassVar[str] = "fifo"
    max_inflight: ClassVar[int] = check.MAX_INFLIGHT_FIFO
    over_limit_is_an_error: ClassVar[bool] = False  # SQS: "returns no error messages"
    defaults: ClassVar[Mapping[str, str]] = {
        "ContentBasedDeduplication": "false",
        "DeduplicationScope": "queue",
        "FifoThroughputLimit": "perQueue",
    }
    implied_attributes: ClassVar[Mapping[str, str]] = {"FifoQueue": "true"}
    one_sample_per_receive: ClassVar[bool] = False  # fill the receive from group after group

    def __init__(self) -> None:
        self.groups: dict[str, Group] = {}
        self.ready: dict[str, None] = {}
        # de-duplication key -> (expiry, message id, sequence number), expired in time order
        self.dedup: dict[str, tuple[float, str, str | None]] = {}
        self.dedup_order: deque[tuple[float, str]] = deque()
        # ReceiveRequestAttemptId -> (expiry, what that receive returned), expired in time order
        self.attempts: dict[str, tuple[float, Delivered]] = {}
        self.attempt_order: deque[tuple[float, str]] = deque()
        self.next_sequence = 1

    # ----- queue attributes ----------------------------------------------------------------
    @staticmethod
    def check_new(given: Mapping[str, str]) -> None:
        """As on SQS, a .fifo name alone is not enough: the FifoQueue attribute must say so."""
        if given.get("FifoQueue") != "true":
            raise invalid(
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
            )

    @staticmethod
    def check_attributes(attributes: Mapping[str, str]) -> None:
        """High-throughput mode (a limit per group) needs de-duplication per group."""
        if (
            attributes.get("FifoThroughputLimit") == "perMessageGroupId"
            and attributes.get("DeduplicationScope") != "messageGroup"
        ):
            raise SqsError(
                "InvalidAttributeValue",
                "Invalid value for the parameter FifoThroughputLimit. Reason: perMessageGroupId "
                "requires DeduplicationScope messageGroup.",
            )

    # ----- sending -------------------------------------------------------------------------
    def admit(
        self,
        attributes: Mapping[str, str],
        body: bytes,
        delay_seconds: int | None,
        group_id: str | None,
        dedup_id: str | None,
        now: float,
    ) -> Admission:
        if delay_seconds:  # 0 is accepted: only a real per-message delay is refused
            raise invalid(
                "Value "
                f"{delay_seconds} for parameter DelaySeconds is invalid. Reason: The request include "
                "parameter that is not valid for this queue type."
            )
        if not group_id:
            raise missing("The request must contain the parameter MessageGroupId.")
        check.dedup_id(group_id, "MessageGroupId")
        if dedup_id is None:
            if attributes.get("ContentBasedDeduplication") != "true":
                raise invalid(
                    "The queue should either have ContentBasedDeduplication enabled or "
                    "MessageDeduplicationId provided explicitly"
                )
            dedup_id = sha256(body).hexdigest()
        else:
            check.dedup_id(dedup_id)
        self._expire_dedup(now)
        key = dedup_id
        if attributes.get("DeduplicationScope") == "messageGroup":
            key = f"{group_id}\x00{dedup_id}"
        seen = self.dedup.get(key)
        return Admission(
            None, group_id, dedup_id, key, (seen[1], seen[2]) if seen is not None else None
        )

    def stamp(self, msg: Message, admission: Admission, now: float, rng: random.Random) -> str:
        extra = msg.more()
        extra.group_id = admission.group_id
        extra.dedup_id = admission.dedup_id
        extra.sequence = self._sequence(rng)
        expires = now + check.DEDUP_INTERVAL
        key = admission.dedup_key or ""
        self.dedup[key] = (expires, msg.message_id, str(extra.sequence))
        self.dedup_order.append((expires, key))
        return str(extra.sequence)

    def adopt(self, msg: Message, rng: random.Random) -> None:
        """A moved message gets a new sequence number and, as on AWS, its message id as its
        de-duplication id, so two messages that shared a de-duplication id are both kept."""
        extra = msg.more()
        extra.sequence = self._sequence(rng)
        extra.dedup_id = msg.message_id

    def dead_letter_enqueued_at(self, msg: Message, now: float) -> float:
        """As on AWS, a message's retention starts again when it is moved to a FIFO DLQ."""
        return now

    def _sequence(self, rng: random.Random) -> int:
        value = SEQUENCE_BASE + self.next_sequence * 1000 + rng.randrange(1000)
        self.next_sequence += 1
        return value

    def _expire_dedup(self, now: float) -> None:
        _expire(self.dedup, self.dedup_order, now)

    # ----- the visible index ---------------------------------------------------------------
    def add(self, msg: Message) -> None:
        """A new message (visible or delayed) joins the end of its group."""
        group_id = msg.group_id or ""  # admit() made sure a FIFO message has one
        group = self.groups.get(group_id)
        if group is None:
            group = self.groups[group_id] = Group()
        group.messages.append(msg)
        self.refresh(group_id)

    def became_visible(self, msg: Message) -> None:
        self.refresh(msg.group_id or "")

    def hidden(self, msg: Message) -> None:
        self.refresh(msg.group_id or "")

    def removed(self, msg: Message, was_visible: bool) -> bool:
        """The message's group may now deliver its next message."""
        group_id = msg.group_id or ""
        self.refresh(group_id)
        return group_id in self.ready

    def refresh(self, group_id: str) -> None:
        """Recompute whether a group can deliver (call after any change to one of its messages)."""
        group = self.groups.get(group_id)
        if group is None:
            return
        messages = group.messages
        while messages and messages[0].state == GONE:
            messages.popleft()
        if not messages:
            del self.groups[group_id]
            self.ready.pop(group_id, None)
            return
        if messages[0].state == VISIBLE:
            self.ready.setdefault(group_id, None)
        else:
            self.ready.pop(group_id, None)

    def take(self, n: int, long_poll: bool = False) -> list[Message]:
        """Up to n messages: as many as possible from the first ready group, then the next ones."""
        out: list[Message] = []
        served: list[str] = []
        for group_id in self.ready:  # visits at most n groups: each ready group yields a message
            if len(out) >= n:
                break
            served.append(group_id)
            for msg in self.groups[group_id].messages:
                if len(out) >= n:
                    break
                if msg.state == GONE:
                    continue
                if msg.state != VISIBLE:
                    break
                out.append(msg)
        for group_id in served:
            del self.ready[group_id]
        return out

    def left_behind(self, msg: Message, duplicate_rate: float) -> None:
        """FIFO queues deliver exactly once: no copy is left behind."""
        return None

    # ----- receipts and receive attempts ---------------------------------------------------
    def check_receipt(self, msg: Message, receipt: str) -> None:
        """Only the current receive may delete a message or change its visibility: an older
        handle, or one whose timeout ran out, has expired (the message stays for its next
        consumer)."""
        if not (msg.state == INFLIGHT and msg.receipts[-1] == receipt):
            raise invalid(
                f"Value {receipt} for parameter ReceiptHandle is invalid. Reason: The receipt "
                "handle has expired."
            )

    def replay_attempt(self, attempt_id: str, now: float) -> Delivered | None:
        check.dedup_id(attempt_id, "ReceiveRequestAttemptId")
        _expire(self.attempts, self.attempt_order, now)
        cached = self.attempts.get(attempt_id)
        if cached is None:
            return None
        delivered = cached[1]
        if not all(m.state == INFLIGHT and m.receipts[-1] == r for m, r in delivered):
            del self.attempts[attempt_id]
            return None
        return delivered

    def remember_attempt(self, attempt_id: str, delivered: Delivered, now: float) -> None:
        expires = now + check.RECEIVE_ATTEMPT_INTERVAL
        self.attempts[attempt_id] = (expires, delivered)
        self.attempt_order.append((expires, attempt_id))

    def sequencing(self, msg: Message) -> tuple[int | None, str | None]:
        return msg.sequence, msg.dedup_id

    def group_count(self) -> int:
        return len(self.groups)

    def clear(self) -> None:
        """As on SQS, a purge also forgets de-duplication ids: one used before is accepted again.
        Sequence numbers keep increasing."""
        self.groups.clear()
        self.ready.clear()
        self.dedup.clear()
        self.dedup_order.clear()
        self.attempts.clear()
        self.attempt_order.clear()
