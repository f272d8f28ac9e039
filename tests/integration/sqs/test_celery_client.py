"""Celery over the local SQS service: the course's own calendar task, with `sqs://` as its broker.

Celery reaches SQS through kombu's SQS transport: boto3 to create and look up queues, and its own
asynchronous HTTP client (pycurl) for the long polls, sends and deletes. A real worker process
runs the task; the result comes back through Valkey, the result backend, as it would in a
deployment with SQS as the broker. Nothing here is specific to this service but the endpoint.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from labkit.notebook import start_celery_worker, stop_process


@pytest.mark.slow
def test_the_courses_celery_task_runs_over_sqs(sqs_server: Any, redis_clean: str) -> None:
    from celery import Celery

    endpoint = urlsplit(sqs_server.url)
    broker = f"sqs://test:test@{endpoint.hostname}:{endpoint.port}"
    client = Celery("client", broker=broker, backend=redis_clean)  # Celery's queue: `celery`
    todos = [
        {"id": n, "title": f"todo {n}", "description": None, "deadline_at": "2026-12-01T09:00:00"}
        for n in range(1, 4)
    ]
    tasks = [client.send_task("ical", args=[todos[:n]]) for n in range(1, 4)]  # queue made here
    env = {"CELERY_BROKER_URL": broker, "CELERY_RESULT_BACKEND": redis_clean}
    worker = start_celery_worker("course.celery_calendar:celery", name="sqs", env=env, deadline=120)
    try:
        calendars = [task.get(timeout=90) for task in tasks]
    finally:
        stop_process(worker, timeout=30)
        client.close()
    for n, calendar in enumerate(calendars, start=1):
        assert calendar.startswith("BEGIN:VCALENDAR")
        assert calendar.count("BEGIN:VEVENT") == n
    assert all(task.state == "SUCCESS" for task in tasks)
    totals = sqs_server.metrics("celery")["totals"]  # the tasks went through this service
    assert totals["sent"] == 3 and totals["deleted"] >= 3
