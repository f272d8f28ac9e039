"""Dead-letter queue redrive through boto3 and `labkit queues redrive`, on the real service."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from typing import Any

import pytest

from tests.support.cli import labkit_cli, labkit_in_process


def make_dlq(sqs: Any, count: int) -> tuple[str, str, str]:
    """A source queue whose redrive policy (maxReceiveCount 1) has put `count` messages in `dlq`."""
    dlq = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"})
    src = sqs.create_queue(QueueName="orders", Attributes={"RedrivePolicy": policy})["QueueUrl"]
    for i in range(count):
        sqs.send_message(QueueUrl=src, MessageBody=f"order {i}")
    # received once (count 1), visible again at once, received again → dead-lettered (short
    # polls: a long one sat out its second once nothing was left to receive)
    for _ in range(100):
        if count_visible(sqs, dlq) == count:
            break
        sqs.receive_message(
            QueueUrl=src, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0
        )
    assert count_visible(sqs, dlq) == count
    return src, dlq, dlq_arn


def count_visible(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attrs["Attributes"]["ApproximateNumberOfMessages"])


def test_redrive_through_boto3(sqs: Any, sqs_server) -> None:
    src, dlq, dlq_arn = make_dlq(sqs, 5)
    handle = sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=1)[
        "TaskHandle"
    ]
    (task,) = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert task["Status"] == "RUNNING" and task["TaskHandle"] == handle
    assert task["ApproximateNumberOfMessagesToMove"] == 5
    sqs_server.advance(2.5)  # the service clock drives the rate
    moved = sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"]
    assert moved == 3
    assert count_visible(sqs, src) == 3 and count_visible(sqs, dlq) == 2
    (task,) = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=10)["Results"]
    assert task["Status"] == "CANCELLED" and "TaskHandle" not in task


def test_errors_are_the_modelled_exceptions(sqs: Any) -> None:
    _, _, dlq_arn = make_dlq(sqs, 1)
    missing = dlq_arn.rsplit(":", 1)[0] + ":nope"
    with pytest.raises(sqs.exceptions.ResourceNotFoundException):
        sqs.start_message_move_task(SourceArn=missing)
    src_arn = dlq_arn.replace("orders-dlq", "orders")
    with pytest.raises(sqs.exceptions.ClientError) as err:
        sqs.start_message_move_task(SourceArn=src_arn)
    assert err.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_cancel_names_what_is_wrong_with_a_handle(sqs: Any) -> None:
    """As SQS answers: not a handle at all; a handle whose source queue does not exist; a
    handle of an existing source that names no task of it."""
    _, _, dlq_arn = make_dlq(sqs, 1)

    def cancel_error(handle: str) -> tuple[str, str]:
        with pytest.raises(sqs.exceptions.ClientError) as err:
            sqs.cancel_message_move_task(TaskHandle=handle)
        return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]

    def handle_of(source_arn: str) -> str:
        document = json.dumps(
            {"taskId": "0f5cf1b5-3c1b-4a8e-9d0a-1c2b3d4e5f60", "sourceArn": source_arn}
        )
        return base64.b64encode(document.encode()).decode()

    assert cancel_error("bm90IGEgdGFzaw==") == (  # base64 of "not a task"
        "InvalidParameterValue",
        "Value for parameter TaskHandle is invalid.",
    )
    assert cancel_error(handle_of(dlq_arn.rsplit(":", 1)[0] + ":nope")) == (
        "ResourceNotFoundException",
        "The resource that you specified for the SourceArn parameter doesn't exist.",
    )
    assert cancel_error(handle_of(dlq_arn)) == ("ResourceNotFoundException", "Task does not exist.")


def redrive_cli(url: str, *args: str, real_process: bool = False) -> subprocess.CompletedProcess:
    """`labkit queues redrive ARGS…`: in a child process, or through `main()` in this one."""
    env = {**os.environ, "AWS_ENDPOINT_URL_SQS": url, "COLUMNS": "200"}
    if real_process:
        return labkit_cli("queues", "redrive", *args, env=env)
    return labkit_in_process("queues", "redrive", *args, env=env)


def test_labkit_queues_redrive(sqs: Any, sqs_server) -> None:
    src, dlq, _ = make_dlq(sqs, 4)
    result = redrive_cli(sqs_server.url, "orders-dlq", real_process=True)
    assert result.returncode == 0, result.stderr
    assert "completed: 4 of 4 messages moved" in result.stdout
    assert count_visible(sqs, src) == 4 and count_visible(sqs, dlq) == 0
    sqs.create_queue(QueueName="other")
    missing = redrive_cli(sqs_server.url, "orders-dlq", "--to", "nope")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "nope" in missing.stderr
    not_dlq = redrive_cli(sqs_server.url, "other")
    assert not_dlq.returncode == 1
    assert "Dead Letter Queue" in not_dlq.stderr and "Traceback" not in not_dlq.stderr
