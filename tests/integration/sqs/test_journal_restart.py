"""`--data-dir` against hostile input, over HTTP to a real service process that is killed and restarted.

Issue 11, defect 1: each of these four requests used to leave a journal the service could not start
from, so every acknowledged message was out of reach. Now each must leave a data directory that
restarts (after SIGKILL and after a clean stop) with exactly the state the service had.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from labkit.services.process import terminate
from tests.fixtures.sqs import boto3_client

STD = "csse6400_prac"
ARN = "arn:aws:sqs:us-east-1:000000000000:"

POISON = {
    "TagQueue": {"QueueUrl": STD, "Tags": {"$b64": "aGVsbG8="}},
    "CreateQueue": {"QueueName": "poisoned", "Attributes": {"$b64": "x"}},
    "SendMessage": {
        "QueueUrl": STD,
        "MessageBody": "poison",
        "MessageAttributes": {"$b64": {"DataType": "String", "StringValue": "x"}},
    },
    "SetQueueAttributes": {
        "QueueUrl": STD,
        "Attributes": {
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": ARN + "dlq", "maxReceiveCount": "²"}
            )
        },
    },
}


def call(url: str, action: str, payload: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        url,
        content=json.dumps(payload),
        headers={
            "X-Amz-Target": f"AmazonSQS.{action}",
            "Content-Type": "application/x-amz-json-1.0",
        },
        timeout=10,
    )


def first_lines(*args: str) -> str:
    """What `labkit sqs serve` says up to its "listening" line (then it is stopped cleanly)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "labkit.cli", "sqs", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            if "listening on" in line:
                break
    finally:
        terminate(process)
    return "".join(lines)


def state(server: Any) -> dict[str, Any]:
    """What a client and a tutor can see: queues, attributes, tags, the lab's metrics."""
    sqs = boto3_client(server.url)
    queues = {}
    for url in sqs.list_queues().get("QueueUrls", []):
        queues[url.rsplit("/", 1)[-1]] = (
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"],
            sqs.list_queue_tags(QueueUrl=url).get("Tags", {}),
        )
    return {
        "queues": queues,
        "metrics": server.lab("GET", "queues"),
        "clock": server.lab("GET", "clock")["offset"],
    }


@pytest.mark.parametrize("action", list(POISON))
def test_a_hostile_request_never_makes_the_data_dir_unstartable(
    start_sqs_server, tmp_path: Path, action: str
) -> None:
    server = start_sqs_server("--data-dir", str(tmp_path))
    sqs = boto3_client(server.url)
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    sqs.create_queue(QueueName="dlq", tags={"team": "a"})
    acknowledged = {
        sqs.send_message(QueueUrl=url, MessageBody=f"Message {i}")["MessageId"] for i in range(3)
    }
    (held,) = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]

    answer = call(server.url, action, POISON[action])
    assert answer.status_code < 500, answer.text  # "²" passes str.isdigit: ASCII digits only
    acknowledged.add(sqs.send_message(QueueUrl=url, MessageBody="after")["MessageId"])
    before = state(server)

    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=10)
    again = start_sqs_server("--data-dir", str(tmp_path))
    assert state(again) == before

    again.stop()  # a clean stop compacts: the next start loads the snapshot alone
    assert (tmp_path / "sqs-journal.log").read_bytes().count(b"\n") == 1
    third = start_sqs_server("--data-dir", str(tmp_path))
    assert state(third) == before

    sqs = boto3_client(third.url)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=held["ReceiptHandle"])  # still a valid receipt
    acknowledged.discard(held["MessageId"])
    received = set()
    for _ in range(20):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        received |= {m["MessageId"] for m in got.get("Messages", [])}
        if acknowledged <= received:
            break
    assert acknowledged <= received


def test_a_damaged_journal_starts_with_everything_before_the_damage(
    start_sqs_server, tmp_path: Path
) -> None:
    server = start_sqs_server("--data-dir", str(tmp_path))
    sqs = boto3_client(server.url)
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"kept {i}")
    kept = state(server)
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"after the damage {i}")
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=10)
    journal = tmp_path / "sqs-journal.log"
    lines = journal.read_bytes().splitlines(keepends=True)
    flipped = bytearray(lines[4])
    flipped[20] ^= 0x04
    journal.write_bytes(b"".join([*lines[:4], bytes(flipped), *lines[5:]]))

    output = first_lines("--data-dir", str(tmp_path))
    assert f"{journal} line 5 is damaged" in output  # the file and line, named
    assert "--seed" not in output and "Traceback" not in output
    again = start_sqs_server("--data-dir", str(tmp_path))
    after = state(again)
    assert after["queues"][STD][0]["ApproximateNumberOfMessages"] == "3"
    assert after["queues"] == kept["queues"]
    (aside,) = tmp_path.glob("sqs-journal.log.damaged-*")
    assert aside.read_bytes() == b"".join([bytes(flipped), *lines[5:]])


def test_fsync_always_keeps_what_was_acknowledged(start_sqs_server, tmp_path: Path) -> None:
    server = start_sqs_server("--data-dir", str(tmp_path), "--fsync", "always")
    sqs = boto3_client(server.url)
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody="synced")["MessageId"]
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=10)
    again = boto3_client(start_sqs_server("--data-dir", str(tmp_path)).url)
    got = again.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert [m["MessageId"] for m in got] == [sent]


def test_serve_explains_the_fsync_policy_and_refuses_others() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "labkit.cli", "sqs", "serve", "--help"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert "--fsync" in shown.stdout and "everysec" in shown.stdout
    refused = subprocess.run(
        [sys.executable, "-m", "labkit.cli", "sqs", "serve", "--port", "0", "--fsync", "sometimes"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
