"""What the lab teaches about SQS, checked against the local service and (with `--aws`) real SQS.

A tutor runs `pytest tests/aws --aws` before class: if AWS changed, the `aws` cases say so. Only
behaviour AWS documents is asserted here; the standard queue's disorder is a property of the
local teaching model (AWS makes no promise about how much), so it is not asserted for AWS.
"""

from __future__ import annotations

import botocore.exceptions
import pytest

from labkit import analysis, queue_demo
from tests.aws.conftest import Target

pytestmark = pytest.mark.timeout(180)


def drain(target: Target, url: str, expect: int | None = None, idle_polls: int = 1) -> list[dict]:
    """Receive and delete until `expect` messages, or `idle_polls` empty long polls."""
    client = target.client
    got: list[dict] = []
    idle = 0
    while (expect is None or len(got) < expect) and idle < idle_polls:
        messages = client.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=target.patience,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            idle += 1
            continue
        idle = 0
        got.extend(messages)
        client.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ],
        )
    return got


def test_standard_queue_delivers_every_message_at_least_once(target: Target) -> None:
    url = target.queue("std")
    sent = queue_demo.publish(target.client, url, 100, client_name="tutor")
    assert all(s.ok for s in sent)
    received = queue_demo.receive_all(target.client, url, expect=None, timeout=target.patience)
    summary = analysis.summarize(received)
    assert summary.complete, summary
    assert {r.client for r in received} == {"tutor"}
    if target.name == "local":
        assert summary.inversions > 0  # the teaching model makes disorder visible


def test_fifo_order_dedup_and_prepend(target: Target) -> None:
    url = target.queue("fifo", fifo=True, ContentBasedDeduplication="true")
    queue_demo.publish(target.client, url, 30, client_name="tutor")
    first = queue_demo.receive_all(target.client, url, expect=30, timeout=4)
    assert [r.number for r in first] == list(range(30))

    queue_demo.publish(target.client, url, 30, client_name="tutor")  # re-run: within 5 minutes
    assert queue_demo.receive_all(target.client, url, None, timeout=target.patience) == []

    queue_demo.publish(target.client, url, 30, client_name="tutor", prepend="A-")
    again = queue_demo.receive_all(target.client, url, expect=30, timeout=4)
    assert [r.body for r in again] == [f"A-Message {i}" for i in range(30)]


def test_sequence_numbers_increase(target: Target) -> None:
    url = target.queue("seq", fifo=True, ContentBasedDeduplication="true")
    sent = queue_demo.publish(target.client, url, 12, client_name="tutor")
    numbers = [int(s.sequence_number or 0) for s in sent]
    assert numbers == sorted(numbers) and len(set(numbers)) == 12


def test_receive_request_attempt_id_retry_returns_the_same_batch(target: Target) -> None:
    client = target.client
    url = target.queue("attempt", fifo=True, ContentBasedDeduplication="true")
    for i in range(3):
        client.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageGroupId="g")
    kwargs = {"QueueUrl": url, "MaxNumberOfMessages": 10, "ReceiveRequestAttemptId": "retry-1"}
    first = client.receive_message(WaitTimeSeconds=2, **kwargs)["Messages"]
    retry = client.receive_message(**kwargs).get("Messages", [])
    assert [m["MessageId"] for m in retry] == [m["MessageId"] for m in first]


def test_deduplication_scope_message_group(target: Target) -> None:
    url = target.queue(
        "scope",
        fifo=True,
        ContentBasedDeduplication="true",
        DeduplicationScope="messageGroup",
        FifoThroughputLimit="perMessageGroupId",
    )
    for group in ("a", "b", "a"):
        target.client.send_message(QueueUrl=url, MessageBody="same", MessageGroupId=group)
    groups = sorted(m["Attributes"]["MessageGroupId"] for m in drain(target, url))
    assert groups == ["a", "b"]  # the second "a" is a duplicate within its group


def test_size_limit_counts_bytes(target: Target) -> None:
    url = target.queue("size", MaximumMessageSize="1024")
    target.client.send_message(QueueUrl=url, MessageBody="e" * 1024)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        target.client.send_message(QueueUrl=url, MessageBody="é" * 600)  # 1,200 bytes
    assert info.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_invalid_body_characters_are_rejected(target: Target) -> None:
    url = target.queue("chars")
    with pytest.raises(botocore.exceptions.ClientError) as info:
        target.client.send_message(QueueUrl=url, MessageBody="a\x00b")
    assert info.value.response["Error"]["Code"] == "InvalidMessageContents"


def test_missing_queue_raises_queue_does_not_exist(target: Target) -> None:
    with pytest.raises(target.client.exceptions.QueueDoesNotExist):
        target.client.get_queue_url(QueueName="queuelab-test-no-such-queue")


def test_visibility_timeout_zero_redelivers_with_a_higher_receive_count(target: Target) -> None:
    url = target.queue("vis")
    target.client.send_message(QueueUrl=url, MessageBody="again")
    first = target.client.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"][0]
    target.client.change_message_visibility(
        QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=0
    )
    [second] = drain(target, url, expect=1, idle_polls=3)
    assert second["MessageId"] == first["MessageId"]
    assert int(second["Attributes"]["ApproximateReceiveCount"]) == 2
