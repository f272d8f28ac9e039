"""The same scenarios against moto server and the lab's SQS service, both over HTTP with boto3.

Where moto follows AWS, both backends must give the same answer. Where it is known not to (it keeps
standard queues in strict order, forgets de-duplication ids once a message is deleted, ignores
ReceiveRequestAttemptId and DeduplicationScope, counts sizes in characters),
the test states AWS's behaviour and moto's known deviation side by side and asserts each backend
does what it is known to do: if moto is ever fixed, or ours regresses, the test says which.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import botocore.exceptions
import pytest

from labkit import analysis, queue_demo
from tests.differential.conftest import Backend

pytestmark = pytest.mark.timeout(120)

#: Seconds without a message that end a receive. Every message is sent before the receive starts
#: and a long poll answers as soon as one is visible, so one quiet second shows nothing more comes
#: (1.5 was rounded up to a 2-second poll: a second sat out per drain, on each backend).
QUIET = 1.0


def drain(
    client: Any, url: str, expect: int | None = None, seen: set[str] | None = None, **kwargs: Any
) -> list[dict]:
    """Receive (and delete) until `expect` new messages or one empty 1-second long poll.

    A standard queue delivers at least once (AWS and our model alike may hand out a copy of a
    message already received), so a message whose MessageId is in `seen` is deleted but not
    returned; pass the same set to a later call to keep such a copy from counting as new."""
    seen = set() if seen is None else seen
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
        for message in messages:
            if message["MessageId"] not in seen:
                seen.add(message["MessageId"])
                got.append(message)
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
    seen: set[str] = set()
    [message] = drain(client, url, expect=1, seen=seen)
    assert message["Body"] == body
    assert message["MessageId"] == sent["MessageId"]
    assert message["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert message["MessageAttributes"]["client"]["StringValue"] == "alice"
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert drain(client, url, seen=seen) == []


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
    received = queue_demo.receive_all(client, url, expect=None, timeout=QUIET)
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
    """On a FIFO queue, so that a standard queue's at-least-once copy (which has its own receive
    count) cannot stand in for the message coming back."""
    client = backend.client
    url = backend.queue("vis", fifo=True, ContentBasedDeduplication="true")
    client.send_message(QueueUrl=url, MessageBody="again", MessageGroupId="g")
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
# Where moto does not follow AWS: each backend does what it is known to do
# --------------------------------------------------------------------------------------------


def test_standard_queue_order(backend: Backend) -> None:
    """AWS: best-effort order, so 100 messages arrive visibly shuffled. moto: strict FIFO order."""
    client, url = backend.client, backend.queue("shuffle")
    queue_demo.publish(client, url, 100, client_name="p")
    received = queue_demo.receive_all(client, url, expect=None, timeout=QUIET)
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
    rerun = queue_demo.receive_all(client, url, expect=None, timeout=QUIET)
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


# --------------------------------------------------------------------------------------------
# Issue 10's AWS-recorded behaviours: where moto agrees, and where it does not
# --------------------------------------------------------------------------------------------
def outcome(call: Any) -> tuple[str, str]:
    """("ok", "") or the error's (code, message)."""
    try:
        call()
    except botocore.exceptions.ClientError as exc:
        return exc.response["Error"]["Code"], exc.response["Error"]["Message"]
    return "ok", ""


def test_batch_and_queue_error_wording_agrees(backend: Backend) -> None:
    """Both word these as AWS does over JSON."""
    client, url = backend.client, backend.queue("wording")
    assert outcome(lambda: client.send_message_batch(QueueUrl=url, Entries=[])) == (
        "AWS.SimpleQueueService.EmptyBatchRequest",
        "There should be at least one SendMessageBatchRequestEntry in the request.",
    )
    twice = [{"Id": "id_2", "MessageBody": "x"}] * 2
    assert outcome(lambda: client.send_message_batch(QueueUrl=url, Entries=twice)) == (
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
        "Id id_2 repeated.",
    )
    assert outcome(lambda: client.get_queue_url(QueueName="no-such-queue")) == (
        "AWS.SimpleQueueService.NonExistentQueue",
        "The specified queue does not exist.",
    )


