"""The RQ transport's reading of RQ's job states: every status mapped, every failure given a reason.
(Moved from tests/backend/test_jobs_rq.py: no server needed.)"""

from __future__ import annotations

import pytest
from rq.job import JobStatus as RQStatus
from taskoverflow.jobs import FailureReason, JobState, JobStatus
from taskoverflow.jobs.rq_transport import STATUS_MAP, failure_state


def test_every_rq_status_is_mapped():
    assert set(STATUS_MAP) == set(RQStatus)
    assert STATUS_MAP[RQStatus.QUEUED] is JobStatus.PENDING
    assert STATUS_MAP[RQStatus.SCHEDULED] is JobStatus.PENDING
    assert STATUS_MAP[RQStatus.STARTED] is JobStatus.STARTED
    assert STATUS_MAP[RQStatus.FINISHED] is JobStatus.SUCCESS
    assert STATUS_MAP[RQStatus.FAILED] is JobStatus.FAILURE
    assert STATUS_MAP[RQStatus.STOPPED] is JobStatus.FAILURE


@pytest.mark.parametrize(
    ("rq_status", "exc", "reason"),
    [
        (RQStatus.FAILED, "Traceback...\nValueError: bad", FailureReason.ERROR),
        (
            RQStatus.FAILED,
            "rq.timeouts.JobTimeoutException: Task exceeded maximum timeout value (1 seconds)",
            FailureReason.TIMEOUT,
        ),
        (
            RQStatus.FAILED,
            "Work-horse terminated unexpectedly; waitpid returned 9",
            FailureReason.LOST,
        ),
        (RQStatus.FAILED, "Moved to FailedJobRegistry, job was abandoned", FailureReason.LOST),
        (RQStatus.STOPPED, None, FailureReason.CANCELED),
        (RQStatus.CANCELED, None, FailureReason.CANCELED),
        (RQStatus.FAILED, None, FailureReason.ERROR),
    ],
)
def test_failure_reasons(rq_status, exc, reason):
    state = failure_state(rq_status, exc)
    assert state == JobState(JobStatus.FAILURE, reason, state.detail)
    if exc:
        assert state.detail == exc.splitlines()[-1]
    else:
        assert state.detail is None
