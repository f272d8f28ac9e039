"""Long polling wakes when a message arrives (not at the end of the wait), and honours 0-20 s.

The elapsed-time checks are correctness bounds with a wide margin (a wait that does not wake would
take the full 20 s), not performance measurements.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from tests.fixtures.sqs import boto3_client

STD = "csse6400_prac"
FIFO = "csse6400_prac.fifo"


def send_later(url: str, queue_url: str, delay: float, **kwargs: Any) -> threading.Thread:
    def run() -> None:
        time.sleep(delay)
        boto3_client(url).send_message(QueueUrl=queue_url, **kwargs)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_waiting_receive_wakes_on_send(sqs: Any, sqs_server) -> None:
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    sender = send_later(sqs_server.url, url, 0.5, MessageBody="wake up")
    started = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
    elapsed = time.monotonic() - started
    sender.join()
    assert [m["Body"] for m in got["Messages"]] == ["wake up"]
    assert elapsed < 15


def test_a_waiting_receive_wakes_when_a_delay_ends(sqs: Any) -> None:
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="soon", DelaySeconds=1)
    started = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
    assert [m["Body"] for m in got["Messages"]] == ["soon"]
    assert time.monotonic() - started < 15


def test_fifo_waiter_wakes_on_send(sqs: Any, sqs_server) -> None:
    url = sqs.get_queue_url(QueueName=FIFO)["QueueUrl"]
    sender = send_later(sqs_server.url, url, 0.3, MessageBody="f", MessageGroupId="g")
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
    sender.join()
    assert [m["Body"] for m in got["Messages"]] == ["f"]


def test_an_unanswered_wait_returns_empty_and_counts_one_empty_receive(
    sqs: Any, sqs_server
) -> None:
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert "Messages" not in got
    assert sqs_server.metrics(STD)["totals"]["empty_receives"] == 1


def test_queue_default_wait_time_applies(sqs: Any, sqs_server) -> None:
    url = sqs.create_queue(QueueName="patient", Attributes={"ReceiveMessageWaitTimeSeconds": "20"})[
        "QueueUrl"
    ]
    sender = send_later(sqs_server.url, url, 0.5, MessageBody="x")
    got = sqs.receive_message(QueueUrl=url)  # no WaitTimeSeconds: the queue's 20 s applies
    sender.join()
    assert [m["Body"] for m in got["Messages"]] == ["x"]


def test_fifo_waiter_wakes_when_the_blocking_message_is_deleted(sqs: Any, sqs_server) -> None:
    url = sqs.get_queue_url(QueueName=FIFO)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="Message 0", MessageGroupId="g")
    sqs.send_message(QueueUrl=url, MessageBody="Message 1", MessageGroupId="g")
    (held,) = sqs.receive_message(QueueUrl=url)["Messages"]

    def delete_later() -> None:
        time.sleep(0.5)
        boto3_client(sqs_server.url).delete_message(
            QueueUrl=url, ReceiptHandle=held["ReceiptHandle"]
        )

    deleter = threading.Thread(target=delete_later)
    deleter.start()
    started = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
    deleter.join()
    assert [m["Body"] for m in got["Messages"]] == ["Message 1"]
    assert time.monotonic() - started < 15


def test_a_waiting_receive_wakes_for_a_delayed_message_sent_after_it_began(
    sqs: Any, sqs_server
) -> None:
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    sender = send_later(sqs_server.url, url, 0.3, MessageBody="delayed", DelaySeconds=1)
    started = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
    sender.join()
    assert [m["Body"] for m in got["Messages"]] == ["delayed"]
    assert time.monotonic() - started < 15


def test_a_waiting_receive_wakes_when_another_client_releases_a_message(
    sqs: Any, sqs_server
) -> None:
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="released")
    (held,) = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, VisibilityTimeout=600)[
        "Messages"
    ]

    def release_later() -> None:
        time.sleep(0.3)
        boto3_client(sqs_server.url).change_message_visibility(
            QueueUrl=url, ReceiptHandle=held["ReceiptHandle"], VisibilityTimeout=1
        )

    releaser = threading.Thread(target=release_later)
    releaser.start()
    started = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
    releaser.join()
    assert [m["Body"] for m in got["Messages"]] == ["released"]
    assert time.monotonic() - started < 15
