"""The AWS JSON 1.0 wire protocol as boto3 (and the AWS CLI) see it: errors, codes, URLs, bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError

STD = "csse6400_prac"


def raw(
    url: str, target: str | None, body: bytes, content_type: str = "application/x-amz-json-1.0"
):
    headers = {"Content-Type": content_type}
    if target:
        headers["X-Amz-Target"] = target
    request = urllib.request.Request(url + "/", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read())


def test_missing_queue_raises_the_modelled_exception(sqs: Any) -> None:
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as exc:
        sqs.get_queue_url(QueueName="no-such-queue")
    assert exc.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_missing_queue_on_message_calls(sqs: Any, sqs_server) -> None:
    url = f"{sqs_server.url}/000000000000/gone"
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=url, MessageBody="x")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.receive_message(QueueUrl=url)


def test_queue_name_exists(sqs: Any) -> None:
    with pytest.raises(sqs.exceptions.QueueNameExists) as exc:
        sqs.create_queue(QueueName=STD, Attributes={"VisibilityTimeout": "99"})
    assert exc.value.response["Error"]["Code"] == "QueueAlreadyExists"


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (
            lambda c, u: c.send_message(QueueUrl=u, MessageBody="x", DelaySeconds=901),
            "InvalidParameterValue",
        ),
        (
            lambda c, u: c.receive_message(QueueUrl=u, MaxNumberOfMessages=11),
            "InvalidParameterValue",
        ),
        (lambda c, u: c.receive_message(QueueUrl=u, WaitTimeSeconds=21), "InvalidParameterValue"),
        (lambda c, u: c.send_message(QueueUrl=u + ".fifo", MessageBody="x"), "MissingParameter"),
        (lambda c, u: c.send_message(QueueUrl=u, MessageBody="\x00"), "InvalidMessageContents"),
        (lambda c, u: c.delete_message(QueueUrl=u, ReceiptHandle="junk"), "ReceiptHandleIsInvalid"),
        (
            lambda c, u: c.set_queue_attributes(QueueUrl=u, Attributes={"Nope": "1"}),
            "InvalidAttributeName",
        ),
        (
            lambda c, u: c.set_queue_attributes(QueueUrl=u, Attributes={"DelaySeconds": "901"}),
            "InvalidAttributeValue",
        ),
    ],
)
def test_validation_error_codes(sqs: Any, call, code: str) -> None:
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    with pytest.raises(ClientError) as exc:
        call(sqs, url)
    assert exc.value.response["Error"]["Code"] == code


def test_batch_errors_are_modelled_exceptions(sqs: Any) -> None:
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    with pytest.raises(sqs.exceptions.TooManyEntriesInBatchRequest):
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)]
        )
    with pytest.raises(sqs.exceptions.BatchEntryIdsNotDistinct):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}] * 2)
    with pytest.raises(sqs.exceptions.EmptyBatchRequest):
        sqs.delete_message_batch(QueueUrl=url, Entries=[])
    with pytest.raises(sqs.exceptions.BatchRequestTooLong):
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x" * 200_000} for i in range(6)]
        )


def test_queue_url_forms(sqs: Any, sqs_server) -> None:
    for url in (
        f"{sqs_server.url}/000000000000/{STD}",
        f"https://sqs.us-east-1.amazonaws.com/123456789012/{STD}",
        f"/000000000000/{STD}",
        STD,
    ):
        assert sqs.send_message(QueueUrl=url, MessageBody="x")["MessageId"]


def test_queue_urls_use_the_host_the_client_called(sqs: Any, sqs_server) -> None:
    assert sqs.get_queue_url(QueueName=STD)["QueueUrl"] == f"{sqs_server.url}/000000000000/{STD}"


@pytest.mark.parametrize(
    ("target", "body", "type_suffix"),
    [
        ("AmazonSQS.ListQueues", b"{not json", "SerializationException"),
        ("AmazonSQS.ListQueues", b"[1, 2]", "SerializationException"),
        ("AmazonSQS.Frobnicate", b"{}", "UnknownOperationException"),
        (None, b"{}", "UnknownOperationException"),
        (
            "AmazonSQS.SendMessage",
            b'{"QueueUrl": "csse6400_prac", "MessageBody": 5}',
            "InvalidParameterValueException",
        ),
        (
            "AmazonSQS.ReceiveMessage",
            b'{"QueueUrl": "csse6400_prac", "MaxNumberOfMessages": 1e999}',
            "InvalidParameterValueException",
        ),
        (
            "AmazonSQS.ReceiveMessage",
            b'{"QueueUrl": "csse6400_prac", "WaitTimeSeconds": 99999999999999999999999}',
            "InvalidParameterValueException",
        ),
        (
            "AmazonSQS.SendMessage",
            b'{"QueueUrl": "csse6400_prac"}',
            "MissingRequiredParameterException",
        ),
        ("AmazonSQS.AddPermission", b"{}", "MissingRequiredParameterException"),
        (
            "AmazonSQS.SendMessage",
            b'{"QueueUrl": "csse6400_prac", "MessageBody": "x", "MessageAttributes": {"a": {"DataType": "Binary", "BinaryValue": "!!"}}}',
            "InvalidParameterValueException",
        ),
    ],
)
def test_bad_requests_get_aws_style_400s(sqs: Any, sqs_server, target, body, type_suffix) -> None:
    status, _headers, payload = raw(sqs_server.url, target, body)
    assert status == 400
    assert payload["__type"].endswith("#" + type_suffix)
    assert payload["message"]


def test_deeply_nested_json_is_a_400_not_a_crash(sqs: Any, sqs_server) -> None:
    body = b'{"QueueUrl": "csse6400_prac", "Attributes": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    status, _, _payload = raw(sqs_server.url, "AmazonSQS.SetQueueAttributes", body)
    assert status == 400
    status, _, _ = raw(sqs_server.url, "AmazonSQS.ListQueues", b"{}")
    assert status == 200


def test_query_error_header_is_sent(sqs: Any, sqs_server) -> None:
    _status, headers, payload = raw(
        sqs_server.url, "AmazonSQS.GetQueueUrl", b'{"QueueName": "nope"}'
    )
    lowered = {k.lower(): v for k, v in headers.items()}
    assert lowered["x-amzn-query-error"] == "AWS.SimpleQueueService.NonExistentQueue;Sender"
    assert payload["__type"] == "com.amazonaws.sqs#QueueDoesNotExist"


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
def test_aws_cli_reports_the_query_error_code(sqs: Any, sqs_server) -> None:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1"}  # fmt: skip
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    ok = subprocess.run(
        ["aws", "--endpoint-url", sqs_server.url, "sqs", "send-message", "--queue-url", url,
         "--message-body", "from the cli"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["MD5OfMessageBody"]
    bad = subprocess.run(
        ["aws", "--endpoint-url", sqs_server.url, "sqs", "get-queue-url", "--queue-name", "nope"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert bad.returncode != 0
    assert "AWS.SimpleQueueService.NonExistentQueue" in bad.stderr
