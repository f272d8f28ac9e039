"""Messages over HTTP with boto3: attributes and their MD5s, batches, visibility, delays, DLQs."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from labkit.sqslocal.md5 import md5_of_attributes
from tests.integration.sqs.helpers import receive_all

STD = "csse6400_prac"


@pytest.fixture
def url(sqs: Any) -> str:
    return sqs.get_queue_url(QueueName=STD)["QueueUrl"]


ATTRS = {
    "client": {"DataType": "String", "StringValue": "alice"},
    "count": {"DataType": "Number", "StringValue": "42"},
    "blob": {"DataType": "Binary", "BinaryValue": b"\x00\xff"},
    "trace.id": {"DataType": "String.custom", "StringValue": "t-1"},
}


def test_send_reports_correct_md5s(sqs: Any, url: str) -> None:
    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody="héllo",
        MessageAttributes=ATTRS,
        MessageSystemAttributes={
            "AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-abc"}
        },
    )
    assert sent["MD5OfMessageBody"] == hashlib.md5("héllo".encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(ATTRS)
    assert sent["MD5OfMessageSystemAttributes"]


def test_receive_selects_attributes_by_name_prefix_and_all(sqs: Any, url: str) -> None:
    sqs.send_message(QueueUrl=url, MessageBody="m", MessageAttributes=ATTRS)
    (m,) = sqs.receive_message(
        QueueUrl=url,
        WaitTimeSeconds=1,
        MessageAttributeNames=["client", "trace.*"],
        MessageSystemAttributeNames=["SentTimestamp", "ApproximateReceiveCount"],
    )["Messages"]
    assert set(m["MessageAttributes"]) == {"client", "trace.id"}
    assert m["MD5OfMessageAttributes"] == md5_of_attributes(
        {k: ATTRS[k] for k in ("client", "trace.id")}
    )
    assert set(m["Attributes"]) == {"SentTimestamp", "ApproximateReceiveCount"}
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
    )
    (m,) = sqs.receive_message(
        QueueUrl=url, WaitTimeSeconds=1, MessageAttributeNames=["All"], AttributeNames=["All"]
    )["Messages"]
    assert m["MessageAttributes"]["blob"]["BinaryValue"] == b"\x00\xff"
    assert m["MessageAttributes"]["count"] == {"DataType": "Number", "StringValue": "42"}
    assert m["Attributes"]["ApproximateReceiveCount"] == "2"
    assert m["Attributes"]["SenderId"]
    plain = sqs.send_message(QueueUrl=url, MessageBody="no attrs")
    assert "MD5OfMessageAttributes" not in plain


def test_batches_report_success_and_failure_per_entry(sqs: Any, url: str) -> None:
    result = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "ok", "MessageBody": "fine"},
            {"Id": "bad", "MessageBody": "\x01"},
            {"Id": "late", "MessageBody": "later", "DelaySeconds": 5},
        ],
    )
    assert {e["Id"] for e in result["Successful"]} == {"ok", "late"}
    (failed,) = result["Failed"]
    assert failed["Id"] == "bad" and failed["Code"] == "InvalidMessageContents"
    assert failed["SenderFault"] is True
    (m,) = receive_all(sqs, url)
    deleted = sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "a", "ReceiptHandle": m["ReceiptHandle"]},
            {"Id": "b", "ReceiptHandle": "garbage"},
        ],
    )
    assert [e["Id"] for e in deleted["Successful"]] == ["a"]
    assert deleted["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"


def test_visibility_timeout_and_change_visibility_batch(sqs: Any, sqs_server, url: str) -> None:
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "60"})
    sqs.send_message(QueueUrl=url, MessageBody="a")
    sqs.send_message(QueueUrl=url, MessageBody="b")
    first = receive_all(sqs, url)
    assert sorted(m["Body"] for m in first) == ["a", "b"]
    assert receive_all(sqs, url) == []
    result = sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                 for i, m in enumerate(first[:1])],
    )  # fmt: skip
    assert len(result["Successful"]) == 1
    assert [m["Body"] for m in receive_all(sqs, url)] == [first[0]["Body"]]
    sqs_server.advance(61)
    assert len(receive_all(sqs, url)) == 2


def test_delays_end_when_the_lab_clock_moves(sqs: Any, sqs_server, url: str) -> None:
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=600)
    attrs = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )
    assert attrs["Attributes"]["ApproximateNumberOfMessagesDelayed"] == "1"
    assert receive_all(sqs, url) == []
    sqs_server.advance(600)
    assert [m["Body"] for m in receive_all(sqs, url)] == ["later"]


def test_retention_expires_messages(sqs: Any, sqs_server, url: str) -> None:
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "60"})
    sqs.send_message(QueueUrl=url, MessageBody="old")
    sqs_server.advance(60)
    assert receive_all(sqs, url) == []


def test_message_size_limit_in_bytes(sqs: Any, url: str) -> None:
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MaximumMessageSize": "1024"})
    sqs.send_message(QueueUrl=url, MessageBody="€" * 341)  # 1,023 bytes
    with pytest.raises(sqs.exceptions.ClientError) as exc:
        sqs.send_message(QueueUrl=url, MessageBody="€" * 342)  # 342 characters, 1,026 bytes
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_dead_letter_redrive(sqs: Any, sqs_server) -> None:
    dlq = sqs.create_queue(QueueName="dead")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    work = sqs.create_queue(
        QueueName="work",
        Attributes={
            "VisibilityTimeout": "30",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}),
        },
    )["QueueUrl"]
    sqs.send_message(QueueUrl=work, MessageBody="poison")
    for _ in range(2):
        assert len(receive_all(sqs, work)) == 1
        sqs_server.advance(30)
    assert receive_all(sqs, work) == []
    (dead,) = receive_all(sqs, dlq, AttributeNames=["All"])
    assert dead["Body"] == "poison"
    assert dead["Attributes"]["DeadLetterQueueSourceArn"].endswith(":work")
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [work]
    assert sqs_server.metrics("work")["totals"]["dead_lettered"] == 1


def test_dlq_type_must_match(sqs: Any) -> None:
    arn = "arn:aws:sqs:us-east-1:000000000000:csse6400_prac"
    with pytest.raises(sqs.exceptions.ClientError) as exc:
        sqs.create_queue(
            QueueName="typed.fifo",
            Attributes={
                "FifoQueue": "true",
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 3}),
            },
        )
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_a_full_1_mib_message_round_trips(sqs: Any, url: str) -> None:
    body = "é" * (1_048_576 // 2)  # exactly 1 MiB in UTF-8, JSON-escaped to 3 MiB on the wire
    sent = sqs.send_message(QueueUrl=url, MessageBody=body)
    (m,) = receive_all(sqs, url)
    assert m["Body"] == body and m["MessageId"] == sent["MessageId"]
    with pytest.raises(sqs.exceptions.ClientError):
        sqs.send_message(QueueUrl=url, MessageBody=body + "x")
