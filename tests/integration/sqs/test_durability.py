"""`--data-dir`: what the service acknowledged survives a hard kill (SIGKILL) and a restart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.fixtures.sqs import boto3_client

STD = "csse6400_prac"
FIFO = "csse6400_prac.fifo"


def test_messages_receipts_and_dedup_survive_a_kill(start_sqs_server, tmp_path: Path) -> None:
    server = start_sqs_server("--data-dir", str(tmp_path))
    sqs = boto3_client(server.url)
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    for i in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=f"Message {i}")
    sqs.create_queue(QueueName="kept", tags={"k": "v"})
    (held,) = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    fifo = sqs.get_queue_url(QueueName=FIFO)["QueueUrl"]
    first = sqs.send_message(QueueUrl=fifo, MessageBody="once", MessageGroupId="g")
    server.process.kill()
    server.process.wait(timeout=10)

    again = start_sqs_server("--data-dir", str(tmp_path))
    sqs = boto3_client(again.url)
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (
        int(attrs["ApproximateNumberOfMessages"])
        + int(attrs["ApproximateNumberOfMessagesNotVisible"])
        >= 5
    )
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=held["ReceiptHandle"])
    assert (
        sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]["ApproximateNumberOfMessagesNotVisible"]
        == "0"
    )
    assert sqs.list_queue_tags(QueueUrl=sqs.get_queue_url(QueueName="kept")["QueueUrl"])[
        "Tags"
    ] == {"k": "v"}
    fifo = sqs.get_queue_url(QueueName=FIFO)["QueueUrl"]
    dup = sqs.send_message(QueueUrl=fifo, MessageBody="once", MessageGroupId="g")
    assert dup["MessageId"] == first["MessageId"]


def test_a_journal_from_other_knobs_is_refused(start_sqs_server, tmp_path: Path) -> None:
    server = start_sqs_server("--data-dir", str(tmp_path))
    server.stop()
    result = subprocess.run(
        [sys.executable, "-m", "labkit.cli", "sqs", "serve", "--port", "0", "--seed", "1",
         "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert "other settings" in result.stderr
    assert "Traceback" not in result.stderr
