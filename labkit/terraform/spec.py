"""One declared queue as the SQS API's CreateQueue wants it.

Its own module so that holding one needs no HCL parser: `remembered` hands back queues read
earlier without importing python-hcl2.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QueueSpec:
    """One `aws_sqs_queue`, as the SQS API's CreateQueue wants it."""

    address: str  # e.g. module.queues.aws_sqs_queue.ical
    name: str
    attributes: dict[str, str]
    dead_letter_target: str | None = None  # name of the DLQ, if a redrive policy names one
    max_receive_count: int | None = None

    @property
    def fifo(self) -> bool:
        return self.attributes.get("FifoQueue") == "true"
