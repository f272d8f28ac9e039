"""Calendar jobs over SQS keep their state in the database: the `calendar_jobs` table.

SQS only carries "please build calendar <id>"; it cannot answer "is job <id> done?", so the API
writes a row before it sends the message, the worker moves the row along, and `/status` reads
the row. What the API reports is a pure function of the row and the time (`visible_state`), so
a worker that died is noticed without asking SQS: its heartbeat stops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from taskoverflow.db import Base
from taskoverflow.jobs import FailureReason, JobState, JobStatus

#: Job ids are uuid4 hex: URL-safe and unguessable.
JOB_ID = re.compile(r"[0-9a-f]{32}")

#: States a job never leaves.
TERMINAL = (JobStatus.SUCCESS.value, JobStatus.FAILURE.value)


class CalendarJob(Base):
    """One calendar job. Datetimes are naive UTC, like the todos'."""

    __tablename__ = "calendar_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.PENDING.value)
    #: the todos as they were when the job was requested (kept here, not in the message:
    #: a message has a size limit, a row does not)
    todos: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: the worker's last sign of life while it holds the message
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: SQS's ApproximateReceiveCount at the latest start, and the queue's maxReceiveCount
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int | None] = mapped_column(Integer)
    #: seconds after the last heartbeat when the message is surely visible again
    lease_seconds: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[bytes | None] = mapped_column(LargeBinary)
    reason: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class RowView:
    """The columns `visible_state` needs (a CalendarJob or a plain value in tests)."""

    status: str
    attempts: int = 0
    max_attempts: int | None = None
    heartbeat_at: datetime | None = None
    lease_seconds: int | None = None
    reason: str | None = None
    error: str | None = None


def visible_state(job: CalendarJob | RowView, now: datetime) -> JobState:
    """What `/status` reports for a row at time `now` (naive UTC).

    A STARTED row whose heartbeat is older than its lease belongs to a worker that died: SQS
    will hand the message out again, so the job reads PENDING — or FAILURE (lost) if that was
    its last allowed attempt, because then the message goes to the dead-letter queue instead.
    """
    status = JobStatus(job.status)
    if status is JobStatus.FAILURE:
        reason = FailureReason(job.reason) if job.reason else FailureReason.ERROR
        return JobState(status, reason, job.error)
    if status is not JobStatus.STARTED or job.heartbeat_at is None or not job.lease_seconds:
        return JobState(status)
    if now - job.heartbeat_at <= timedelta(seconds=job.lease_seconds):
        return JobState(status)
    if job.max_attempts is not None and job.attempts >= job.max_attempts:
        return JobState(
            JobStatus.FAILURE,
            FailureReason.LOST,
            f"the worker stopped during the last of {job.max_attempts} attempts; "
            "the message went to the dead-letter queue",
        )
    return JobState(JobStatus.PENDING)
