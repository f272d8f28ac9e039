"""FIFO queues over HTTP: order, groups, de-duplication (and its window), attempt ids, sequence numbers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.sqs.helpers import numbers

FIFO = "csse6400_prac.fifo"


@pytest.fixture
def url(sqs: Any) -> str:
    return sqs.get_queue_url(QueueName=FIFO)["QueueUrl"]


def publish(sqs: Any, url: str, prefix: str = "", n: int = 100) -> None:
    for start in range(0, n, 10):
        result = sqs.send_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "MessageBody": f"{prefix}Message {i}", "MessageGroupId": "demo"}
                for i in range(start, min(n, start + 10))
            ],
        )
        assert not result.get("Failed")


def subscribe(sqs: Any, url: str) -> list[dict]:
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not got:
            return out
        out.extend(got)
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)
            ],
        )


def test_the_course_demo_on_fifo(sqs: Any, sqs_server, url: str) -> None:
    publish(sqs, url)
    assert numbers(subscribe(sqs, url)) == list(range(100))
    publish(sqs, url)  # a re-run: every body seen in the last 5 minutes
    assert subscribe(sqs, url) == []
    publish(sqs, url, prefix="A-")
    assert numbers(subscribe(sqs, url)) == list(range(100))
    sqs_server.advance(300)  # the de-duplication window has passed
    publish(sqs, url, n=10)
    assert numbers(subscribe(sqs, url)) == list(range(10))


def test_duplicate_send_returns_the_first_message_id(sqs: Any, url: str) -> None:
    first = sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g")
    again = sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g")
    assert again["MessageId"] == first["MessageId"]
    assert again["SequenceNumber"] == first["SequenceNumber"]


def test_group_blocked_while_in_flight(sqs: Any, url: str) -> None:
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"Message {i}", MessageGroupId="g")
    sqs.send_message(QueueUrl=url, MessageBody="Message 9", MessageGroupId="other")
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]
    assert numbers(first) == [0, 1]
    second = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert numbers(second) == [9]


def test_missing_group_and_per_message_delay(sqs: Any, url: str) -> None:
    with pytest.raises(sqs.exceptions.ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x")
    assert exc.value.response["Error"]["Code"] == "MissingParameter"
    with pytest.raises(sqs.exceptions.ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", DelaySeconds=3)
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_explicit_dedup_id_and_group_scope(sqs: Any) -> None:
    url = sqs.create_queue(
        QueueName="scoped.fifo",
        Attributes={
            "FifoQueue": "true",
            "DeduplicationScope": "messageGroup",
            "FifoThroughputLimit": "perMessageGroupId",
        },
    )["QueueUrl"]
    for group in ("a", "b", "a"):
        sqs.send_message(
            QueueUrl=url, MessageBody="x", MessageGroupId=group, MessageDeduplicationId="d"
        )
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "2"
    assert attrs["DeduplicationScope"] == "messageGroup"


def test_sequence_numbers_and_system_attributes(sqs: Any, url: str) -> None:
    seqs = [
        int(
            sqs.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageGroupId="g")[
                "SequenceNumber"
            ]
        )
        for i in range(5)
    ]
    assert seqs == sorted(seqs)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])[
        "Messages"
    ]
    assert [int(m["Attributes"]["SequenceNumber"]) for m in got] == seqs
    assert {m["Attributes"]["MessageGroupId"] for m in got} == {"g"}
    assert all(len(m["Attributes"]["MessageDeduplicationId"]) == 64 for m in got)  # SHA-256 hex


def test_receive_request_attempt_id_retry(sqs: Any, url: str) -> None:
    for i in range(4):
        sqs.send_message(QueueUrl=url, MessageBody=f"Message {i}", MessageGroupId=f"g{i}")
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="r1")
    retry = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, ReceiveRequestAttemptId="r1")
    assert [m["ReceiptHandle"] for m in retry["Messages"]] == [
        m["ReceiptHandle"] for m in first["Messages"]
    ]
