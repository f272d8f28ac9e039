"""Message move tasks (dead-letter queue redrive): the task record, its handle, ARN checks.

A task moves the messages its source (a dead-letter queue) held when it started, oldest first, at
`MaxNumberOfMessagesPerSecond` on the service clock: message k (from 0) moves at
`started + k / rate`. The engine runs the moves that have come due lazily, like visibility timeouts,
so `advance` on the lab clock drives a redrive as it drives everything else. When the rate is not
given AWS "optimizes" it; the local service uses DEFAULT_RATE, a documented model choice.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

from labkit.sqslocal.errors import SqsError, invalid
from labkit.sqslocal.message import Message

MAX_RATE = 500
DEFAULT_RATE = MAX_RATE
MAX_LISTED = 10
RUNNING, COMPLETED, CANCELLED, FAILED = "RUNNING", "COMPLETED", "CANCELLED", "FAILED"

_ARN = re.compile(r"arn:([^:\s]+):([^:\s]+):([^:\s]*):([^:\s]*):([^:\s]+)", re.ASCII)


@dataclass(eq=False)
class MoveTask:
    task_id: str
    source: str  # queue name
    source_arn: str
    destination_arn: str | None
    rate: int | None  # as asked (None: DEFAULT_RATE)
    started: float
    pending: list[Message]  # still to move, oldest first
    to_move: int
    moved: int = 0
    status: str = RUNNING
    failure: str | None = None
    next_index: int = 0  # move slots used so far: the next move is due at due(next_index)

    @property
    def handle(self) -> str:
        raw = json.dumps({"taskId": self.task_id, "sourceArn": self.source_arn})
        return base64.b64encode(raw.encode()).decode("ascii")

    def due(self, index: int) -> float:
        return self.started + index / (self.rate or DEFAULT_RATE)

    def describe(self) -> dict[str, Any]:
        """As ListMessageMoveTasks shows it (the handle only while the task runs, as AWS does)."""
        out: dict[str, Any] = {
            "Status": self.status,
            "SourceArn": self.source_arn,
            "ApproximateNumberOfMessagesMoved": self.moved,
            "ApproximateNumberOfMessagesToMove": self.to_move,
            "StartedTimestamp": int(self.started * 1000),
        }
        if self.status == RUNNING:
            out["TaskHandle"] = self.handle
        if self.destination_arn is not None:
            out["DestinationArn"] = self.destination_arn
        if self.rate is not None:
            out["MaxNumberOfMessagesPerSecond"] = self.rate
        if self.failure is not None:
            out["FailureReason"] = self.failure
        return out


def parse_arn(arn: str, parameter: str, region: str, account: str) -> str:
    """The queue name an SQS ARN names; a malformed ARN is InvalidParameterValue, another
    account's or region's queue does not exist here (ResourceNotFoundException)."""
    match = _ARN.fullmatch(arn)
    if match is None:
        raise invalid(
            f"You must use this format to specify the {parameter}: "
            "arn:<partition>:<service>:<region>:<account-id>:<resource-id>"
        )
    _, service, arn_region, arn_account, name = match.groups()
    if service != "sqs" or arn_region != region or arn_account != account:
        raise not_found(parameter)
    return name


def not_found(parameter: str) -> SqsError:
    return SqsError(
        "ResourceNotFoundException",
        f"The resource that you specified for the {parameter} parameter doesn't exist.",
    )


def task_id_of(handle: str) -> tuple[str, str]:
    """(task id, source ARN) from a TaskHandle; anything else is not a handle (as SQS says)."""
    bad = invalid("Value for parameter TaskHandle is invalid.")
    try:
        decoded = json.loads(base64.b64decode(handle.encode("ascii"), validate=True))
        task_id, source_arn = decoded["taskId"], decoded["sourceArn"]
    except (ValueError, KeyError, TypeError, UnicodeError):
        raise bad from None
    if not isinstance(task_id, str) or not isinstance(source_arn, str) or not task_id:
        raise bad
    return task_id, source_arn
