"""What the SQS requests a cell made would cost on AWS: a one-line meter for the notebooks.

Prices are AWS's published per-request prices for SQS in us-east-1 (https://aws.amazon.com/sqs/pricing/,
first 100 billion requests a month): $0.40 per million for standard queues, $0.50 per million for
FIFO queues. Every 64 KB chunk of a request's payload is billed as one request (a 256 KB send is 4
requests); the free tier's first million requests a month is left out, so the line shows what the
same traffic costs once it is used up. Counting hooks botocore's ``before-send`` event, so it sees
exactly the requests the client puts on the wire — retries and empty receives included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CHUNK_BYTES",
    "PRICE_PER_MILLION",
    "RequestMeter",
    "billed_requests",
    "cost_line",
    "price",
]

PRICE_PER_MILLION = {"standard": 0.40, "fifo": 0.50}
CHUNK_BYTES = 64 * 1024


def billed_requests(payload_bytes: int) -> int:
    """How many requests AWS bills for one API call with a payload of this size."""
    return max(1, -(-payload_bytes // CHUNK_BYTES))


def price(requests: int, *, fifo: bool = False) -> float:
    """Dollars for ``requests`` billed requests."""
    return requests * PRICE_PER_MILLION["fifo" if fifo else "standard"] / 1_000_000


def cost_line(requests: int, *, fifo: bool = False) -> str:
    kind = "FIFO" if fifo else "standard"
    per_million = PRICE_PER_MILLION["fifo" if fifo else "standard"]
    return (
        f"{requests:,} billed request{'s' * (requests != 1)} ≈ ${price(requests, fifo=fifo):.6f} on AWS "
        f"({kind} queue, ${per_million:.2f} per million)"
    )


@dataclass
class RequestMeter:
    """Counts the billed requests an SQS client sends; ``line()`` says what they would cost."""

    calls: int = 0
    requests: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)

    def attach(self, client: Any) -> RequestMeter:
        client.meta.events.register("before-send.sqs", self._count)
        return self

    def _count(self, request: Any, **_: Any) -> None:
        body = request.body or b""
        size = len(body if isinstance(body, bytes | bytearray) else str(body).encode())
        billed = billed_requests(size)
        target = request.headers.get("X-Amz-Target", b"")  # "AmazonSQS.SendMessage" (JSON protocol)
        target = target.decode() if isinstance(target, bytes) else str(target)
        operation = target.rpartition(".")[2] or "?"
        self.calls += 1
        self.requests += billed
        self.by_operation[operation] = self.by_operation.get(operation, 0) + billed

    def reset(self) -> None:
        self.calls = self.requests = 0
        self.by_operation.clear()

    def line(self, *, fifo: bool = False) -> str:
        """The cost of everything counted since the last ``reset()``, then reset."""
        text = cost_line(self.requests, fifo=fifo)
        self.reset()
        return text
