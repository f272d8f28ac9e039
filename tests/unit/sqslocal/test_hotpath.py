"""What the hot-path shortcuts must not change: request ids stay UUID-shaped and unique, and a
request orjson reads differently from `json.loads` (an integer past 64 bits) answers as before."""

from __future__ import annotations

import json
import random
import uuid

import pytest

from labkit.sqslocal.engine import Engine
from labkit.sqslocal.protocol import Dispatcher
from labkit.sqslocal.request_id import new_request_id
from tests.unit.sqslocal.conftest import FakeClock, course_config


def test_request_ids_are_unique_version_4_uuids() -> None:
    ids = [new_request_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    for text in ids[:500]:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122


@pytest.fixture
def dispatcher() -> Dispatcher:
    return Dispatcher(Engine(FakeClock(), random.Random(3), course_config()))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"QueueName": 123456789012345678901}',
            "Value 123456789012345678901 for parameter QueueName is invalid: must be a string.",
        ),
        (
            b'{"QueueName": "q", "Attributes": {"DelaySeconds": -9223372036854775809}}',
            "Value -9223372036854775809 for parameter Attributes.DelaySeconds is invalid: "
            "must be a string.",
        ),
    ],
)
async def test_integers_past_64_bits_read_as_json_loads_reads_them(
    dispatcher: Dispatcher, body: bytes, message: str
) -> None:
    status, headers, reply = await dispatcher.handle("AmazonSQS.CreateQueue", body, "h:1")
    assert status == 400
    assert b'"message":' in reply
    assert json.loads(reply)["message"] == message
    assert dict(headers)[b"x-amzn-requestid"].count(b"-") == 4


async def test_non_json_loads_input_still_goes_through_json_loads(dispatcher: Dispatcher) -> None:
    # NaN is refused by orjson but read by json.loads: the model check then answers as before
    status, _, reply = await dispatcher.handle(
        "AmazonSQS.CreateQueue", b'{"QueueName": NaN}', "h:1"
    )
    assert status == 400
    assert b"Value nan for parameter QueueName is invalid: must be a string." in reply


def test_deleted_messages_leave_the_timer_heap_and_live_timers_still_fire() -> None:
    clock = FakeClock()
    # no duplicates: a copy left behind would stay visible and blur the counts below
    engine = Engine(clock, random.Random(5), course_config(duplicate_rate=0.0))
    engine.create_queue("heap", {"VisibilityTimeout": "30"})
    # one message stays in flight throughout; its timer must survive every compaction
    engine.send_message("heap", "kept")
    (kept,) = engine.receive_message("heap", max_number=1, long_poll=True)
    for n in range(5_000):  # receive and delete well within the visibility timeout
        engine.send_message("heap", f"m{n}")
        clock.tick(0.001)
        got = engine.receive_message("heap", max_number=1, long_poll=True)
        assert len(got) == 1
        assert engine.delete_message_batch("heap", [got[0].receipt_handle]) == [None]
    queue = engine.queues["heap"]
    # the heap no longer holds an entry per message ever received: at most the stale ones
    # since the last pass, never more than the live ones twice over plus the threshold
    assert len(queue.timers) <= 2 * 1025
    assert queue.inflight == 1 and queue.visible == 0
    clock.tick(30)  # the kept message's visibility timeout ends: it comes back, once
    again = engine.receive_message("heap", max_number=10, long_poll=True)
    assert [m.message_id for m in again] == [kept.message_id]
    assert again[0].receive_count == 2
