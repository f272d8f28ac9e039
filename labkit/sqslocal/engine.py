"""The local SQS service's state machine: queues, messages and every SQS rule, with no HTTP in sight.

Pure on purpose: time comes from an injected clock (plus a lab offset that `advance` moves) and all
chance from an injected, seeded `random.Random`, so a run is reproducible, tests need no sleeps and a
journal of calls replays to the same state. The server only translates HTTP to these calls.

A queue's messages live in a `Store` (store.py) picked once, when the queue is created, by its
kind; the rules that differ between standard and FIFO queues live in the stores, so the engine's
calls read the same for both kinds.

Cost per operation does not grow with queue depth: visible messages are indexed per virtual host
(standard, see `standard.py`) or per group (FIFO, see `fifo.py`); delayed and in-flight messages sit
in a timer heap keyed by the time they become visible; retention in a heap keyed by send time;
FIFO de-duplication ids and receive attempts in dicts expired from time-ordered deques; receipt
handles in a dict. Work that has come due is done lazily at the start of each call.
"""

from __future__ import annotations

import base64
import binascii
import heapq
import itertools
import json
import random
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from hashlib import md5
from typing import Any, NamedTuple

from labkit.sqslocal import moves
from labkit.sqslocal import validation as check
from labkit.sqslocal.changes import Recorder, changes_state, reads_state
from labkit.sqslocal.config import MAX_CLOCK_ADVANCE, EngineConfig
from labkit.sqslocal.errors import SqsError, invalid, missing, no_queue
from labkit.sqslocal.fifo import FifoStore
from labkit.sqslocal.md5 import md5_of_attributes
from labkit.sqslocal.message import (
    DELAYED,
    GONE,
    HEAD,
    INFLIGHT,
    VISIBLE,
    Attributes,
    Message,
    PackedRecord,
    format_id,
    pack,
)
from labkit.sqslocal.moves import MoveTask
from labkit.sqslocal.retention import Retention, mostly_stale
from labkit.sqslocal.standard import StandardStore
from labkit.sqslocal.store import Delivered, Store

__all__ = [
    "EVENT_NAMES",
    "MAX_EVENTS",
    "METRIC_NAMES",
    "SENDER_ID",
    "Engine",
    "EngineConfig",
    "Metrics",
    "Outgoing",
    "Queue",
    "Received",
    "SendResult",
]


SENDER_ID = "AIDALABKITLOCALSENDER"
METRIC_NAMES = ("sent", "received", "deleted", "empty_receives", "dead_lettered", "expired")
EVENT_NAMES = (
    "sent",
    "received",
    "visible",
    "deleted",
    "dead-lettered",
    "moved",
    "expired",
    "purged",
)
MAX_EVENTS = 10_000  # per queue: enough for any lesson, bounded so a load test cannot eat memory
MAX_SHARED_ATTRIBUTES = 1024  # distinct attribute sets kept for sharing (then the table restarts)
MAX_TAGS = 50  # per queue (CreateQueue's tags too)
MAX_CACHED_POLICIES = 1024  # distinct RedrivePolicy texts kept parsed (then the table restarts)
# A move task's FailureReason when its source or destination queue is gone, as SQS reports it.
NO_QUEUE_FAILURE = "AWS.SimpleQueueService.NonExistentQueue"
# A version 4 UUID from 128 random bits (what uuid.UUID(int=..., version=4) does, without the object)
_UUID_CLEAR = ~((0xC000 << 48) | (0xF000 << 64)) & (2**128 - 1)
_UUID_SET = (0x8000 << 48) | (4 << 76)
_URLSAFE = bytes.maketrans(b"+/", b"-_")  # base64 to base64url, as base64.urlsafe_b64encode does
BUCKET_SECONDS = 60
MAX_BUCKETS = 120


# Plain slotted classes, not frozen ones: a frozen dataclass sets each field through
# object.__setattr__, measurable when one is made per message (benchmarks/sqs_throughput.py).
class Outgoing(NamedTuple):
    """One message of a SendMessageBatch as the engine takes it (a journal gives it back as a
    plain list, which unpacks the same way)."""

    body: str
    delay_seconds: int | None = None
    message_attributes: dict[str, dict[str, Any]] | None = None
    system_attributes: dict[str, dict[str, Any]] | None = None
    group_id: str | None = None
    dedup_id: str | None = None


@dataclass(slots=True)
class SendResult:
    message_id: str
    md5_body: str
    md5_attributes: str | None
    md5_system: str | None
    sequence_number: str | None


@dataclass(slots=True)
class Received(PackedRecord):
    """A message as one receive returns it (a snapshot: later receives don't change it).

    It keeps the message's packed record and shared attributes (neither changes once sent), so
    body, MD5 and send time are read from them when asked for rather than copied for every
    message; the system attributes are written out as text only when asked for (most receives
    ask for none)."""

    message_id: str
    receipt_handle: str
    data: bytes  # the message's record (see `message.pack`)
    attrs: Attributes | None
    receive_count: int
    first_receive_at: float | None
    group_id: str | None
    fifo: tuple[int | None, str | None] | None  # (sequence, de-duplication id) on FIFO queues
    dlq_source_arn: str | None

    @property
    def attributes(self) -> dict[str, dict[str, Any]]:
        return self.attrs.message if self.attrs is not None else {}

    @property
    def trace_header(self) -> str | None:
        trace = self.attrs.system.get("AWSTraceHeader") if self.attrs is not None else None
        return trace["StringValue"] if trace is not None else None

    @property
    def system(self) -> dict[str, str]:
        system = {
            "SenderId": SENDER_ID,
            "SentTimestamp": str(int(self.sent_at * 1000)),
            "ApproximateReceiveCount": str(self.receive_count),
            "ApproximateFirstReceiveTimestamp": str(int((self.first_receive_at or 0) * 1000)),
        }
        if self.group_id is not None:
            system["MessageGroupId"] = self.group_id
        if self.fifo is not None:
            system["SequenceNumber"] = str(self.fifo[0])
            system["MessageDeduplicationId"] = self.fifo[1] or ""
        trace = self.trace_header
        if trace is not None:
            system["AWSTraceHeader"] = trace
        if self.dlq_source_arn:
            system["DeadLetterQueueSourceArn"] = self.dlq_source_arn
        return system


