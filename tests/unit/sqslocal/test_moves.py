"""Message move tasks (dead-letter queue redrive), from the AWS API reference:
StartMessageMoveTask / ListMessageMoveTasks / CancelMessageMoveTask."""

from __future__ import annotations

import json

import pytest

from labkit.sqslocal.engine import Engine
from labkit.sqslocal.errors import SqsError


def dead_letter(engine: Engine, count: int, source: str = "src", dlq: str = "dlq") -> None:
    """Make `count` messages land in `dlq` through `source`'s redrive policy (maxReceiveCount 1)."""
    fifo = dlq.endswith(".fifo")
    extra = {"FifoQueue": "true", "ContentBasedDeduplication": "true"} if fifo else {}
    engine.create_queue(dlq, dict(extra))
    policy = {"deadLetterTargetArn": engine.arn(dlq), "maxReceiveCount": 1}
    engine.create_queue(source, {**extra, "RedrivePolicy": json.dumps(policy)})
    for i in range(count):
        engine.send_message(source, f"m{i}", group_id="g" if fifo else None)
    while engine.get_queue_attributes(source, ["All"])["ApproximateNumberOfMessages"] != "0":
        for m in engine.receive_message(source, 10, long_poll=True):
            engine.change_message_visibility(source, m.receipt_handle, 0)
    assert engine.get_queue_attributes(dlq, ["All"])["ApproximateNumberOfMessages"] == str(count)


def visible(engine: Engine, name: str) -> int:
    return int(
        engine.get_queue_attributes(name, ["ApproximateNumberOfMessages"])[
            "ApproximateNumberOfMessages"
        ]
    )


def test_redrive_back_to_the_source_at_the_asked_rate(engine: Engine, clock) -> None:
    dead_letter(engine, 6)
    engine.start_message_move_task(engine.arn("dlq"), max_per_second=2)
    (task,) = engine.list_message_move_tasks(engine.arn("dlq"))
    assert task["Status"] == "RUNNING"
    assert task["ApproximateNumberOfMessagesToMove"] == 6
    assert task["ApproximateNumberOfMessagesMoved"] == 1  # message k moves at start + k/rate
    assert task["MaxNumberOfMessagesPerSecond"] == 2
    assert "TaskHandle" in task and "DestinationArn" not in task
    clock.tick(1.0)
    assert (
        engine.list_message_move_tasks(engine.arn("dlq"))[0]["ApproximateNumberOfMessagesMoved"]
        == 3
    )
    clock.tick(2.0)
    (task,) = engine.list_message_move_tasks(engine.arn("dlq"))
    assert task["Status"] == "COMPLETED"
    assert task["ApproximateNumberOfMessagesMoved"] == 6
    assert "TaskHandle" not in task  # only RUNNING tasks show their handle
    assert visible(engine, "src") == 6 and visible(engine, "dlq") == 0


def test_redriven_messages_are_new_messages(engine: Engine) -> None:
    dead_letter(engine, 1)
    (old,) = engine.receive_message("dlq", long_poll=True)
    engine.change_message_visibility("dlq", old.receipt_handle, 0)
    engine.start_message_move_task(engine.arn("dlq"))
    (new,) = engine.receive_message("src", long_poll=True)
    assert new.body == old.body
    assert new.message_id != old.message_id  # AWS: a new MessageId and enqueue time
    assert new.system["ApproximateReceiveCount"] == "1"
    assert "DeadLetterQueueSourceArn" not in new.system
    events = engine.events("dlq")
    assert events[-1]["event"] == "moved"
    assert engine.events("src")[-2]["event"] == "moved"


def test_redrive_to_a_destination_and_the_list_order(engine: Engine, clock) -> None:
    dead_letter(engine, 3)
    engine.create_queue("elsewhere")
    engine.start_message_move_task(engine.arn("dlq"), engine.arn("elsewhere"))
    clock.tick(1)
    assert visible(engine, "elsewhere") == 3 and visible(engine, "src") == 0
    dead_letter_again = engine.receive_message("src", long_poll=True)
    assert dead_letter_again == []
    engine.start_message_move_task(engine.arn("dlq"))  # a second task once the first is done
    listed = engine.list_message_move_tasks(engine.arn("dlq"), 10)
    assert [t.get("DestinationArn") for t in listed] == [None, engine.arn("elsewhere")]
    assert len(engine.list_message_move_tasks(engine.arn("dlq"))) == 1  # default MaxResults 1