def test_prefix_selection_and_purge_forgetting_dedup_ids_agree(backend: Backend) -> None:
    """`Hel.*` selects Hello and Help.Me; a purge clears the de-duplication cache (both)."""
    client, url = backend.client, backend.queue("prefix")
    names = ("Hello", "Help.Me", "Other")
    attrs = {n: {"DataType": "String", "StringValue": "v"} for n in names}
    client.send_message(QueueUrl=url, MessageBody="m", MessageAttributes=attrs)
    (m,) = client.receive_message(QueueUrl=url, WaitTimeSeconds=1, MessageAttributeNames=["Hel.*"])[
        "Messages"
    ]
    assert sorted(m["MessageAttributes"]) == ["Hello", "Help.Me"]
    fifo = backend.queue("purged", fifo=True)
    client.send_message(
        QueueUrl=fifo, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d"
    )
    client.purge_queue(QueueUrl=fifo)
    client.send_message(
        QueueUrl=fifo, MessageBody="y", MessageGroupId="g", MessageDeduplicationId="d"
    )
    assert [x["Body"] for x in drain(client, fifo)] == ["y"]


def test_batch_reply_without_failures(backend: Backend) -> None:
    """AWS leaves `Failed` out when nothing failed. moto sends an empty list."""
    client, url = backend.client, backend.queue("nofail")
    reply = client.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}])
    assert ("Failed" in reply) is expected(backend, aws=False, moto=True)


def test_fifo_message_visible_again_is_returned_before_its_group(backend: Backend) -> None:
    """AWS: the first of two in-flight messages, made visible again, is returned again.
    moto keeps the group blocked while any message of it is in flight."""
    client, url = (
        backend.client,
        backend.queue("again", fifo=True, ContentBasedDeduplication="true"),
    )
    for body in ("g1", "g2"):
        client.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
    first, _ = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    client.change_message_visibility(
        QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=0
    )
    again = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert [m["Body"] for m in again] == expected(backend, aws=["g1"], moto=[])


def test_queue_name_and_attribute_rules(backend: Backend) -> None:
    """AWS refuses `FifoQueue=false` on a standard queue, a name with a trailing newline, and a
    name deleted less than 60 s ago. moto accepts all three."""
    client = backend.client
    standard = f"std-{uuid.uuid4().hex[:8]}"
    assert outcome(
        lambda: client.create_queue(QueueName=standard, Attributes={"FifoQueue": "false"})
    )[0] == expected(backend, aws="InvalidAttributeName", moto="ok")
    assert outcome(lambda: client.create_queue(QueueName="newline\n"))[0] == expected(
        backend, aws="InvalidParameterValue", moto="ok"
    )
    url = backend.queue("gone")
    client.delete_queue(QueueUrl=url)
    assert outcome(lambda: client.create_queue(QueueName=url.rsplit("/", 1)[1]))[0] == expected(
        backend, aws="AWS.SimpleQueueService.QueueDeletedRecently", moto="ok"
    )


def test_permission_policy_and_attribute_refusals_agree(backend: Backend) -> None:
    """Both: AddPermission writes a statement into Policy; a RedrivePolicy without
    maxReceiveCount is InvalidParameterValue; TagQueue without tags is MissingParameter."""
    client, url = backend.client, backend.queue("perm")
    client.add_permission(
        QueueUrl=url, Label="L", AWSAccountIds=["111122223333"], Actions=["SendMessage"]
    )
    policy = client.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]
    (statement,) = json.loads(policy["Policy"])["Statement"]
    assert statement["Sid"] == "L" and statement["Action"] == "SQS:SendMessage"
    assert statement["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    no_count = json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:x"})
    assert (
        outcome(
            lambda: client.set_queue_attributes(
                QueueUrl=url, Attributes={"RedrivePolicy": no_count}
            )
        )[0]
        == "InvalidParameterValue"
    )
    assert outcome(lambda: client.tag_queue(QueueUrl=url, Tags={}))[0] == "MissingParameter"


def test_redrive_from_a_queue_that_is_no_dead_letter_queue(backend: Backend) -> None:
    """AWS: InvalidParameterValue. moto answers a 500 (an HTML error page)."""
    client, url = backend.client, backend.queue("notdlq")
    arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    code = outcome(lambda: client.start_message_move_task(SourceArn=arn))[0]
    assert code == expected(backend, aws="InvalidParameterValue", moto="500")