@dataclass
class Metrics:
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRIC_NAMES, 0))
    buckets: deque[tuple[int, dict[str, int]]] = field(default_factory=deque)

    def add(self, name: str, now: float, amount: int = 1) -> None:
        if amount == 0:
            return
        self.totals[name] += amount
        buckets = self.buckets
        if buckets:
            last_start, counts = buckets[-1]
            if last_start <= now < last_start + BUCKET_SECONDS:  # the usual case: same minute
                counts[name] += amount
                return
        start = int(now // BUCKET_SECONDS) * BUCKET_SECONDS
        if not self.buckets or self.buckets[-1][0] != start:
            self.buckets.append((start, dict.fromkeys(METRIC_NAMES, 0)))
            if len(self.buckets) > MAX_BUCKETS:
                self.buckets.popleft()
        self.buckets[-1][1][name] += amount


@dataclass
class Queue:
    name: str
    attributes: dict[str, str]
    created: float
    modified: float
    store: Store  # chosen once, by the queue's kind, when the queue is created
    tags: dict[str, str] = field(default_factory=dict)
    timers: list[tuple[float, int, int, Message]] = field(default_factory=list)
    stale_timers: int = 0  # entries in `timers` of messages that have left (see Engine._remove)
    retention: Retention = field(default_factory=Retention)
    receipts: dict[str, Message] = field(default_factory=dict)
    visible: int = 0
    inflight: int = 0
    delayed: int = 0
    purged_at: float | None = None
    metrics: Metrics = field(default_factory=Metrics)
    # (time, message id, event, receive_count, group_id), oldest first; see Engine.events. The id
    # is kept as its 16 bytes and shown as text only when the events are read.
    events: deque[tuple[float, bytes | str, str, int, str | None]] = field(
        default_factory=lambda: deque(maxlen=MAX_EVENTS)
    )

    def log(self, when: float, msg: Message, event: str) -> None:
        extra = msg.extra
        if extra is None:
            self.events.append((when, msg.data[:16], event, 0, None))
        else:
            self.events.append((when, msg.data[:16], event, extra.receive_count, extra.group_id))

    def int_attr(self, name: str) -> int:
        text = self.attributes[name]
        value = _INT_TEXTS.get(text)
        if value is None:
            if len(_INT_TEXTS) >= 1024:  # any text a client set: keep the table small
                _INT_TEXTS.clear()
            value = _INT_TEXTS[text] = int(text)
        return value

    @property
    def fifo(self) -> bool:
        return self.store.kind == FifoStore.kind

    @staticmethod
    def upgrade_saved(saved: dict[str, Any]) -> dict[str, Any]:
        """A queue from a snapshot written when its FIFO windows (de-duplication ids, receive
        attempts, the sequence counter) were kept here: they move into its FIFO store."""
        store = saved.get("store")
        if isinstance(store, FifoStore) and "dedup" in saved:
            store.dedup = saved["dedup"]
            store.dedup_order = saved["dedup_order"]
            store.attempts = saved["attempts"]
            store.attempt_order = saved["attempt_order"]
            store.next_sequence = saved["next_sequence"]
        return saved

    @property
    def depth(self) -> int:
        return self.visible + self.inflight + self.delayed


# Numeric queue attributes are kept as the text SQS shows and read on every call (retention,
# visibility timeout, size limit): parsed once per distinct text, not once per read.
_INT_TEXTS: dict[str, int] = {}
# RedrivePolicy text -> (dead-letter queue name, maxReceiveCount), read on every receive: parsed
# once per distinct text. Keyed by the text, so whatever changes a queue's policy (SetQueueAttributes,
# a restored snapshot, a replayed journal) is seen at once, and no engine state holds a copy.
_REDRIVE_POLICIES: dict[str, tuple[str, int]] = {}


def _name_from_arn(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


class Engine:
    """All queues of one service. Every public call that reads the clock is one step at one
    instant (`changes_state`, `reads_state`), so a recorded call replays to the same state."""

    def __init__(
        self,
        clock: Callable[[], float],
        rng: random.Random,
        config: EngineConfig | None = None,
    ) -> None:
        self.clock = clock
        self.step_time: float | None = None  # the clock's reading for the call running now
        self.step_unchanged = False  # the call running now found nothing to change
        self.recorder: Recorder | None = None  # told of every call (the journal, if any)
        self.rng = rng
        self.config = config or EngineConfig()
        self.offset = 0.0
        self.queues: dict[str, Queue] = {}
        self._tie = itertools.count()
        self.deleted: dict[
            str, float
        ] = {}  # queue name -> when it was deleted (QueueDeletedRecently)
        self.move_tasks: list[MoveTask] = []  # every task started since the last reset
        self._running: list[MoveTask] = []
        self._moving = False
        self._shared_weights: list[float] | None = None  # see reset
        # Called with a queue name when a waiting receive should look again: a message became
        # visible, or the next delayed/in-flight message will become visible sooner than before.
        self.on_visible: Callable[[str], None] = lambda name: None
        self.reset()

    # ----- lab extensions -------------------------------------------------------------------
    @changes_state
    def reset(self) -> None:
        """Back to the initial state: the configured queues, empty; RNG reseeded; clock offset 0."""
        self.rng.seed(self.config.seed)
        self.offset = 0.0
        self.queues = {}
        self._tie = itertools.count()
        self.deleted = {}
        self.move_tasks = []
        self._running = []
        # The queues the service starts with share one set of standard host weights, drawn when
        # the first of them is created: declaring more queues (in Terraform) leaves the seeded
        # story of the others as it was. A queue created later draws its own.
        self._shared_weights = []
        try:
            for name, attrs in self.config.initial_queues:
                self.create_queue(name, dict(attrs))
        finally:
            self._shared_weights = None

    @changes_state
    def advance(self, seconds: float) -> float:
        """Move the service's clock forward (e.g. to let a de-duplication window expire)."""
        if not 0 <= seconds <= MAX_CLOCK_ADVANCE:
            raise invalid("seconds must be between 0 and ten years")
        self.offset += seconds
        for name in self.queues:
            self._tick(self.queues[name], self.now())
            self.on_visible(name)
        return self.offset

    def replay(self, t: float, action: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
        """Run a recorded call again at the instant it first ran (a journal's replay).

        LookupError: `action` is none of the engine's calls."""
        public = not action.startswith("_") and action != "replay"
        method = getattr(self, action, None) if public else None
        if not callable(method):
            raise LookupError(action)
        self.step_time = t
        try:
            method(*args, **kwargs)
        finally:
            self.step_time = None

    def now(self) -> float:
        """The service's time: one instant throughout a call (see `changes`), plus the lab offset."""
        at = self.step_time
        return (self.clock() if at is None else at) + self.offset

    @reads_state
    def metrics(self, name: str) -> dict[str, Any]:
        queue = self._queue(name)
        self._tick(queue, self.now())
        return {
            "queue": name,
            "totals": dict(queue.metrics.totals),
            "buckets": [{"start": start, **counts} for start, counts in queue.metrics.buckets],
            "visible": queue.visible,
            "in_flight": queue.inflight,
            "delayed": queue.delayed,
            "groups": queue.store.group_count(),
        }

    @reads_state
    def events(self, name: str) -> list[dict[str, Any]]:
        """What happened to each message of a queue, oldest first (the last MAX_EVENTS events).

        Times are the service clock's; a visibility timeout that ran out is logged at the time it
        ran out, even though the engine notices it lazily at the next call.
        """
        queue = self._queue(name)
        self._tick(queue, self.now())
        return [
            {
                "time": when,
                "message_id": format_id(message_id)
                if isinstance(message_id, bytes)
                else message_id,
                "event": event,
                "receive_count": receive_count,
                "group_id": group_id,
            }
            for when, message_id, event, receive_count, group_id in queue.events
        ]

    def next_due(self, name: str) -> float | None:
        """When the earliest delayed or in-flight message of a queue may become visible (for waiters)."""
        queue = self.queues.get(name)
        if queue is None:
            return None
        due = [queue.timers[0][0]] if queue.timers else []
        # a running redrive may bring messages to any queue: wake waiters when its next move is due
        due.extend(task.due(task.next_index) for task in self._running)
        return min(due, default=None)

    # ----- queues -------------------------------------------------------------------------
    def arn(self, name: str) -> str:
        return self.config.arn(name)

    @changes_state
    def create_queue(
        self,
        name: str,
        attributes: dict[str, str] | None = None,
        tags: dict[str, str] | None = None,
    ) -> str:
        check.queue_name(name)
        fifo = name.endswith(".fifo")
        kind = FifoStore if fifo else StandardStore  # the one place a queue's kind is decided
        given = check.queue_attributes(attributes or {}, fifo=fifo, creating=True)
        kind.check_new(given)
        given.pop("FifoQueue", None)
        now = self.now()
        existing = self.queues.get(name)
        deleted_at = self.deleted.get(name)
        if existing is None and deleted_at is not None:
            if now - deleted_at < check.QUEUE_DELETE_INTERVAL:
                raise SqsError(
                    "QueueDeletedRecently",
                    "You must wait 60 seconds after deleting a queue before you can create "
                    "another with the same name.",
                )
            del self.deleted[name]
        if existing is not None:
            for key, value in given.items():
                default = check.DEFAULT_ATTRIBUTES.get(key, kind.defaults.get(key))
                if existing.attributes.get(key, default) != value:
                    raise SqsError(
                        "QueueNameExists",
                        f"A queue already exists with the same name and a different value for attribute {key}",
                    )
            return name
        attrs = {**check.DEFAULT_ATTRIBUTES, **kind.defaults, **given}
        _encryption(attrs, given)
        kind.check_attributes(attrs)
        if attrs.get("RedrivePolicy"):
            self._check_dlq(attrs["RedrivePolicy"], kind.kind, (attributes or {})["RedrivePolicy"])
        store: Store
        if kind is FifoStore:
            store = FifoStore()
        else:
            shared = self._shared_weights
            standard = StandardStore(
                self.rng,
                self.config.hosts,
                self.config.short_poll_fraction,
                self.config.strict_order,
                shared or None,
            )
            if shared is not None and not shared:
                shared.extend(standard.weights)
            store = standard
        self.queues[name] = Queue(
            name=name,
            attributes=attrs,
            created=now,
            modified=now,
            store=store,
            tags=self._tagged({}, tags or {}),
        )
        return name

    def _check_dlq(self, policy: str, kind: str, as_sent: str) -> None:
        """The policy's dead-letter queue exists and is of the queue's kind; errors quote the
        policy as the client sent it (`policy` is its normalised form), as SQS does."""
        arn = json.loads(policy)["deadLetterTargetArn"]
        name = _name_from_arn(arn)
        target = self.queues.get(name) if arn == self.arn(name) else None  # this account, region
        if target is None:
            raise invalid(
                f"Value {as_sent} for parameter RedrivePolicy is invalid. Reason: Dead letter target "
                "does not exist."
            )
        if target.store.kind != kind:
            raise invalid(
                f"Value {as_sent} for parameter RedrivePolicy is invalid. Reason: Dead-letter queue "
                "must be same type of queue as the source."
            )

    @staticmethod
    def _tagged(current: dict[str, str], tags: dict[str, str]) -> dict[str, str]:
        """A queue's tags once `tags` are added to `current` (CreateQueue: to none), checked."""
        for key, value in tags.items():
            if not key or len(key) > 128 or len(value) > 256 or key.lower().startswith("aws:"):
                raise invalid(f"Tag {key!r} is invalid: keys 1-128 characters, values ≤256.")
        merged = {**current, **tags}
        if len(merged) > MAX_TAGS:
            raise invalid(f"Too many tags: a queue can have at most {MAX_TAGS}.")
        return merged

    def get_queue(self, name: str) -> str:
        self._queue(name)
        return name

    def _queue(self, name: str) -> Queue:
        queue = self.queues.get(name)
        if queue is None:
            raise no_queue()
        return queue

    def list_queues(
        self, prefix: str = "", max_results: int | None = None, next_token: str | None = None
    ) -> tuple[list[str], str | None]:
        names = sorted(n for n in self.queues if n.startswith(prefix or ""))
        return _page(names, max_results, next_token)

    @changes_state
    def delete_queue(self, name: str) -> None:
        self._queue(name)
        del self.queues[name]
        self.deleted[name] = self.now()

    @changes_state
    def purge_queue(self, name: str) -> None:
        queue = self._queue(name)
        now = self.now()
        if queue.purged_at is not None and now - queue.purged_at < check.PURGE_INTERVAL:
            raise SqsError(
                "PurgeQueueInProgress",
                f"Only one PurgeQueue operation on {name} is allowed every 60 seconds.",
            )
        queue.purged_at = now
        # Purge is rare and meant to be thorough: rebuilding the indexes is O(depth) once.
        logged: set[str] = set()
        for _, msg in queue.retention.by_time():
            if msg.state != GONE:
                msg.state = GONE
                if msg.message_id not in logged:  # a standard queue's duplicate: one event
                    logged.add(msg.message_id)
                    queue.log(now, msg, "purged")
        queue.retention.clear()
        queue.timers.clear()
        queue.stale_timers = 0
        queue.receipts.clear()
        queue.store.clear()
        queue.visible = queue.inflight = queue.delayed = 0

    @reads_state
    def get_queue_attributes(self, name: str, names: Iterable[str] | None = None) -> dict[str, str]:
        queue = self._queue(name)
        now = self.now()
        self._tick(queue, now)
        wanted = set(names or [])
        for attr in wanted:
            if attr != "All" and attr not in check.ALL_QUEUE_ATTRIBUTES:
                raise SqsError("InvalidAttributeName", f"Unknown Attribute {attr}.")
        if "All" in wanted:
            wanted = set(check.ALL_QUEUE_ATTRIBUTES)
        values: dict[str, str] = {
            k: v for k, v in queue.attributes.items() if v != "" or k == "Policy"
        }
        values.update(
            ApproximateNumberOfMessages=str(queue.visible),
            ApproximateNumberOfMessagesNotVisible=str(queue.inflight),
            ApproximateNumberOfMessagesDelayed=str(queue.delayed),
            CreatedTimestamp=str(int(queue.created)),
            LastModifiedTimestamp=str(int(queue.modified)),
            QueueArn=self.arn(name),
            **queue.store.implied_attributes,
        )
        if not queue.attributes.get("KmsMasterKeyId"):
            values.pop("KmsDataKeyReusePeriodSeconds", None)  # only shown with a KMS key
        return {k: v for k, v in values.items() if k in wanted and v != ""}

    @changes_state
    def set_queue_attributes(self, name: str, attributes: dict[str, str]) -> None:
        queue = self._queue(name)
        given = check.queue_attributes(attributes, fifo=queue.fifo, creating=False)
        given.pop("FifoQueue", None)  # FifoQueue=true on a FIFO queue changes nothing
        merged = {**queue.attributes, **given}
        _encryption(merged, given)
        queue.store.check_attributes(merged)
        if given.get("RedrivePolicy"):
            self._check_dlq(given["RedrivePolicy"], queue.store.kind, attributes["RedrivePolicy"])
        queue.attributes = merged
        queue.modified = self.now()

    @changes_state
    def tag_queue(self, name: str, tags: dict[str, str]) -> None:
        queue = self._queue(name)
        if not tags:
            raise missing("The request must contain the parameter Tags.")
        queue.tags = self._tagged(queue.tags, tags)

    @changes_state
    def untag_queue(self, name: str, keys: list[str]) -> None:
        queue = self._queue(name)
        if not keys:
            raise missing("The request must contain the parameter TagKeys.")
        for key in keys:
            queue.tags.pop(key, None)

    @changes_state
    def add_permission(
        self, name: str, label: str, accounts: list[str], actions: list[str]
    ) -> None:
        """Add a statement to the queue's Policy attribute, as AddPermission does on AWS."""
        queue = self._queue(name)
        check.permission(label, accounts, actions)
        arn = self.arn(name)
        policy = _policy(queue.attributes.get("Policy", ""), arn)
        if any(statement.get("Sid") == label for statement in policy["Statement"]):
            raise invalid(f"Value {label} for parameter Label is invalid. Reason: Already exists.")
        principals = [f"arn:aws:iam::{account}:root" for account in accounts]
        granted = [f"SQS:{action}" for action in actions]
        policy["Statement"].append(
            {
                "Sid": label,
                "Effect": "Allow",
                "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
                "Action": granted[0] if len(granted) == 1 else granted,
                "Resource": arn,
            }
        )
        queue.attributes["Policy"] = json.dumps(policy, separators=(",", ":"))
        queue.modified = self.now()

    @changes_state
    def remove_permission(self, name: str, label: str) -> None:
        """Remove the statement AddPermission added under `label`; the last one takes the policy."""
        queue = self._queue(name)
        policy = _policy(queue.attributes.get("Policy", ""), self.arn(name))
        kept = [s for s in policy["Statement"] if s.get("Sid") != label]
        if len(kept) == len(policy["Statement"]):
            raise invalid(
                f"Value {label} for parameter Label is invalid. Reason: can't find label."
            )
        policy["Statement"] = kept
        queue.attributes["Policy"] = json.dumps(policy, separators=(",", ":")) if kept else ""
        queue.modified = self.now()

    def list_queue_tags(self, name: str) -> dict[str, str]:
        return dict(self._queue(name).tags)

    def list_dead_letter_source_queues(
        self, name: str, max_results: int | None = None, next_token: str | None = None
    ) -> tuple[list[str], str | None]:
        self._queue(name)
        return _page(self._dead_letter_sources(name), max_results, next_token)

    # ----- message move tasks (dead-letter queue redrive) -------------------------------------
    @changes_state
    def start_message_move_task(
        self,
        source_arn: str,
        destination_arn: str | None = None,
        max_per_second: object = None,  # checked here: any JSON value may arrive
    ) -> str:
        """Start moving a dead-letter queue's messages back to their sources (or to a destination)."""
        now = self.now()
        self._run_moves(now)
        region, account = self.config.region, self.config.account_id
        source_name = moves.parse_arn(source_arn, "SourceArn", region, account)
        rate: int | None = None
        if max_per_second is not None:
            if (
                isinstance(max_per_second, bool)
                or not isinstance(max_per_second, int)
                or not 1 <= max_per_second <= moves.MAX_RATE
            ):
                raise invalid(
                    "Value for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: You "
                    f"must enter a number that's between 1 and {moves.MAX_RATE}."
                )
            rate = max_per_second
        source = self.queues.get(source_name)
        if source is None:
            raise moves.not_found("SourceArn")
        if not self._dead_letter_sources(source_name):
            raise invalid("Source queue must be configured as a Dead Letter Queue.")
        if destination_arn is not None:
            target_name = moves.parse_arn(destination_arn, "DestinationArn", region, account)
            target = self.queues.get(target_name)
            if target is None:
                raise moves.not_found("DestinationArn")
            if target is source:
                raise invalid("Source queue and destination queue cannot be the same.")
            if target.store.kind != source.store.kind:
                raise invalid("The destination queue must be the same type as the source queue.")
        if any(task.source == source_name for task in self._running):
            raise invalid(
                "There is already a task running. Only one active task is allowed for a source "
                "queue arn at a given time."
            )
        self._tick(source, now)
        pending = [msg for _, msg in source.retention.by_arrival() if msg.state != GONE]
        task = MoveTask(
            task_id=str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            source=source_name,
            source_arn=self.arn(source_name),
            destination_arn=destination_arn,
            rate=rate,
            started=now,
            pending=pending,
            to_move=len(pending),
        )
        self.move_tasks.append(task)
        self._running.append(task)
        self._run_moves(now)
        return task.handle

    @reads_state
    def list_message_move_tasks(
        self, source_arn: str, max_results: int | None = None
    ) -> list[dict[str, Any]]:
        """The most recent tasks of a source queue, newest first (1 by default, at most 10)."""
        now = self.now()
        self._run_moves(now)
        name = moves.parse_arn(source_arn, "SourceArn", self.config.region, self.config.account_id)
        if name not in self.queues:
            raise moves.not_found("SourceArn")
        if max_results is not None:
            check.int_in("MaxResults", max_results, 1, moves.MAX_LISTED)
        tasks = [task for task in reversed(self.move_tasks) if task.source == name]
        return [task.describe() for task in tasks[: max_results or 1]]

    @changes_state
    def cancel_message_move_task(self, handle: str) -> int:
        """Stop a running task where it is; returns how many messages it had moved."""
        now = self.now()
        self._run_moves(now)
        task_id, source_arn = moves.task_id_of(handle)
        try:
            source = moves.parse_arn(
                source_arn, "SourceArn", self.config.region, self.config.account_id
            )
        except SqsError as err:
            if err.shape == "ResourceNotFoundException":
                raise
            raise invalid("Value for parameter TaskHandle is invalid.") from None
        if source not in self.queues:
            raise moves.not_found("SourceArn")
        task = next(
            (t for t in self.move_tasks if t.task_id == task_id and t.source == source), None
        )
        if task is None:
            raise SqsError("ResourceNotFoundException", "Task does not exist.")
        if task.status != moves.RUNNING:
            raise invalid("Only active tasks can be cancelled.")
        task.status = moves.CANCELLED
        task.pending = []
        self._running.remove(task)
        return task.moved

    def _dead_letter_sources(self, name: str) -> list[str]:
        arn = self.arn(name)
        return sorted(
            q.name
            for q in self.queues.values()
            if q.attributes.get("RedrivePolicy")
            and json.loads(q.attributes["RedrivePolicy"])["deadLetterTargetArn"] == arn
        )

    def _run_moves(self, now: float) -> None:
        """Do the moves of running tasks that have come due by `now`, each at its own time."""
        if not self._running or self._moving:
            return
        self._moving = True
        try:
            for task in list(self._running):
                self._run_task(task, now)
        finally:
            self._moving = False

    def _run_task(self, task: MoveTask, now: float) -> None:
        source = self.queues.get(task.source)
        if source is None:
            return self._fail(task, NO_QUEUE_FAILURE)
        self._tick(source, now)
        while task.pending:
            when = task.due(task.next_index)
            if when > now:
                return
            msg = task.pending[0]
            if msg.state == GONE:  # deleted or expired since the task started: nothing to move
                task.pending.pop(0)
                continue
            if msg.state != VISIBLE:
                return  # in flight or delayed: the task waits for it, keeping the order
            target_arn = task.destination_arn or msg.dlq_source_arn
            target = self.queues.get(_name_from_arn(target_arn)) if target_arn else None
            if target is None:
                return self._fail(
                    task,
                    NO_QUEUE_FAILURE
                    if target_arn
                    else "The message was not moved to this queue by a redrive policy: give a "
                    "DestinationArn to move it.",
                )
            task.pending.pop(0)
            task.next_index += 1
            task.moved += 1
            self._move(source, msg, target, when)
        task.status = moves.COMPLETED
        self._running.remove(task)

    def _fail(self, task: MoveTask, reason: str) -> None:
        task.status = moves.FAILED
        task.failure = reason
        task.pending = []
        self._running.remove(task)

    def _move(self, source: Queue, msg: Message, target: Queue, when: float) -> None:
        """Redrive one message: as AWS documents, it arrives as a new message (new id, new
        enqueue time, so its retention period starts again) at the end of the destination."""
        self._remove(source, msg)
        source.log(when, msg, "moved")
        data = msg.data
        moved = msg.copy(pack(self._new_id(), data[16:32], when, data[HEAD:]))
        if moved.extra is not None:
            moved.extra.receive_count = 0
            moved.extra.first_receive_at = None
            moved.extra.dlq_source_arn = None
        target.store.adopt(moved, self.rng)
        target.retention.add(moved, when, sent_now=True)
        target.log(when, moved, "moved")
        self._add_visible(target, moved)

    # ----- messages -----------------------------------------------------------------------
    @changes_state
    def send_message(
        self,
        name: str,
        body: str,
        delay_seconds: int | None = None,
        message_attributes: dict[str, dict[str, Any]] | None = None,
        system_attributes: dict[str, dict[str, Any]] | None = None,
        group_id: str | None = None,
        dedup_id: str | None = None,
        trace_header: str | None = None,
    ) -> SendResult:
        """Send one message. `trace_header` is the request's X-Amzn-Trace-Id header: SQS keeps
        it as the AWSTraceHeader system attribute unless the message sets that attribute."""
        queue = self._queue(name)
        now = self.now()
        self._tick(queue, now)
        return self._send(
            queue,
            now,
            body,
            delay_seconds,
            message_attributes,
            system_attributes,
            group_id,
            dedup_id,
            trace_header,
        )

    @changes_state
    def send_message_batch(
        self, name: str, entries: Sequence[Outgoing], trace_header: str | None = None
    ) -> list[SendResult | SqsError]:
        """SendMessageBatch as one step: each entry is sent or refused on its own, as
        `send_message` would (its result, else the error), in order, at one instant. One queue
        lookup, clock reading and due-work check per batch, and one journal record."""
        queue = self._queue(name)
        now = self.now()
        self._tick(queue, now)
        results: list[SendResult | SqsError] = []
        for body, delay, attributes, system, group_id, dedup_id in entries:
            try:
                results.append(
                    self._send(
                        queue,
                        now,
                        body,
                        delay,
                        attributes,
                        system,
                        group_id,
                        dedup_id,
                        trace_header,
                    )
                )
            except SqsError as err:
                results.append(err)
        # every entry refused: nothing changed, so a journal need not keep the batch
        self.step_unchanged = all(isinstance(r, SqsError) for r in results)
        return results

    def _send(
        self,
        queue: Queue,
        now: float,
        body: str,
        delay_seconds: int | None,
        message_attributes: dict[str, dict[str, Any]] | None,
        system_attributes: dict[str, dict[str, Any]] | None,
        group_id: str | None,
        dedup_id: str | None,
        trace_header: str | None,
    ) -> SendResult:
        """Send one message to `queue` within the running step (`now` is its instant)."""
        check.body(body)
        encoded = body.encode("utf-8")
        attrs = _attributes(message_attributes, system_attributes, trace_header)
        size = len(encoded) + (attrs.size if attrs is not None else 0)
        limit = queue.int_attr("MaximumMessageSize")
        if size > limit:
            raise invalid(
                f"One or more parameters are invalid. Reason: Message must be shorter than {limit} bytes."
            )
        if delay_seconds is not None:
            check.int_in("DelaySeconds", delay_seconds, 0, 900)
        store = queue.store
        admitted = store.admit(queue.attributes, encoded, delay_seconds, group_id, dedup_id, now)
        if admitted.duplicate_of is not None:
            # Accepted but not enqueued: SQS answers as if it had sent the first message again.
            message_id, sequence = admitted.duplicate_of
            md5_body = md5(encoded, usedforsecurity=False).hexdigest()
            return SendResult(
                message_id,
                md5_body,
                attrs.md5_message if attrs is not None else None,
                attrs.md5_system if attrs is not None else None,
                sequence,
            )
        msg, md5_body = self._new_message(encoded, attrs, now)
        sequence = store.stamp(msg, admitted, now, self.rng)
        delay = queue.int_attr("DelaySeconds") if admitted.delay is None else admitted.delay
        self._enqueue(queue, msg, now, delay)
        return _sent(msg, md5_body, attrs, sequence)

    def _new_id(self) -> bytes:
        """A random (version 4) UUID's 16 bytes, drawn from the engine's RNG."""
        bits = self.rng.getrandbits(128) & _UUID_CLEAR | _UUID_SET
        return bits.to_bytes(16, "big")

    def _new_message(
        self, body: bytes, attrs: Attributes | None, now: float
    ) -> tuple[Message, str]:
        """A new message, and its body's MD5 as text (computed once, here)."""
        digest = md5(body, usedforsecurity=False)
        return Message(pack(self._new_id(), digest.digest(), now, body), attrs), digest.hexdigest()

    def _enqueue(self, queue: Queue, msg: Message, now: float, delay: int) -> None:
        queue.retention.add(msg, now, sent_now=True)
        queue.metrics.add("sent", now)
        queue.log(now, msg, "sent")
        if delay > 0:
            msg.state = DELAYED
            queue.delayed += 1
            self._set_timer(queue, msg, now + delay)
            queue.store.add(msg)
        else:
            self._add_visible(queue, msg)

    def _add_visible(self, queue: Queue, msg: Message) -> None:
        """Put a new message straight into its queue's visible store and wake long polls."""
        msg.state = VISIBLE
        queue.visible += 1
        queue.store.add(msg)
        self.on_visible(queue.name)

    def _set_timer(self, queue: Queue, msg: Message, due: float) -> None:
        msg.version += 1
        sooner = not queue.timers or due < queue.timers[0][0]
        heapq.heappush(queue.timers, (due, next(self._tie), msg.version, msg))
        if sooner:
            self.on_visible(queue.name)  # waiters re-read next_due(): something may come sooner

    @changes_state
    def receive_message(
        self,
        name: str,
        max_number: int = 1,
        visibility_timeout: int | None = None,
        long_poll: bool = False,
        attempt_id: str | None = None,
        count_empty: bool = True,
    ) -> list[Received]:
        """One receive attempt. The server repeats it while a long poll waits; only the last
        attempt of a request counts as an empty receive."""
        queue = self._queue(name)
        now = self.now()
        check.int_in("MaxNumberOfMessages", max_number, 1, 10)
        if visibility_timeout is not None:
            check.int_in("VisibilityTimeout", visibility_timeout, 0, 43_200, check.RECEIVE_RANGE)
        timeout = (
            queue.int_attr("VisibilityTimeout")
            if visibility_timeout is None
            else visibility_timeout
        )
        self._tick(queue, now)
        store = queue.store
        if attempt_id is not None:
            replayed = store.replay_attempt(attempt_id, now)
            if replayed is not None:
                for msg, _ in replayed:
                    self._set_timer(queue, msg, now + timeout)
                return [self._snapshot(queue, msg, receipt) for msg, receipt in replayed]
        limit = store.max_inflight
        if queue.inflight >= limit:
            if store.over_limit_is_an_error:
                raise SqsError("OverLimit", f"Too many messages in flight (limit {limit}).")
            if count_empty:  # a FIFO queue: nothing more until some are deleted or come back
                queue.metrics.add("empty_receives", now)
            self.step_unchanged = True
            return []
        out: Delivered = []
        received: list[Received] = []
        visible_before = queue.visible
        dlq = self._dead_letter_target(queue)
        due = now + timeout
        while len(out) < max_number:
            batch = store.take(max_number - len(out), long_poll)
            if not batch:
                break
            queue.visible -= len(batch)  # all in flight now (a dead-lettered one leaves next)
            queue.inflight += len(batch)
            for msg in batch:
                msg.state = INFLIGHT
                if dlq is not None and msg.receive_count >= dlq[1]:
                    self._dead_letter(queue, msg, dlq[0], now)
                    continue
                delivered = self._deliver(queue, msg, now, due)
                received.append(delivered)
                out.append((msg, delivered.receipt_handle))
            if store.one_sample_per_receive:
                break
        if not out:
            if count_empty:
                queue.metrics.add("empty_receives", now)
            # nothing taken (none dead-lettered either): a journal need not keep this receive
            self.step_unchanged = queue.visible == visible_before
            return []
        queue.metrics.add("received", now, len(out))
        if attempt_id is not None:
            store.remember_attempt(attempt_id, out, now)
        return received

    def _deliver(self, queue: Queue, msg: Message, now: float, due: float) -> Received:
        """Hand a message out: count the receive, give it a receipt handle, hide it until `due`.
        Returns the reply's view of it, taken now (a later receive must not change it)."""
        extra = msg.more()
        extra.receive_count += 1
        extra.received_at = now
        queue.log(now, msg, "received")
        if extra.first_receive_at is None:
            extra.first_receive_at = now
        message_id = format_id(msg.data[:16])  # formatted once: the receipt and the reply use it
        receipt = self._receipt(queue.name, message_id)
        extra.receipts.append(receipt)
        queue.receipts[receipt] = msg
        self._set_timer(queue, msg, due)
        twin = queue.store.left_behind(msg, self.config.duplicate_rate)
        if twin is not None:
            queue.visible += 1
            queue.retention.add(twin, twin.sent_at, sent_now=True)
        return self._snapshot(queue, msg, receipt, message_id)

    def _receipt(self, name: str, message_id: str) -> str:
        """A receipt handle: a random nonce, the queue and the message, base64url-encoded (what
        `base64.urlsafe_b64encode` gives, without its two Python calls: one per message)."""
        raw = f"{self.rng.getrandbits(96):024x}|{name}|{message_id}".encode()
        return binascii.b2a_base64(raw, newline=False).translate(_URLSAFE).decode("ascii")

    def _snapshot(
        self, queue: Queue, msg: Message, receipt: str, message_id: str | None = None
    ) -> Received:
        """A received message as the reply shows it (`message_id` if the caller formatted it)."""
        extra = msg.more()  # a received message has one
        return Received(
            message_id or msg.message_id,
            receipt,
            msg.data,
            msg.attrs,
            extra.receive_count,
            extra.first_receive_at,
            extra.group_id,
            queue.store.sequencing(msg),
            extra.dlq_source_arn,
        )

    def _dead_letter_target(self, queue: Queue) -> tuple[Queue, int] | None:
        """The queue's dead-letter queue and maxReceiveCount, if it has one that exists."""
        policy = queue.attributes.get("RedrivePolicy")
        if not policy:
            return None
        parsed = _REDRIVE_POLICIES.get(policy)
        if parsed is None:
            if len(_REDRIVE_POLICIES) >= MAX_CACHED_POLICIES:  # any text a client set
                _REDRIVE_POLICIES.clear()
            loaded = json.loads(policy)
            parsed = _REDRIVE_POLICIES[policy] = (
                _name_from_arn(loaded["deadLetterTargetArn"]),
                int(loaded["maxReceiveCount"]),
            )
        target = self.queues.get(parsed[0])
        if target is None or target is queue:
            return None
        return target, parsed[1]

    def _dead_letter(self, queue: Queue, msg: Message, target: Queue, now: float) -> None:
        """Move a message that was received too often: the source forgets it, the DLQ gets a copy."""
        self._remove(queue, msg)
        queue.metrics.add("dead_lettered", now)
        queue.log(now, msg, "dead-lettered")
        moved = msg.copy()
        moved.more().dlq_source_arn = self.arn(queue.name)
        target.store.adopt(moved, self.rng)
        self._tick(target, now)
        # SentTimestamp stays the send time; the retention start depends on the DLQ's kind
        target.retention.add(moved, target.store.dead_letter_enqueued_at(moved, now))
        target.log(now, moved, "dead-lettered")
        self._add_visible(target, moved)

    def _lookup_receipt(self, queue: Queue, receipt: str) -> Message | None:
        """The message a receipt handle of this queue names (None: ours, but the message is gone);
        a handle that is not one of this queue's is ReceiptHandleIsInvalid."""
        msg = queue.receipts.get(receipt)
        if msg is not None:
            return msg
        try:
            decoded = base64.urlsafe_b64decode(receipt.encode("ascii")).decode()
            _, name, _ = decoded.split("|")
        except (ValueError, UnicodeError):
            name = None
        if name != queue.name:
            raise SqsError(
                "ReceiptHandleIsInvalid",
                f'The input receipt handle "{receipt}" is not a valid receipt handle.',
            )
        return None

    @changes_state
    def delete_message(self, name: str, receipt: str) -> None:
        queue = self._queue(name)
        now = self.now()
        self._tick(queue, now)
        if self._delete(queue, receipt, now):
            queue.metrics.add("deleted", now)

    @changes_state
    def delete_message_batch(self, name: str, receipts: list[str]) -> list[SqsError | None]:
        """DeleteMessageBatch as one step: each receipt is deleted or refused on its own, as
        `delete_message` would (None: deleted, else the error), in order, at one instant."""
        queue = self._queue(name)
        now = self.now()
        self._tick(queue, now)
        results: list[SqsError | None] = []
        deleted = 0
        for receipt in receipts:
            try:
                deleted += self._delete(queue, receipt, now)
            except SqsError as err:
                results.append(err)
            else:
                results.append(None)
        queue.metrics.add("deleted", now, deleted)  # one count for the batch: all at `now`
        return results

    def _delete(self, queue: Queue, receipt: str, now: float) -> bool:
        """Delete through a receipt handle; False if the message had gone already (deleting a
        message twice succeeds, as on SQS). The caller counts the deletes."""
        msg = self._lookup_receipt(queue, receipt)
        if msg is None or msg.state == GONE:
            return False
        queue.store.check_receipt(msg, receipt)
        self._remove(queue, msg)
        queue.log(now, msg, "deleted")
        return True

    @changes_state
    def change_message_visibility(self, name: str, receipt: str, timeout: int) -> None:
        """Standard queues apply a change through any receipt handle of a live message (also an
        older one, or one whose timeout ran out: the message is hidden again); FIFO queues only
        through the current receive's handle."""
        queue = self._queue(name)
        now = self.now()
        check.int_in("VisibilityTimeout", timeout, 0, 43_200)
        self._tick(queue, now)
        msg = self._lookup_receipt(queue, receipt)
        if msg is None or msg.state == GONE:
            raise invalid(
                f"Value {receipt} for parameter ReceiptHandle is invalid. Reason: Message does not "
                "exist or is not available for visibility timeout change."
            )
        queue.store.check_receipt(msg, receipt)
        if now + timeout - msg.received_at > 43_200:
            raise invalid(
                f"Value {timeout} for parameter VisibilityTimeout is invalid. Reason: Total "
                "VisibilityTimeout for the message is beyond the limit [43200 seconds]"
            )
        if msg.state == VISIBLE:
            if timeout == 0:
                return  # visible already
            self._hide(queue, msg)
        self._set_timer(queue, msg, now + timeout)
        if timeout == 0:
            self._tick(queue, now)

    def _hide(self, queue: Queue, msg: Message) -> None:
        """A visible message goes back in flight (its visibility was changed again)."""
        queue.visible -= 1
        queue.inflight += 1
        msg.state = INFLIGHT
        queue.store.hidden(msg)

    # ----- internal state changes ------------------------------------------------------------
    def _remove(self, queue: Queue, msg: Message) -> None:
        """A message leaves the queue for good (deleted, expired, dead-lettered)."""
        state = msg.state
        was_visible = state == VISIBLE
        if was_visible:
            queue.visible -= 1
        elif state == INFLIGHT:
            queue.inflight -= 1
            queue.stale_timers += 1  # its timer entry stays in the heap, now stale
        elif state == DELAYED:
            queue.delayed -= 1
            queue.stale_timers += 1
        msg.state = GONE
        msg.version += 1
        if mostly_stale(queue.stale_timers, queue.timers):
            _drop_stale_timers(queue.timers)
            queue.stale_timers = 0
        retention = queue.retention
        retention.gone += 1
        retention.drop_gone_front(msg)
        if mostly_stale(retention.gone, retention):
            # Deleted messages would otherwise stay referenced until their retention period ends.
            retention.compact()
        extra = msg.extra
        if extra is not None:
            receipts = queue.receipts
            for receipt in extra.receipts:
                receipts.pop(receipt, None)
            extra.receipts.clear()
        if queue.store.removed(msg, was_visible):
            self.on_visible(queue.name)  # e.g. a FIFO group is unblocked: wake long polls

    def _tick(self, queue: Queue, now: float) -> None:
        """Do what has come due, in the order it came due: delays and visibility timeouts end,
        old messages expire. Each event is logged at the time it happened, not at `now`."""
        if self._running:
            self._run_moves(now)
        timers = queue.timers
        kept = queue.retention
        retention = queue.int_attr("MessageRetentionPeriod")
        if not timers or timers[0][0] > now:  # the usual case, checked first: nothing is due
            first = kept.first()
            if first is None or first + retention > now:
                return
        woke = False
        while True:
            timer_due = timers[0][0] if timers else None
            first = kept.first()
            expiry_due = first + retention if first is not None else None
            if (
                expiry_due is not None
                and expiry_due <= now
                and (timer_due is None or expiry_due < timer_due)
            ):
                _, msg = kept.pop()
                if msg.state != GONE:
                    self._remove(queue, msg)
                    queue.metrics.add("expired", now)
                    queue.log(expiry_due, msg, "expired")
                kept.gone = max(0, kept.gone - 1)  # its entry is gone now
                continue
            if timer_due is None or timer_due > now:
                break
            _, _, version, msg = heapq.heappop(timers)
            if version != msg.version or msg.state not in (DELAYED, INFLIGHT):
                if msg.state == GONE and queue.stale_timers:
                    queue.stale_timers -= 1
                continue
            if msg.state == DELAYED:
                queue.delayed -= 1
            else:
                queue.inflight -= 1
                queue.log(timer_due, msg, "visible")
            msg.state = VISIBLE
            queue.visible += 1
            queue.store.became_visible(msg)
            woke = True
        if woke:
            self.on_visible(queue.name)


def _drop_stale_timers(timers: list[tuple[float, int, int, Message]]) -> None:
    """Remove the entries of messages that have left, in one O(n) pass, in place (a caller may
    hold the list). A deleted message's entry is otherwise popped only when it comes due, a
    visibility timeout later: until then every push and pop walks a heap mostly of the dead (at
    full speed ≈ 70,000 of them for a 30 s timeout), and each is popped at ≈ 1 µs. Called after at
    least half the entries went stale, so each costs O(1) amortised; the order of the live ones
    (a total order: due time, then a unique tie-breaker) is unchanged."""
    timers[:] = [entry for entry in timers if entry[3].state != GONE]
    heapq.heapify(timers)


def _page(
    names: list[str], max_results: int | None, next_token: str | None
) -> tuple[list[str], str | None]:
    """Paging as ListQueues does it: an opaque token after the last name returned."""
    start = 0
    if next_token:
        try:
            after = base64.urlsafe_b64decode(next_token.encode("ascii")).decode()
        except (ValueError, UnicodeError):
            raise invalid("Invalid NextToken value.") from None
        start = next((i for i, n in enumerate(names) if n > after), len(names))
    if max_results is None:
        return names[start : start + 1000], None
    check.int_in("MaxResults", max_results, 1, 1000)
    page = names[start : start + max_results]
    token = None
    if start + max_results < len(names):
        token = base64.urlsafe_b64encode(page[-1].encode()).decode("ascii")
    return page, token


def _encryption(attrs: dict[str, str], given: dict[str, str]) -> None:
    """SSE-KMS and SSE-SQS exclude each other; a KMS key brings its data key reuse period
    (default 300 s), and clearing the key takes the period away (as SQS shows it)."""
    if attrs.get("KmsMasterKeyId"):
        if given.get("SqsManagedSseEnabled") == "true":
            raise SqsError(
                "InvalidAttributeName",
                "You can use one type of server-side encryption (SSE) at one time. You can "
                "either enable KMS SSE or SQS SSE.",
            )
        attrs["SqsManagedSseEnabled"] = "false"
        attrs.setdefault("KmsDataKeyReusePeriodSeconds", "300")
    else:
        attrs.pop("KmsDataKeyReusePeriodSeconds", None)


def _policy(text: str, arn: str) -> dict[str, Any]:
    """A queue's policy document to add to (a new one, with AWS's default Id, when it has none)."""
    loaded: Any = None
    if text:
        try:
            loaded = json.loads(text)
        except ValueError:
            loaded = None
    policy: dict[str, Any] = (
        loaded
        if isinstance(loaded, dict)
        else {"Version": "2008-10-17", "Id": f"{arn}/SQSDefaultPolicy"}  # as SQS writes it
    )
    statements = policy.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    policy["Statement"] = [s for s in statements or [] if isinstance(s, dict)]
    return policy


def _shape(attributes: dict[str, dict[str, Any]] | None) -> tuple[Any, ...]:
    """A hashable key for a set of attributes, in the order given (the order replies keep)."""
    if not attributes:
        return ()
    return tuple([(name, tuple(attr.items())) for name, attr in attributes.items()])


_shared_attributes: dict[tuple[Any, ...], Attributes] = {}


def _attributes(
    message: dict[str, dict[str, Any]] | None,
    system: dict[str, dict[str, Any]] | None,
    trace_header: str | None,
) -> Attributes | None:
    """A message's attributes, checked, with their MD5s and size: one object shared by all
    messages sent with equal attributes, so each set is checked and digested once and stored
    once however many messages carry it. None when a message has none."""
    if not message and not system and not trace_header:
        return None
    key: tuple[Any, ...] | None
    found: Attributes | None
    try:
        key = (_shape(message), _shape(system), trace_header)
        found = _shared_attributes.get(key)
    except (TypeError, AttributeError):  # an unhashable value: checked (and refused) below
        key = found = None
    if found is not None:
        return found
    # copies: a caller that changes its dict later must not change the messages sharing it
    attrs = {name: _copy(attr) for name, attr in (message or {}).items()}
    sys_attrs = {name: _copy(attr) for name, attr in (system or {}).items()}
    size = check.message_attributes(attrs)
    check.message_attributes(sys_attrs, system=True)
    md5_sys = md5_of_attributes(sys_attrs)  # the trace header is kept, but not digested
    if trace_header and "AWSTraceHeader" not in sys_attrs:
        sys_attrs = {"AWSTraceHeader": {"DataType": "String", "StringValue": trace_header}}
    made = Attributes(attrs, sys_attrs, md5_of_attributes(attrs), md5_sys, size)
    if key is not None:
        if len(_shared_attributes) >= MAX_SHARED_ATTRIBUTES:
            _shared_attributes.clear()
        _shared_attributes[key] = made
    return made


def _copy(attr: Any) -> Any:
    return dict(attr) if isinstance(attr, dict) else attr


def _sent(
    msg: Message, md5_body: str, attrs: Attributes | None, sequence: str | None
) -> SendResult:
    if attrs is None:
        return SendResult(msg.message_id, md5_body, None, None, sequence)
    return SendResult(msg.message_id, md5_body, attrs.md5_message, attrs.md5_system, sequence)