def test_cancel_stops_where_the_task_is(engine: Engine, clock) -> None:
    dead_letter(engine, 10)
    handle = engine.start_message_move_task(engine.arn("dlq"), max_per_second=1)
    clock.tick(2.5)
    assert engine.cancel_message_move_task(handle) == 3
    clock.tick(100)
    (task,) = engine.list_message_move_tasks(engine.arn("dlq"))
    assert task["Status"] == "CANCELLED" and task["ApproximateNumberOfMessagesMoved"] == 3
    assert visible(engine, "dlq") == 7
    with pytest.raises(SqsError):
        engine.cancel_message_move_task(handle)


def test_a_task_waits_for_an_in_flight_message(engine: Engine, clock) -> None:
    dead_letter(engine, 2)
    (held,) = engine.receive_message("dlq", visibility_timeout=30, long_poll=True)
    engine.start_message_move_task(engine.arn("dlq"), max_per_second=10)
    clock.tick(5)
    status = engine.list_message_move_tasks(engine.arn("dlq"))[0]
    assert status["Status"] == "RUNNING"
    engine.delete_message("dlq", held.receipt_handle)
    clock.tick(1)
    status = engine.list_message_move_tasks(engine.arn("dlq"))[0]
    assert status["Status"] == "COMPLETED" and status["ApproximateNumberOfMessagesMoved"] == 1


def test_fifo_redrive_keeps_group_order(engine: Engine, clock) -> None:
    dead_letter(engine, 3, "src.fifo", "dlq.fifo")
    engine.start_message_move_task(engine.arn("dlq.fifo"))
    clock.tick(1)
    got = engine.receive_message("src.fifo", 10)
    assert [m.body for m in got] == ["m0", "m1", "m2"]
    assert {m.system["MessageGroupId"] for m in got} == {"g"}


def test_a_source_gone_fails_the_task(engine: Engine, clock) -> None:
    dead_letter(engine, 3)
    engine.start_message_move_task(engine.arn("dlq"), max_per_second=1)
    engine.delete_queue("src")
    clock.tick(5)
    (task,) = engine.list_message_move_tasks(engine.arn("dlq"))
    assert task["Status"] == "FAILED" and task["FailureReason"]
    assert task["ApproximateNumberOfMessagesMoved"] == 1
    assert visible(engine, "dlq") == 2  # nothing is lost


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda e: e.start_message_move_task("not-an-arn"), "InvalidParameterValue"),
        (lambda e: e.start_message_move_task(e.arn("nope")), "ResourceNotFoundException"),
        (lambda e: e.start_message_move_task(e.arn("src")), "InvalidParameterValue"),  # not a DLQ
        (
            lambda e: e.start_message_move_task(e.arn("dlq"), max_per_second=0),
            "InvalidParameterValue",
        ),
        (
            lambda e: e.start_message_move_task(e.arn("dlq"), max_per_second=501),
            "InvalidParameterValue",
        ),
        (
            lambda e: e.start_message_move_task(e.arn("dlq"), e.arn("nope")),
            "ResourceNotFoundException",
        ),
        (
            lambda e: e.start_message_move_task(e.arn("dlq"), e.arn("csse6400_prac.fifo")),
            "InvalidParameterValue",
        ),
        (
            lambda e: e.start_message_move_task(e.arn("dlq").replace("us-east-1", "eu-west-1")),
            "ResourceNotFoundException",
        ),
        (lambda e: e.start_message_move_task(e.arn("dlq") + "\n"), "InvalidParameterValue"),
        (lambda e: e.list_message_move_tasks(e.arn("dlq"), 11), "InvalidParameterValue"),
        (lambda e: e.list_message_move_tasks(e.arn("nope")), "ResourceNotFoundException"),
        (lambda e: e.cancel_message_move_task("garbage"), "InvalidParameterValue"),  # not a handle
    ],
)
def test_validation(engine: Engine, call, code: str) -> None:
    dead_letter(engine, 1)
    with pytest.raises(SqsError) as err:
        call(engine)
    assert err.value.query_code == code


def test_one_running_task_per_source(engine: Engine) -> None:
    dead_letter(engine, 5)
    engine.start_message_move_task(engine.arn("dlq"), max_per_second=1)
    with pytest.raises(SqsError) as err:
        engine.start_message_move_task(engine.arn("dlq"))
    assert "Only one active task" in err.value.message


def test_reset_forgets_tasks(engine: Engine) -> None:
    dead_letter(engine, 2)
    engine.start_message_move_task(engine.arn("dlq"), max_per_second=1)
    engine.reset()
    assert engine._running == [] and engine.move_tasks == []
