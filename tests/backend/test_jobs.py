"""Calendar jobs end to end through the API with real workers (`taskoverflow worker --burst`),
for every job transport in `JOB_TRANSPORTS` (RQ on a real Valkey; SQS once it exists) and on
SQLite and PostgreSQL. Transport-specific behaviour lives in test_jobs_<transport>.py."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone

import pytest
import vobject

from tests.unit.backend.test_ical import check_rfc5545, parse_vobject

API = "/api/v1"
pytestmark = pytest.mark.slow


async def wait_for_status(client, task_url: str, wanted: set[str], timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    seen: dict = {}
    while time.monotonic() < deadline:
        response = await client.get(task_url)
        assert response.status_code == 200
        seen = await response.get_json()
        if seen["task_status"] in wanted:
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"still {seen} after {timeout}s, wanted {wanted}")


async def add_todos(client):
    await client.post(
        f"{API}/todos", json={"title": "Lab report", "deadline_at": "2023-02-27T00:00:00"}
    )
    await client.post(f"{API}/todos", json={"title": "Someday"})  # no deadline: skipped


async def test_pending_started_success_and_download(make_client, job_backend):
    async with make_client(**job_backend.config, ICAL_DELAY_SECONDS=1) as (client, state):
        await add_todos(client)
        response = await client.post(f"{API}/todos/ical")
        assert response.status_code == 202
        task = await response.get_json()
        assert set(task) == {"task_id", "task_url"}
        assert task["task_url"].startswith("http://")
        assert task["task_url"].endswith(f"/api/v1/todos/ical/{task['task_id']}/status")

        status = await (await client.get(task["task_url"])).get_json()
        assert status["task_status"] == "PENDING"  # no worker yet
        assert status["result_url"].endswith(f"/api/v1/todos/ical/{task['task_id']}/result")
        pending = await client.get(status["result_url"])
        assert pending.status_code == 404
        assert await pending.get_json() == {"error": "Task not finished"}

        job_backend.start_worker()
        started = await wait_for_status(client, task["task_url"], {"STARTED", "SUCCESS"})
        assert started["task_status"] == "STARTED", (
            "the 1 s job should be seen running (polled every 50 ms)"
        )
        assert (await client.get(status["result_url"])).status_code == 404

        done = await wait_for_status(client, task["task_url"], {"SUCCESS", "FAILURE"})
        assert done["task_status"] == "SUCCESS"
        assert "reason" not in done
        result = await client.get(done["result_url"])
        assert result.status_code == 200
        assert result.content_type.startswith("text/calendar")
        calendar = vobject.readOne((await result.get_data()).decode())
        assert [e.summary.value for e in calendar.vevent_list] == ["Lab report"]
        assert state.unexpected_errors == 0


async def test_snapshot_is_taken_at_enqueue_time(make_client, job_backend):
    async with make_client(**job_backend.config) as (client, _):
        await add_todos(client)
        task = await (await client.post(f"{API}/todos/ical")).get_json()
        await client.post(f"{API}/todos", json={"title": "Later", "deadline_at": "2024-01-01"})
        job_backend.start_worker().wait(timeout=30)
        done = await wait_for_status(client, task["task_url"], {"SUCCESS", "FAILURE"})
        assert done["task_status"] == "SUCCESS"
        text = (await (await client.get(done["result_url"])).get_data()).decode()
        assert "Lab report" in text and "Later" not in text


async def test_failing_job_reports_failure_with_reason(make_client, job_backend):
    async with make_client(**job_backend.config) as (client, state):
        # a snapshot the builder cannot read: the job function raises in the worker
        bad = {
            "id": 1,
            "title": "x",
            "description": None,
            "completed": False,
            "deadline_at": "soon",
        }
        job_id = await state.transport.enqueue([bad])
        job_backend.start_worker().wait(timeout=30)
        status = await wait_for_status(
            client, f"{API}/todos/ical/{job_id}/status", {"SUCCESS", "FAILURE"}
        )
        assert status["task_status"] == "FAILURE"
        assert status["reason"] == "error"
        assert "soon" in status["detail"]
        result = await client.get(status["result_url"])
        assert result.status_code == 404
        assert await result.get_json() == {"error": "Task not finished"}


async def test_job_timeout_is_failure_timeout(make_client, job_backend):
    slow = {"ICAL_DELAY_SECONDS": 10, "ICAL_JOB_TIMEOUT": 1}
    async with make_client(**job_backend.config, **slow) as (client, _):
        await add_todos(client)
        task = await (await client.post(f"{API}/todos/ical")).get_json()
        job_backend.start_worker(**slow).wait(timeout=30)
        status = await wait_for_status(client, task["task_url"], {"SUCCESS", "FAILURE"})
        assert status["task_status"] == "FAILURE"
        assert status["reason"] == "timeout"


@pytest.mark.parametrize(
    "task_id", ["nope", "00000000-0000-0000-0000-000000000000", "a" * 65, "..%2F..", "x:y"]
)
async def test_unknown_ids_are_404(make_client, job_backend, task_id):
    async with make_client(**job_backend.config) as (client, state):
        for suffix in ("status", "result"):
            response = await client.get(f"{API}/todos/ical/{task_id}/{suffix}")
            assert response.status_code == 404
            assert "error" in await response.get_json()
        assert state.unexpected_errors == 0


async def test_a_zoned_deadline_posted_to_the_api_lands_at_the_same_instant(
    make_client, job_backend
):
    """Through the API: POST with +10:00, stored as UTC, the calendar's DTSTART is that instant."""
    async with make_client(**job_backend.config) as (client, _):
        posted = await client.post(
            "/api/v1/todos", json={"title": "Standup", "deadline_at": "2026-03-02T09:00:00+10:00"}
        )
        assert (await posted.get_json())["deadline_at"] == "2026-03-01T23:00:00"
        task = await (await client.post("/api/v1/todos/ical")).get_json()
        job_backend.start_worker().wait(timeout=30)
        status = await (await client.get(task["task_url"])).get_json()
        assert status["task_status"] == "SUCCESS"
        data = await (await client.get(status["result_url"])).get_data()
    assert check_rfc5545(data)[0]["DTSTART"] == "20260301T230000Z"
    start = parse_vobject(data).vevent.dtstart.value
    assert start == datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=10)))
