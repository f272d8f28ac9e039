"""The standard-queue teaching model over HTTP: the course demo shows disorder, short polls come back short."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest

from tests.integration.sqs.helpers import numbers

STD = "csse6400_prac"


def publish(sqs: Any, url: str) -> None:
    for start in range(0, 100, 10):
        sqs.send_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "MessageBody": f"Message {i}"} for i in range(start, start + 10)
            ],
        )


@pytest.mark.parametrize("wait", [0, 1])
def test_100_messages_arrive_out_of_order_with_default_settings(sqs: Any, wait: int) -> None:
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    publish(sqs, url)
    got: list[dict] = []
    empty_in_a_row = 0
    while empty_in_a_row < 30:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait).get(
            "Messages", []
        )
        if not batch:
            empty_in_a_row += 1
            continue
        empty_in_a_row = 0
        got.extend(batch)
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
            ],
        )
        if len({m["MessageId"] for m in got}) == 100 and wait:
            break
    order = numbers(got)
    assert set(order) == set(range(100))
    assert sum(1 for a, b in pairwise(order) if a > b) >= 10


def test_short_polls_return_fewer_than_available(sqs: Any) -> None:
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"Message {i}"} for i in range(3)]
    )
    sizes = set()
    for _ in range(20):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        sizes.add(len(got.get("Messages", [])))
    assert min(sizes) < 3


def test_strict_order_knob(start_sqs_server) -> None:
    from tests.fixtures.sqs import boto3_client

    server = start_sqs_server("--strict-order", "--duplicate-rate", "0")
    sqs = boto3_client(server.url)
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    publish(sqs, url)
    got = []
    while len(got) < 100:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        got.extend(batch)
        for m in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert numbers(got) == list(range(100))
