"""One stored message and its life cycle states; shared by the standard and FIFO stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DELAYED, VISIBLE, INFLIGHT, GONE = range(4)


@dataclass(slots=True, eq=False)
class Message:
    """A message copy. Standard queues may hold two copies with one MessageId (a duplicate)."""

    message_id: str
    body: str
    md5_body: str
    attributes: dict[str, dict[str, Any]]
    md5_attributes: str | None
    system_attributes: dict[str, dict[str, Any]]
    md5_system: str | None
    sent_at: float
    size: int
    group_id: str | None = None
    dedup_id: str | None = None
    sequence: int | None = None
    dlq_source_arn: str | None = None
    receive_count: int = 0
    first_receive_at: float | None = None
    received_at: float = 0.0  # the latest receive: the 12-hour visibility cap counts from it
    state: int = DELAYED
    due: float = 0.0  # when a DELAYED or INFLIGHT message becomes visible
    version: int = 0  # bumped on each change of `due`, so stale timer entries are skipped
    host: int = 0
    order: int = -1  # arrival order on its standard-queue host (set on first arrival)
    receipts: list[str] = field(default_factory=list)

    def copy(self) -> Message:
        return Message(
            message_id=self.message_id,
            body=self.body,
            md5_body=self.md5_body,
            attributes=self.attributes,
            md5_attributes=self.md5_attributes,
            system_attributes=self.system_attributes,
            md5_system=self.md5_system,
            sent_at=self.sent_at,
            size=self.size,
            group_id=self.group_id,
            dedup_id=self.dedup_id,
            sequence=self.sequence,
            dlq_source_arn=self.dlq_source_arn,
            receive_count=self.receive_count,
            first_receive_at=self.first_receive_at,
        )
