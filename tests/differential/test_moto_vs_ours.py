"""The same scenarios against moto server and the lab's SQS service, both over HTTP with boto3.

Where moto follows AWS, both backends must give the same answer. Where it does not (DESIGN §5),
the test states AWS's behaviour and moto's known deviation side by side and asserts each backend
does what it is known to do: if moto is ever fixed, or ours regresses, the test says which.
"""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest

from labkit import analysis, queue_demo
from tests.differential.conftest import Backend

pytestmark = pytest.mark.timeout(120)


def drain(client: Any, url: str, expect: int | None = None, **kwargs: Any) -> list[dict]:
    """Receive (and delete) until `expect` messages or one empty 1-second long poll."""
    got: list[dict] = []
    while expect is None or len(got) < expect:
        reply = client.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            **kwargs,
        )
        messages = reply.get("Messages", [])
        if not messages:
            break
        got.extend(messages)
        client.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ],
        )
    return got


def error_of(call: Any) -> str:
    """The modelled exception name boto3 raised (e.g. 'QueueDoesNotExist'), or the error code."""
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    name = type(info.value).__name__
    return name if name != "ClientError" else info.value.response["Error"]["Code"]


def expected(backend: Backend, *, aws: Any, moto: Any) -> Any:
    """What this backend must do: AWS's behaviour for ours, the recorded deviation for moto."""
    return moto if backend.name == "moto" else aws


# --------------------------------------------------------------------------------------------
# Where moto follows AWS: both backends agree
# --------------------------------------------------------------------------------------------


def test_round_trip_keeps_body_attributes_and_md5(backend: Backend) -> None:
    client, url = backend.client, backend.queue("rt")
    body = "héllo ✓ \U0001f600"
    sent = client.send_message(
        QueueUrl=url,
        MessageBody=body,
        MessageAttributes={"client": {"DataType": "String", "StringValue": "alice"}},
    )
    [message] = drain(client, url, expect=1)
    assert message["Body"] == body
    assert message["MessageId"] == sent["MessageId"]
    assert message["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert message["MessageAttributes"]["client"]["StringValue"] == "alice"
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert drain(client, url) == []


@pytest.mark.parametrize(
    ("case", "want"),
    [
        ("missing queue", "QueueDoesNotExist"),
        ("fifo without group", "MissingParameter"),
        ("max messages 11", "InvalidParameterValue"),
        ("wait 21 s", "InvalidParameterValue"),
        ("batch of 11", "TooManyEntriesInBatchRequest"),
        ("batch ids repeat", "BatchEntryIdsNotDistinct"),
        ("garbage receipt handle", "ReceiptHandleIsInvalid"),
        ("bad queue name", "InvalidParameterValue"),
        ("same name, other attributes", "QueueNameExists"),
        ("body over the limit", "InvalidParameterValue"),
    ],
)
def test_bad_input_gets_the_same_error(backend: Backend, case: str, want: str) -> None:
    client = backend.client
    fifo = backend.queue("err", fifo=True, ContentBasedDeduplication="true")
    std = backend.queue("err", MaximumMessageSize="1024")
    calls = {
        "missing queue": lambda: client.get_queue_url(QueueName="no-such-queue-here"),
        "fifo without group": lambda: client.send_message(QueueUrl=fifo, MessageBody="x"),
        "max messages 11": lambda: client.receive_message(QueueUrl=std, MaxNumberOfMessages=11),
        "wait 21 s": lambda: client.receive_message(QueueUrl=std, WaitTimeSeconds=21),
        "batch of 11": lambda: client.send_message_batch(
            QueueUrl=std, Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)]
        ),
        "batch ids repeat": lambda: client.send_message_batch(
            QueueUrl=std, Entries=[{"Id": "a", "MessageBody": "x"}] * 2
        ),
        "garbage receipt handle": lambda: client.delete_message(QueueUrl=std, ReceiptHandle="nope"),
        "bad queue name": lambda: client.create_queue(QueueName="bad name!"),
        "same name, other attributes": lambda: client.create_queue(
            QueueName=fifo.rsplit("/", 1)[-1],
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"},
        ),
        "body over the limit": lambda: client.send_message(QueueUrl=std, MessageBody="e" * 1025),
    }
    assert error_of(calls[case]) == want


def test_body_at_the_limit_is_accepted(backend: Backend) -> None:
    client, url = backend.client, backend.queue("lim", MaximumMessageSize="1024")
    client.send_message(QueueUrl=url, MessageBody="e" * 1024)
    assert [m["Body"] for m in drain(client, url, expect=1)] == ["e" * 1024]


def test_fifo_keeps_group_order_and_drops_content_duplicates(backend: Backend) -> None:
    client = backend.client
    url = backend.queue("order", fifo=True, ContentBasedDeduplication="true")
    sent = queue_demo.publish(client, url, 30, client_name="alice")
    again = queue_demo.publish(client, url, 5, client_name="alice")  # same bodies: duplicates
    assert all(s.ok for s in sent + again)  # a duplicate send still "succeeds"
    received = queue_demo.receive_all(client, url, expect=None, timeout=1.5)
    summary = analysis.summarize(received, expected=30)
    assert [r.number for r in received] == list(range(30))
    assert summary.in_order and summary.complete and not summary.duplicates


