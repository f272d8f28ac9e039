"""What a calendar job on the SQS transport reads as, from its database row alone, and the worker's
retry back-off. (Moved from tests/backend_sqs/test_sqs_worker.py: no server needed.)"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from taskoverflow.config import Settings
from taskoverflow.jobs import FailureReason, JobStatus
from taskoverflow.jobs.sqs_models import RowView, visible_state
from taskoverflow.jobs.sqs_worker import retry_delay

NOW = datetime(2026, 3, 10, 12, 0, 0)


def settings(database_url: str, delay: float = 0) -> Settings:
    return Settings.load({"DATABASE_URL": database_url, "ICAL_DELAY_SECONDS": delay})


@pytest.mark.parametrize(
    ("row_", "seconds_later", "expected"),
    [
        (RowView("PENDING"), 999, JobStatus.PENDING),
        (RowView("STARTED", 1, 3, NOW, 5), 5, JobStatus.STARTED),
        (RowView("STARTED", 1, 3, NOW, 5), 6, JobStatus.PENDING),  # worker died: retried
        (RowView("STARTED", 3, 3, NOW, 5), 6, JobStatus.FAILURE),  # died on its last try
        (RowView("STARTED", 3, None, NOW, 5), 6, JobStatus.PENDING),  # no DLQ: retried forever
        (RowView("SUCCESS", 1, 3, NOW, 5), 999, JobStatus.SUCCESS),
        (RowView("FAILURE", 3, 3, NOW, 5, "error", "boom"), 0, JobStatus.FAILURE),
    ],
)
def test_visible_state(row_: RowView, seconds_later: int, expected: JobStatus) -> None:
    state = visible_state(row_, NOW + timedelta(seconds=seconds_later))
    assert state.status is expected
    if expected is JobStatus.FAILURE:
        assert state.reason in (FailureReason.LOST, FailureReason.ERROR)
        assert state.detail


def test_retry_delay_backs_off_within_the_visibility_timeout() -> None:
    assert [retry_delay(1, n, 20) for n in (1, 2, 3, 4, 5, 6)] == [1, 2, 4, 8, 16, 20]
    assert retry_delay(0, 3, 20) == 0


@given(
    status=st.sampled_from(["PENDING", "STARTED", "SUCCESS", "FAILURE"]),
    attempts=st.integers(0, 10),
    max_attempts=st.none() | st.integers(1, 10),
    lease=st.integers(1, 100),
    age=st.integers(0, 300),
)
def test_visible_state_properties(
    status: str, attempts: int, max_attempts: int | None, lease: int, age: int
) -> None:
    row_ = RowView(status, attempts, max_attempts, NOW, lease, "error", "boom")
    state = visible_state(row_, NOW + timedelta(seconds=age))
    stale = age > lease
    # finished jobs never change; nothing stale ever reads STARTED
    if status in ("SUCCESS", "FAILURE"):
        assert state.status.value == status
    elif status == "STARTED" and stale:
        last = max_attempts is not None and attempts >= max_attempts
        assert state.status is (JobStatus.FAILURE if last else JobStatus.PENDING)
    else:
        assert state.status.value == status
    assert (state.reason is not None) == (state.status is JobStatus.FAILURE)


async def test_sqlite_job_database_uses_write_ahead_logging(tmp_path) -> None:
    import sqlite3

    from taskoverflow.jobs.sqs_transport import ensure_table, job_database

    path = tmp_path / "wal.db"
    db = job_database(settings(f"sqlite+aiosqlite:///{path}"))
    try:
        await ensure_table(db)
    finally:
        await db.close()
    with sqlite3.connect(path) as conn:  # WAL is a property of the file: every reader sees it
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
