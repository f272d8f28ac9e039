"""10,000 messages through the local SQS service, 2 producers and 4 concurrent consumers (threads,
boto3, loopback), produced and consumed at the same time.

FIFO: every message processed exactly once and, within each message group, in send order.
Standard: every message processed at least once. Nothing lost in either.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import botocore
import pytest
from botocore.config import Config

MESSAGES = 10_000
GROUPS = 20
PRODUCERS = 2
CONSUMERS = 4
DEADLINE_SECONDS = 120  # a hang fails the test instead of stalling the suite


def boto3_client(url: str) -> Any:
    """boto3 as the races' producers and consumers use it: unsigned (the local service checks
    no signature) and without boto3's own check of each request's parameters. These races test
    the service's delivery guarantees, and the client's CPU is what bounds them: the two skipped
    steps cost a quarter of it. Requests and replies are boto3's all the same, MD5 checks of
    every sent and received body included; signed requests are covered by tests/integration."""
    return boto3.client(
        "sqs",
        region_name="us-east-1",
        endpoint_url=url,
        config=Config(
            signature_version=botocore.UNSIGNED,
            parameter_validation=False,
            retries={"max_attempts": 1},
            read_timeout=30,
        ),
    )


def _produce(url: str, queue_url: str, groups: list[int], fifo: bool) -> None:
    client = boto3_client(url)
    per_group = MESSAGES // GROUPS
    for group in groups:
        for start in range(0, per_group, 10):
            entries = []
            for seq in range(start, min(start + 10, per_group)):
                entry: dict[str, Any] = {"Id": str(seq), "MessageBody": f"{group}:{seq}"}
                if fifo:
                    entry["MessageGroupId"] = f"g{group}"
                    entry["MessageDeduplicationId"] = f"{group}-{seq}"
                entries.append(entry)
            reply = client.send_message_batch(QueueUrl=queue_url, Entries=entries)
            assert not reply.get("Failed"), reply["Failed"]


def _consume(
    url: str,
    queue_url: str,
    log: list[tuple[int, int]],
    lock: threading.Lock,
    done: threading.Event,
    deadline: float,
) -> None:
    client = boto3_client(url)
    while not done.is_set() and time.monotonic() < deadline:
        reply = client.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        )
        messages = reply.get("Messages", [])
        if not messages:
            continue
        with lock:  # "processing" = recording, in the order this consumer got them
            for message in messages:
                group, seq = message["Body"].split(":")
                log.append((int(group), int(seq)))
        entries = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
        ]
        deleted = client.delete_message_batch(QueueUrl=queue_url, Entries=entries)
        assert not deleted.get("Failed"), deleted["Failed"]


def _messages_left(client: Any, queue_url: str) -> int:
    """Messages visible or in flight (the local service's counts are exact)."""
    attributes = client.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


def _run(url: str, queue_url: str, fifo: bool) -> list[tuple[int, int]]:
    log: list[tuple[int, int]] = []
    lock = threading.Lock()
    done = threading.Event()
    deadline = time.monotonic() + DEADLINE_SECONDS
    expected = {(g, s) for g in range(GROUPS) for s in range(MESSAGES // GROUPS)}
    with ThreadPoolExecutor(PRODUCERS + CONSUMERS) as pool:
        consumers = [
            pool.submit(_consume, url, queue_url, log, lock, done, deadline)
            for _ in range(CONSUMERS)
        ]
        producers = [
            pool.submit(_produce, url, queue_url, list(range(p, GROUPS, PRODUCERS)), fifo)
            for p in range(PRODUCERS)
        ]
        for future in producers:
            future.result(timeout=DEADLINE_SECONDS)
        while time.monotonic() < deadline:
            with lock:
                if expected <= set(log):
                    break
            time.sleep(0.2)
        # standard: a duplicate is left visible by a receive, so none can show up once nothing
        # is visible or in flight; the consumers drain the last ones first
        probe = boto3_client(url)
        while not fifo and time.monotonic() < deadline and _messages_left(probe, queue_url):
            time.sleep(0.1)
        done.set()
        for future in consumers:
            future.result(timeout=DEADLINE_SECONDS)
    missing = expected - set(log)
    assert not missing, f"{len(missing)} of {MESSAGES} messages never processed"
    return log


@pytest.fixture
def sqs_url(sqs, sqs_server) -> str:
    return sqs_server.url


def test_fifo_10k_messages_4_consumers_exactly_once_in_order(sqs, sqs_url: str) -> None:
    queue_url = sqs.create_queue(QueueName="rel-10k.fifo", Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    log = _run(sqs_url, queue_url, fifo=True)
    assert len(log) == MESSAGES, f"{len(log) - MESSAGES} duplicates"
    last: dict[int, int] = {}
    for group, seq in log:
        assert seq == last.get(group, -1) + 1, f"group {group}: {seq} after {last.get(group)}"
        last[group] = seq
    assert (
        sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"][
            "ApproximateNumberOfMessages"
        ]
        == "0"
    )


def test_standard_10k_messages_4_consumers_at_least_once(sqs, sqs_url: str) -> None:
    queue_url = sqs.create_queue(QueueName="rel-10k")["QueueUrl"]
    log = _run(sqs_url, queue_url, fifo=False)
    assert len(log) >= MESSAGES
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0"
    print(f"standard queue: {len(log) - MESSAGES} duplicate deliveries of {MESSAGES}")
