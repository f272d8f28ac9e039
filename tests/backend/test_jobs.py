"""Calendar jobs end to end on a real Valkey with real `taskoverflow worker --burst` processes,
through the API (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import time

import pytest
import vobject
from rq.job import JobStatus as RQStatus
from taskoverflow.jobs import FailureReason, JobState, JobStatus
from taskoverflow.jobs.rq import STATUS_MAP, failure_state

from labkit.services.valkey import running_valkey

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


async def test_pending_started_success_and_download(make_client, redis_clean, worker):
    async with make_client(REDIS_URL=redis_clean, ICAL_DELAY_SECONDS=1.5) as (client, state):
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

        worker()
        started = await wait_for_status(client, task["task_url"], {"STARTED", "SUCCESS"})
        assert started["task_status"] == "STARTED", "the 1.5 s job should be seen running"
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


async def test_snapshot_is_taken_at_enqueue_time(make_client, redis_clean, worker):
    async with make_client(REDIS_URL=redis_clean) as (client, _):
        await add_todos(client)
        task = await (await client.post(f"{API}/todos/ical")).get_json()
        await client.post(f"{API}/todos", json={"title": "Later", "deadline_at": "2024-01-01"})
        worker().wait(timeout=30)
        done = await wait_for_status(client, task["task_url"], {"SUCCESS", "FAILURE"})
        assert done["task_status"] == "SUCCESS"
        text = (await (await client.get(done["result_url"])).get_data()).decode()
        assert "Lab report" in text and "Later" not in text


async def test_failing_job_reports_failure_with_reason(make_client, redis_clean, worker):
    async with make_client(REDIS_URL=redis_clean) as (client, state):
        # a snapshot the builder cannot read: the job function raises in the worker
        job_id = await state.transport.enqueue(
            [
                {
                    "id": 1,
                    "title": "x",
                    "description": None,
                    "completed": False,
                    "deadline_at": "soon",
                }
            ]
        )
        worker().wait(timeout=30)
        status = await (await client.get(f"{API}/todos/ical/{job_id}/status")).get_json()
        assert status["task_status"] == "FAILURE"
        assert status["reason"] == "error"
        assert "soon" in status["detail"]
        result = await client.get(status["result_url"])
        assert (result.status_code, await result.get_json()) == (
            404,
            {"error": "Task not finished"},
        )


async def test_job_timeout_is_failure_timeout(make_client, redis_clean, worker):
    async with make_client(REDIS_URL=redis_clean, ICAL_DELAY_SECONDS=10, ICAL_JOB_TIMEOUT=1) as (
        client,
        _,
    ):
        await add_todos(client)
        task = await (await client.post(f"{API}/todos/ical")).get_json()
        worker().wait(timeout=30)
        status = await (await client.get(task["task_url"])).get_json()
        assert status["task_status"] == "FAILURE"
        assert status["reason"] == "timeout"


@pytest.mark.parametrize(
    "task_id", ["nope", "00000000-0000-0000-0000-000000000000", "a" * 65, "..%2F..", "x:y"]
)
async def test_unknown_ids_are_404(make_client, redis_clean, task_id):
    async with make_client(REDIS_URL=redis_clean) as (client, _):
        for suffix in ("status", "result"):
            response = await client.get(f"{API}/todos/ical/{task_id}/{suffix}")
            assert response.status_code == 404
            assert "error" in await response.get_json()


async def test_other_rq_jobs_are_not_visible(make_client, redis_clean):
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(redis_clean)
    job = Queue("default", connection=connection).enqueue("os.getcwd")
    connection.close()
    async with make_client(REDIS_URL=redis_clean) as (client, _):
        assert (await client.get(f"{API}/todos/ical/{job.id}/status")).status_code == 404


async def test_queue_down_gives_503_while_todos_work_then_recovers(make_client, dead_redis_url):
    port = int(dead_redis_url.rsplit(":", 1)[1].split("/")[0])
    async with make_client(REDIS_URL=dead_redis_url) as (client, state):
        for method, path in (
            ("post", "/todos/ical"),
            ("get", "/todos/ical/some-id/status"),
            ("get", "/todos/ical/some-id/result"),
        ):
            response = await getattr(client, method)(f"{API}{path}")
            assert response.status_code == 503
            assert "job queue" in (await response.get_json())["error"]

        created = await client.post(f"{API}/todos", json={"title": "still works"})
        assert created.status_code == 201
        assert len(await (await client.get(f"{API}/todos")).get_json()) == 1
        assert (await client.get(f"{API}/health")).status_code == 200

        with running_valkey(port=port):
            response = await client.post(f"{API}/todos/ical")
            assert response.status_code == 202
        assert state.unexpected_errors == 0


def test_every_rq_status_is_mapped():
    assert set(STATUS_MAP) == set(RQStatus)
    assert STATUS_MAP[RQStatus.QUEUED] is JobStatus.PENDING
    assert STATUS_MAP[RQStatus.STARTED] is JobStatus.STARTED
    assert STATUS_MAP[RQStatus.FINISHED] is JobStatus.SUCCESS
    assert STATUS_MAP[RQStatus.FAILED] is JobStatus.FAILURE


@pytest.mark.parametrize(
    ("rq_status", "exc", "reason"),
    [
        (RQStatus.FAILED, "Traceback...\nValueError: bad", FailureReason.ERROR),
        (
            RQStatus.FAILED,
            "rq.timeouts.JobTimeoutException: Task exceeded 1s",
            FailureReason.TIMEOUT,
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
