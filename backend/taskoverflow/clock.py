"""The one clock of the app and its workers: naive UTC.

Naive because the API's datetimes carry no zone (the course's format, `2023-02-27T00:00:00`).
To the microsecond, because a job's lease compares sub-second ages (a lease read as over a second
early hands a job to the dead-letter verdict before SQS has moved its message); the API drops
the fraction where it stores a todo's times (`whole_seconds`). Parts that need time take a clock
argument defaulting to `utc_now`, so tests pass their own.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def whole_seconds(moment: datetime) -> datetime:
    """The API's datetime format has no fraction: a todo's times are stored without one."""
    return moment.replace(microsecond=0)
