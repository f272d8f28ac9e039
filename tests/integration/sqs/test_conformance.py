"""Behaviours recorded on real AWS (issue 10), each checked over the wire with a real client.

Written from the AWS documentation and the recorded answers: codes *and* wording, because students
read the message. Every test runs twice: with today's boto3 (AWS JSON 1.0) and with boto3 1.33,
which speaks the legacy query protocol (see conftest).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.sqs.conftest import protocol_of

STD = "csse6400_prac"
FIFO = "csse6400_prac.fifo"


def url_of(client: Any, name: str) -> str:
    return client.get_queue_url(QueueName=name)["QueueUrl"]


def error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = excinfo.value.response["Error"]
    return err["Code"], err["Message"]


def bodies(reply: dict) -> list[str]:
    return [m["Body"] for m in reply.get("Messages", [])]


# ----- FIFO ---------------------------------------------------------------------------------------
def test_fifo_delay_seconds_zero_is_accepted(client: Any) -> None:
    url = url_of(client, FIFO)
    client.send_message(QueueUrl=url, MessageBody="a", MessageGroupId="g", DelaySeconds=0)
    reply = client.send_message_batch(
        QueueUrl=url,
        Entries=[{"Id": "1", "MessageBody": "b", "MessageGroupId": "g", "DelaySeconds": 0}],
    )
    assert "Failed" not in reply and len(reply["Successful"]) == 1
    with pytest.raises(ClientError) as err:
        client.send_message(QueueUrl=url, MessageBody="c", MessageGroupId="g", DelaySeconds=3)
    assert error(err)[0] == "InvalidParameterValue"


def test_fifo_delete_with_an_expired_receipt_handle(client: Any, sqs_server) -> None:
    url = url_of(client, FIFO)
    client.send_message(QueueUrl=url, MessageBody="m", MessageGroupId="g")
    (m,) = client.receive_message(QueueUrl=url, VisibilityTimeout=5)["Messages"]
    sqs_server.advance(6)
    with pytest.raises(ClientError) as err:
        client.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert error(err) == (
        "InvalidParameterValue",
        f"Value {m['ReceiptHandle']} for parameter ReceiptHandle is invalid. Reason: The receipt "
        "handle has expired.",
    )
    assert bodies(client.receive_message(QueueUrl=url)) == ["m"]  # the message stays


@pytest.mark.parametrize("how", ["terminated", "changed"])
def test_fifo_group_not_blocked_by_a_message_visible_again(client: Any, sqs_server, how) -> None:
    url = url_of(client, FIFO)
    for group, body in (("g", "g1"), ("g", "g2"), ("h", "h1")):
        client.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
    (g1,) = client.receive_message(QueueUrl=url, VisibilityTimeout=10)["Messages"]
    assert g1["Body"] == "g1"
    if how == "terminated":
        sqs_server.advance(11)
    else:
        client.change_message_visibility(
            QueueUrl=url, ReceiptHandle=g1["ReceiptHandle"], VisibilityTimeout=0
        )
    got = bodies(client.receive_message(QueueUrl=url, MaxNumberOfMessages=10))
    assert sorted(got) == ["g1", "g2", "h1"]
    assert got.index("g1") < got.index("g2")


def test_fifo_one_and_two_messages_visible_again(client: Any) -> None:
    url = url_of(client, FIFO)
    for body in ("g1", "g2", "g3"):
        client.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
    g1, g2, _g3 = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]

    def show(handle: str) -> None:
        client.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)

    def receive() -> list[dict]:
        return client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])

    show(g1["ReceiptHandle"])  # one visible again, in front of the in-flight g2 and g3
    (g1_again,) = receive()
    assert g1_again["Body"] == "g1"
    show(g2["ReceiptHandle"])  # visible again, but behind the in-flight g1: held back
    assert receive() == []
    show(g1_again["ReceiptHandle"])  # two visible again: both, in order, not g3
    assert [m["Body"] for m in receive()] == ["g1", "g2"]


def test_fifo_purge_clears_deduplication(client: Any, sqs_server) -> None:
    url = url_of(client, FIFO)
    client.send_message(
        QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d"
    )
    client.purge_queue(QueueUrl=url)
    client.send_message(
        QueueUrl=url, MessageBody="y", MessageGroupId="g", MessageDeduplicationId="d"
    )
    assert bodies(client.receive_message(QueueUrl=url)) == ["y"]


# ----- visibility ---------------------------------------------------------------------------------
def test_change_visibility_with_an_expired_handle_is_accepted(client: Any, sqs_server) -> None:
    url = url_of(client, STD)
    client.send_message(QueueUrl=url, MessageBody="m")
    (m,) = client.receive_message(QueueUrl=url, WaitTimeSeconds=1, VisibilityTimeout=5)["Messages"]
    sqs_server.advance(6)
    client.change_message_visibility(
        QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
    )
    assert bodies(client.receive_message(QueueUrl=url, WaitTimeSeconds=1)) == ["m"]


def test_change_visibility_through_an_older_handle_applies(client: Any) -> None:
    url = url_of(client, STD)
    client.send_message(QueueUrl=url, MessageBody="m")
    (first,) = client.receive_message(QueueUrl=url, WaitTimeSeconds=1, VisibilityTimeout=0)[
        "Messages"
    ]
    (second,) = client.receive_message(QueueUrl=url, WaitTimeSeconds=1, VisibilityTimeout=300)[
        "Messages"
    ]
    assert first["ReceiptHandle"] != second["ReceiptHandle"]
    client.change_message_visibility(
        QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=0
    )
    assert bodies(client.receive_message(QueueUrl=url, WaitTimeSeconds=1)) == ["m"]


def test_change_visibility_of_a_deleted_message(client: Any) -> None:
    url = url_of(client, STD)
    client.send_message(QueueUrl=url, MessageBody="m")
    (m,) = client.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    client.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    with pytest.raises(ClientError) as err:
        client.change_message_visibility(
            QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=5
        )
    assert error(err) == (
        "InvalidParameterValue",
        f"Value {m['ReceiptHandle']} for parameter ReceiptHandle is invalid. Reason: Message does "
        "not exist or is not available for visibility timeout change.",
    )


# ----- batches ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "entry",
    [{"Id": "1", "MessageBody": "x"}, {"Id": "1", "MessageBody": "x", "MessageGroupId": "g"}],
)
def test_fifo_batch_missing_ids_fails_the_whole_request(client: Any, entry: dict) -> None:
    client.create_queue(QueueName="plain.fifo", Attributes={"FifoQueue": "true"})
    url = url_of(client, "plain.fifo")
    good = {"Id": "0", "MessageBody": "ok", "MessageGroupId": "g", "MessageDeduplicationId": "d"}
    with pytest.raises(ClientError) as err:
        client.send_message_batch(QueueUrl=url, Entries=[good, entry])
    assert error(err)[0] == "InvalidParameterValue"
    assert client.receive_message(QueueUrl=url).get("Messages") is None  # nothing was sent


def test_batch_replies_leave_out_an_empty_failed_list(client: Any) -> None:
    url = url_of(client, STD)
    sent = client.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}])
    assert "Failed" not in sent
    (m,) = client.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    changed = client.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[{"Id": "a", "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 9}],
    )
    assert "Failed" not in changed
    deleted = client.delete_message_batch(
        QueueUrl=url, Entries=[{"Id": "a", "ReceiptHandle": m["ReceiptHandle"]}]
    )
    assert "Failed" not in deleted and deleted["Successful"] == [{"Id": "a"}]


@pytest.mark.parametrize(
    ("operation", "entry_type"),
    [
        ("send_message_batch", "SendMessageBatchRequestEntry"),
        ("delete_message_batch", "DeleteMessageBatchRequestEntry"),
        ("change_message_visibility_batch", "ChangeMessageVisibilityBatchRequestEntry"),
    ],
)
def test_empty_batches(client: Any, operation: str, entry_type: str) -> None:
    with pytest.raises(ClientError) as err:
        getattr(client, operation)(QueueUrl=url_of(client, STD), Entries=[])
    assert error(err) == (
        "AWS.SimpleQueueService.EmptyBatchRequest",
        f"There should be at least one {entry_type} in the request.",
    )


def test_repeated_batch_ids(client: Any) -> None:
    entries = [{"Id": i, "MessageBody": "x"} for i in ("id_1", "id_2", "id_2")]
    with pytest.raises(ClientError) as err:
        client.send_message_batch(QueueUrl=url_of(client, STD), Entries=entries)
    assert error(err) == ("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id id_2 repeated.")


# ----- attributes ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (["All"], {"Hello", "Help.Me", "Other"}),
        ([".*"], {"Hello", "Help.Me", "Other"}),
        (["*"], {"Hello", "Help.Me", "Other"}),
        (["Hel.*"], {"Hello", "Help.Me"}),
        (["Help.*"], {"Help.Me"}),
        (["Other"], {"Other"}),
    ],
)
def test_message_attribute_name_selection(client: Any, wanted: list, expected: set) -> None:
    url = url_of(client, STD)
    attrs = {n: {"DataType": "String", "StringValue": "v"} for n in ("Hello", "Help.Me", "Other")}
    client.send_message(QueueUrl=url, MessageBody="m", MessageAttributes=attrs)
    (m,) = client.receive_message(QueueUrl=url, WaitTimeSeconds=1, MessageAttributeNames=wanted)[
        "Messages"
    ]
    assert set(m.get("MessageAttributes", {})) == expected


def test_non_ascii_attribute_names(client: Any) -> None:
    url = url_of(client, STD)
    attrs = {"attr.1øßä": {"DataType": "String", "StringValue": "v"}}
    client.send_message(QueueUrl=url, MessageBody="m", MessageAttributes=attrs)
    (m,) = client.receive_message(QueueUrl=url, WaitTimeSeconds=1, MessageAttributeNames=["All"])[
        "Messages"
    ]
    assert m["MessageAttributes"] == {"attr.1øßä": {"DataType": "String", "StringValue": "v"}}


def test_trace_header_becomes_aws_trace_header(sqs: Any) -> None:
    client = (
        sqs  # a header hook needs the in-process client; the query case is in test_query_protocol
    )
    url = url_of(client, STD)
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

    def add_header(request: Any, **_: Any) -> None:
        request.headers["X-Amzn-Trace-Id"] = trace

    client.meta.events.register("before-sign.sqs.SendMessage", add_header)
    try:
        client.send_message(QueueUrl=url, MessageBody="traced")
    finally:
        client.meta.events.unregister("before-sign.sqs.SendMessage", add_header)
    (m,) = client.receive_message(
        QueueUrl=url, WaitTimeSeconds=1, MessageSystemAttributeNames=["AWSTraceHeader"]
    )["Messages"]
    assert m["Attributes"] == {"AWSTraceHeader": trace}


def test_queue_attribute_rules(client: Any) -> None:
    with pytest.raises(ClientError) as err:
        client.create_queue(QueueName="std", Attributes={"FifoQueue": "false"})
    assert error(err) == ("InvalidAttributeName", "Unknown Attribute FifoQueue.")
    with pytest.raises(ClientError) as err:
        client.create_queue(QueueName="std", Attributes={"DeduplicationScope": "queue"})
    assert error(err) == (
        "InvalidAttributeName",
        "You can specify the DeduplicationScope only when FifoQueue is set to true.",
    )
    with pytest.raises(ClientError) as err:
        client.create_queue(QueueName="std", Attributes={"FifoThroughputLimit": "perQueue"})
    assert (
        error(err)[1]
        == "You can specify the FifoThroughputLimit only when FifoQueue is set to true."
    )
    fifo = url_of(client, FIFO)
    client.set_queue_attributes(QueueUrl=fifo, Attributes={"FifoQueue": "true"})
    with pytest.raises(ClientError) as err:
        client.set_queue_attributes(QueueUrl=fifo, Attributes={"FifoQueue": "false"})
    assert error(err)[0] == "InvalidAttributeValue"
    assert "Modifying queue type is not supported." in error(err)[1]


def test_kms_attributes(client: Any) -> None:
    url = url_of(client, STD)
    client.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": "alias/aws/sqs"})
    attrs = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["KmsDataKeyReusePeriodSeconds"] == "300"
    client.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": ""})
    attrs = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert "KmsDataKeyReusePeriodSeconds" not in attrs
    with pytest.raises(ClientError) as err:
        client.create_queue(
            QueueName="both",
            Attributes={"KmsMasterKeyId": "alias/x", "SqsManagedSseEnabled": "true"},
        )
    assert error(err)[0] == "InvalidAttributeName"


@pytest.mark.parametrize(
    "policy",
    [
        {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:csse6400_prac"},
        {
            "deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:csse6400_prac",
            "maxReceiveCount": "²",
        },
        {
            "deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:csse6400_prac",
            "maxReceiveCount": "3\n",
        },
    ],
)
def test_bad_redrive_policy_is_invalid_parameter_value(client: Any, policy: dict) -> None:
    client.create_queue(QueueName="src")
    with pytest.raises(ClientError) as err:
        client.set_queue_attributes(
            QueueUrl=url_of(client, "src"), Attributes={"RedrivePolicy": json.dumps(policy)}
        )
    assert error(err)[0] == "InvalidParameterValue"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_empty_tag_and_untag_are_refused(client: Any) -> None:
    url = url_of(client, STD)
    with pytest.raises(ClientError):
        client.tag_queue(QueueUrl=url, Tags={})
    with pytest.raises(ClientError):
        client.untag_queue(QueueUrl=url, TagKeys=[])


def test_queue_deleted_recently(client: Any, sqs_server) -> None:
    client.create_queue(QueueName="again")
    client.delete_queue(QueueUrl=url_of(client, "again"))
    with pytest.raises(ClientError) as err:
        client.create_queue(QueueName="again")
    assert error(err)[0] == "AWS.SimpleQueueService.QueueDeletedRecently"
    sqs_server.advance(61)
    client.create_queue(QueueName="again")
    client.delete_queue(QueueUrl=url_of(client, "again"))
    sqs_server.reset()  # a reset starts clean
    client.create_queue(QueueName="again")


# ----- permissions --------------------------------------------------------------------------------
def test_add_and_remove_permission_shape_the_policy(client: Any) -> None:
    url = url_of(client, STD)
    client.add_permission(
        QueueUrl=url,
        Label="AliceSendMessage",
        AWSAccountIds=["111122223333"],
        Actions=["SendMessage", "ReceiveMessage"],
    )
    attrs = client.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy", "QueueArn"])
    policy = json.loads(attrs["Attributes"]["Policy"])
    (statement,) = policy["Statement"]
    assert statement["Sid"] == "AliceSendMessage"
    assert statement["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert statement["Action"] == ["SQS:SendMessage", "SQS:ReceiveMessage"]
    assert statement["Resource"] == attrs["Attributes"]["QueueArn"]
    with pytest.raises(ClientError) as err:
        client.add_permission(
            QueueUrl=url, Label="AliceSendMessage", AWSAccountIds=["111122223333"], Actions=["*"]
        )
    assert error(err)[0] == "InvalidParameterValue"
    client.remove_permission(QueueUrl=url, Label="AliceSendMessage")
    attrs = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert "Policy" not in attrs
    with pytest.raises(ClientError) as err:
        client.remove_permission(QueueUrl=url, Label="AliceSendMessage")
    assert error(err)[0] == "InvalidParameterValue"


def test_more_error_wording(client: Any) -> None:
    """Texts recorded from real SQS (quoted in other projects' issues and recordings)."""
    std, fifo = url_of(client, STD), url_of(client, FIFO)
    with pytest.raises(ClientError) as err:
        client.send_message(QueueUrl=std, MessageBody="m", MessageDeduplicationId="d1")
    assert error(err) == (
        "InvalidParameterValue",
        "Value d1 for parameter MessageDeduplicationId is invalid. Reason: The request include "
        "parameter that is not valid for this queue type.",
    )
    with pytest.raises(ClientError) as err:
        client.create_queue(QueueName="wording", Attributes={"VisibilityTimeout": "86400"})
    assert error(err) == (
        "InvalidAttributeValue",
        "Invalid value for the parameter VisibilityTimeout.",
    )
    arn = "arn:aws:sqs:us-east-1:000000000000:"
    for target, reason in (
        ("no-such-dlq", "Dead letter target does not exist."),
        (FIFO, "Dead-letter queue must be same type of queue as the source."),
    ):
        policy = json.dumps({"deadLetterTargetArn": arn + target, "maxReceiveCount": "3"})
        with pytest.raises(ClientError) as err:
            client.create_queue(QueueName="wording", Attributes={"RedrivePolicy": policy})
        assert error(err) == (
            "InvalidParameterValue",
            f"Value {policy} for parameter RedrivePolicy is invalid. Reason: {reason}",
        )
    with pytest.raises(ClientError) as err:
        client.remove_permission(QueueUrl=std, Label="nope")
    assert error(err) == (
        "InvalidParameterValue",
        "Value nope for parameter Label is invalid. Reason: can't find label.",
    )
    for target in ("dummy", STD):  # not an ARN (even one naming a queue): refused before any lookup
        policy = json.dumps({"deadLetterTargetArn": target, "maxReceiveCount": 42})
        with pytest.raises(ClientError) as err:
            client.create_queue(QueueName="wording", Attributes={"RedrivePolicy": policy})
        assert error(err) == (
            "InvalidParameterValue",
            f"Value {policy} for parameter RedrivePolicy is invalid. Reason: Invalid value for "
            "deadLetterTargetArn.",
        )
    with pytest.raises(ClientError) as err:
        client.send_message(QueueUrl=std, MessageBody="bell \x07 here")
    assert error(err) == (
        "InvalidMessageContents",
        "Invalid binary character '#x7' was found in the message body, the set of allowed "
        "characters is #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].",
    )
    for data_type, message in (
        ("", "The message attribute 'X' must contain non-empty message attribute type."),
        (
            "string",
            "The message attribute 'X' has an invalid message attribute type, the set of "
            "supported type prefixes is Binary, Number, and String.",
        ),
    ):
        with pytest.raises(ClientError) as err:
            client.send_message(
                QueueUrl=fifo,
                MessageBody="m",
                MessageGroupId="g",
                MessageAttributes={"X": {"DataType": data_type, "StringValue": "v"}},
            )
        assert error(err) == ("InvalidParameterValue", message)


def test_empty_maps_are_shown_as_sqs_shows_them(client: Any) -> None:
    """Recorded on AWS (JSON): no tags is `Tags: {}`, a Policy never set is `Attributes: {}`, and
    a message whose attributes were none of those asked for carries `MessageAttributes: {}`.
    botocore reads no empty map out of the query protocol's XML: there the keys are absent."""
    empty = {} if protocol_of(client) == "json" else None
    url = client.create_queue(QueueName="empty-maps")["QueueUrl"]
    assert client.list_queue_tags(QueueUrl=url).get("Tags") == empty
    assert (
        client.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get("Attributes")
        == empty
    )
    client.send_message(
        QueueUrl=url,
        MessageBody="m",
        MessageAttributes={"Hello": {"DataType": "String", "StringValue": "There"}},
    )
    (message,) = client.receive_message(
        QueueUrl=url, MessageAttributeNames=["Foo"], WaitTimeSeconds=1
    )["Messages"]
    assert message.get("MessageAttributes") == empty
    assert "MD5OfMessageAttributes" not in message


# ----- error wording ------------------------------------------------------------------------------
def test_error_wording(client: Any) -> None:
    with pytest.raises(ClientError) as err:
        client.get_queue_url(QueueName="nope")
    # the texts follow the protocol: JSON drops the query protocol's "for this wsdl version"
    assert error(err) == (
        "AWS.SimpleQueueService.NonExistentQueue",
        "The specified queue does not exist."
        if protocol_of(client) == "json"
        else "The specified queue does not exist for this wsdl version.",
    )
    url = url_of(client, STD)
    with pytest.raises(ClientError) as err:
        client.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert error(err) == (
        "InvalidParameterValue",
        "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, "
        "if provided.",
    )
    with pytest.raises(ClientError) as err:
        client.receive_message(QueueUrl=url, WaitTimeSeconds=21)
    assert error(err)[1] == (
        "Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided."
    )
    with pytest.raises(ClientError) as err:
        client.receive_message(QueueUrl=url, VisibilityTimeout=43_201)
    assert error(err)[1] == (
        "Value 43201 for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, "
        "if provided."
    )
    for delay in (901, -1):  # SendMessage names the parameter again in its reason
        with pytest.raises(ClientError) as err:
            client.send_message(QueueUrl=url, MessageBody="m", DelaySeconds=delay)
        assert error(err) == (
            "InvalidParameterValue",
            f"Value {delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be "
            ">= 0 and <= 900.",
        )
    with pytest.raises(ClientError) as err:
        client.send_message(QueueUrl=url_of(client, FIFO), MessageBody="m", MessageGroupId="a b")
    assert error(err)[1] == (
        "Value a b for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include "
        "alphanumeric and punctuation characters. 1 to 128 in length."
    )
    with pytest.raises(ClientError) as err:
        client.send_message(
            QueueUrl=url,
            MessageBody="m",
            MessageAttributes={"X": {"DataType": "String", "StringValue": ""}},
        )
    assert (
        error(err)[1]
        == "Message (user) attribute 'X' must contain a non-empty value of type 'String'."
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda c, u, f: c.create_queue(QueueName="abc\n"),
        lambda c, u, f: c.send_message(QueueUrl=f, MessageBody="m", MessageGroupId="g\n"),
        lambda c, u, f: c.send_message(
            QueueUrl=f, MessageBody="m", MessageGroupId="g", MessageDeduplicationId="d\n"
        ),
        lambda c, u, f: c.send_message_batch(
            QueueUrl=u, Entries=[{"Id": "a\n", "MessageBody": "m"}]
        ),
        lambda c, u, f: c.send_message(
            QueueUrl=u,
            MessageBody="m",
            MessageAttributes={"n\n": {"DataType": "String", "StringValue": "v"}},
        ),
    ],
)
def test_a_trailing_newline_is_never_accepted(client: Any, call) -> None:
    with pytest.raises(ClientError) as err:
        call(client, url_of(client, STD), url_of(client, FIFO))
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
