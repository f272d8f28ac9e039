"""`JOB_TRANSPORT=sqs labkit up` and the course's cURL walk-through, end to end: the real stack
(SQS service, API, SQS worker) in a temporary LAB_DIR on free ports, stopped by `labkit down`."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from labkit.aws import sqs_client
from tests.fixtures.stack import LabStack, start_stack, stop_stack


@pytest.fixture
def sqs_stack(tmp_path: Path) -> Iterator[LabStack]:
    stack = start_stack(tmp_path / "lab", {"JOB_TRANSPORT": "sqs", "ICAL_DELAY_SECONDS": "1"})
    try:
        yield stack
    finally:
        stop_stack(stack)


@pytest.mark.slow
def test_sqs_stack_walkthrough(sqs_stack: LabStack) -> None:
    api = sqs_stack.taskoverflow + "/api/v1"
    with httpx.Client(timeout=10) as http:
        todo = http.post(
            f"{api}/todos", json={"title": "Deploy", "deadline_at": "2026-12-01T09:00:00"}
        )
        assert todo.status_code == 201
        created = http.post(f"{api}/todos/ical")
        assert created.status_code == 202
        task_url = created.json()["task_url"]
        seen = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            status = http.get(task_url).json()["task_status"]
            if not seen or seen[-1] != status:
                seen.append(status)
            if status in ("SUCCESS", "FAILURE"):
                break
            time.sleep(0.1)
        assert seen[-1] == "SUCCESS", seen
        assert set(seen) <= {"PENDING", "STARTED", "SUCCESS"}
        result = http.get(task_url.replace("/status", "/result"))
        assert result.status_code == 200 and "SUMMARY:Deploy" in result.text

    # labkit up created the job queue and its DLQ on the stack's SQS service
    client = sqs_client(endpoint=sqs_stack.sqs)
    url = client.get_queue_url(QueueName="ical")["QueueUrl"]
    attrs = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    policy = json.loads(attrs["RedrivePolicy"])
    assert policy["deadLetterTargetArn"].endswith(":ical-dlq")
    # and the job's state is in the database, not in the queue
    with sqlite3.connect(sqs_stack.lab_dir / "taskoverflow.db") as db:
        rows = db.execute("select status, attempts from calendar_jobs").fetchall()
    assert rows == [("SUCCESS", 1)]
