"""`JOB_TRANSPORT=sqs labkit up`, then the course's walk-through: the calendar job travels over the
local SQS service and its state lives in the database — same API answers as with RQ."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import psutil
import pytest

from tests.e2e.test_calendar_walkthrough import course_walkthrough
from tests.fixtures.stack import LabStack, start_stack, stop_stack

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sqs_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabStack]:
    stack = start_stack(tmp_path_factory.mktemp("lab-sqs"), {"JOB_TRANSPORT": "sqs"})
    try:
        yield stack
    finally:
        stop_stack(stack)


def test_walkthrough_over_the_sqs_transport(sqs_stack: LabStack) -> None:
    worker = psutil.Process(sqs_stack.records()["worker"].pid)
    assert worker.environ()["JOB_TRANSPORT"] == "sqs"
    assert worker.environ()["AWS_ENDPOINT_URL_SQS"] == sqs_stack.sqs
    course_walkthrough(sqs_stack)
    # the job's state lives in the database (SQLite in the lab dir), not in the queue
    with sqlite3.connect(sqs_stack.lab_dir / "taskoverflow.db") as db:
        rows = db.execute("SELECT status, attempts FROM calendar_jobs").fetchall()
    assert rows == [("SUCCESS", 1)]