def test_fifo_group_in_flight_blocks_its_later_messages(backend: Backend) -> None:
    client = backend.client
    url = backend.queue("block", fifo=True, ContentBasedDeduplication="true")
    for body in ("first", "second"):
        client.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
    first = client.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    assert [m["Body"] for m in first] == ["first"]
    assert client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []
    client.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    assert [m["Body"] for m in drain(client, url, expect=1)] == ["second"]


def test_visibility_zero_makes_a_message_visible_again(backend: Backend) -> None:
    client, url = backend.client, backend.queue("vis")
    client.send_message(QueueUrl=url, MessageBody="again")
    first = client.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"][0]
    client.change_message_visibility(
        QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=0
    )
    [second] = drain(client, url, expect=1)
    assert second["MessageId"] == first["MessageId"]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"


def test_purge_empties_the_queue(backend: Backend) -> None:
    client, url = backend.client, backend.queue("purge")
    queue_demo.publish(client, url, 20, client_name="p")
    client.purge_queue(QueueUrl=url)
    assert drain(client, url) == []


# --------------------------------------------------------------------------------------------
# Where moto does not follow AWS (DESIGN §5): each backend does what it is known to do
# --------------------------------------------------------------------------------------------


def test_standard_queue_order(backend: Backend) -> None:
    """AWS: best-effort order, so 100 messages arrive visibly shuffled. moto: strict FIFO order."""
    client, url = backend.client, backend.queue("shuffle")
    queue_demo.publish(client, url, 100, client_name="p")
    received = queue_demo.receive_all(client, url, expect=None, timeout=1.5)
    summary = analysis.summarize(received)
    assert summary.complete  # neither loses a message
    assert summary.inversions > 0 if backend.name == "ours" else summary.inversions == 0


def test_fifo_rerun_of_the_demo_is_deduplicated_after_delete(backend: Backend) -> None:
    """AWS keeps de-duplication ids 5 minutes, deleted or not. moto forgets them on delete."""
    client = backend.client
    url = backend.queue("rerun", fifo=True, ContentBasedDeduplication="true")
    queue_demo.publish(client, url, 10, client_name="p")
    assert len(queue_demo.receive_all(client, url, expect=10, timeout=2)) == 10
    queue_demo.publish(client, url, 10, client_name="p")  # the publisher, run again
    rerun = queue_demo.receive_all(client, url, expect=None, timeout=1.5)
    assert len(rerun) == expected(backend, aws=0, moto=10)


def test_receive_request_attempt_id_retry_returns_the_same_messages(backend: Backend) -> None:
    """AWS: a retried ReceiveRequestAttemptId (within 5 min) returns the same batch. moto: ignored."""
    client = backend.client
    url = backend.queue("attempt", fifo=True, ContentBasedDeduplication="true")
    for i in range(3):
        client.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageGroupId="g")
    first = client.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, ReceiveRequestAttemptId="try-1"
    )
    retry = client.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, ReceiveRequestAttemptId="try-1"
    )
    first_ids = [m["MessageId"] for m in first["Messages"]]
    retry_ids = [m["MessageId"] for m in retry.get("Messages", [])]
    assert first_ids
    assert retry_ids == expected(backend, aws=first_ids, moto=[])


def test_deduplication_scope_message_group(backend: Backend) -> None:
    """AWS: with DeduplicationScope=messageGroup the same body in two groups is two messages.
    moto ignores the scope and de-duplicates across the queue."""
    client = backend.client
    url = backend.queue(
        "scope",
        fifo=True,
        ContentBasedDeduplication="true",
        DeduplicationScope="messageGroup",
        FifoThroughputLimit="perMessageGroupId",
    )
    for group in ("a", "b"):
        client.send_message(QueueUrl=url, MessageBody="same body", MessageGroupId=group)
    delivered = drain(client, url)
    assert len(delivered) == expected(backend, aws=2, moto=1)


def test_message_size_is_counted_in_bytes(backend: Backend) -> None:
    """AWS counts MaximumMessageSize in bytes: 600 × 'é' is 1,200 bytes > 1,024. moto counts characters."""
    client, url = backend.client, backend.queue("bytes", MaximumMessageSize="1024")
    try:
        client.send_message(QueueUrl=url, MessageBody="é" * 600)
        outcome = "accepted"
    except botocore.exceptions.ClientError as exc:
        outcome = exc.response["Error"]["Code"]
    assert outcome == expected(backend, aws="InvalidParameterValue", moto="accepted")


def test_body_characters_outside_the_allowed_set(backend: Backend) -> None:
    """AWS rejects a NUL in a body (InvalidMessageContents). moto stores it."""
    client, url = backend.client, backend.queue("chars")
    try:
        client.send_message(QueueUrl=url, MessageBody="a\x00b")
        outcome = "accepted"
    except botocore.exceptions.ClientError as exc:
        outcome = exc.response["Error"]["Code"]
    assert outcome == expected(backend, aws="InvalidMessageContents", moto="accepted")
