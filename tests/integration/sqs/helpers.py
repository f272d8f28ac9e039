"""Helpers shared by the SQS integration tests."""

from __future__ import annotations

from typing import Any


def receive_all(sqs: Any, url: str, **kwargs: Any) -> list[dict]:
    """Receive until no message is visible (asking the count first, so no poll waits in vain)."""
    out = []
    while True:
        visible = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
        if visible == "0":
            return out
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, **kwargs)
        out.extend(got.get("Messages", []))


def numbers(messages: list[dict]) -> list[int]:
    """The N of each "Message N" body, in delivery order."""
    return [int(m["Body"].rsplit(" ", 1)[-1]) for m in messages]
