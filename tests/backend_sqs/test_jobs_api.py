"""The calendar-job API answers the same whichever transport carries the jobs (RQ or SQS),
on SQLite and PostgreSQL, with a real worker process doing the work."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from taskoverflow.app import create_app

from labkit.services.ports import free_port

TODO = {"title": "Write the report", "deadline_at": "2026-03-20T09:00:00"}


@pytest.fixture(params=["rq", "sqs"])
def transport_env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Settings (also the worker's environment) for one transport."""
    if request.param == "rq":
        return {"JOB_TRANSPORT": "rq", "REDIS_URL": request.getfixturevalue("redis_clean")}
    queue = request.getfixturevalue("make_queue")()
    env = {
        "JOB_TRANSPORT": "sqs",
        "AWS_ENDPOINT_URL_SQS": request.getfixturevalue("sqs_url"),
        "SQS_ICAL_QUEUE": queue.name,
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # unused: nothing listens
    }
    for key in ("AWS_ENDPOINT_URL_SQS", "SQS_ICAL_QUEUE"):
        monkeypatch.setenv(key, env[key])
    return env


@pytest.fixture
async def api(transport_env: dict, database_url: str) -> AsyncIterator[Any]:
    config = {**transport_env, "DATABASE_URL": database_url, "ICAL_DELAY_SECONDS": 0}
    app = create_app(config)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        client.env = config
        yield client


async def run_worker_burst(start_worker: Callable, env: dict) -> str:
    proc = start_worker("--burst", **env)
    output, _ = await asyncio.to_thread(proc.communicate, None, 120)
    assert proc.returncode == 0, output
    return output


async def test_calendar_job_lifecycle(api: Any, start_worker: Callable) -> None:
    assert (await api.post("/api/v1/todos", json=TODO)).status_code == 201
    created = await api.post("/api/v1/todos/ical")
    assert created.status_code == 202
    body = await created.get_json()
    task_id = body["task_id"]
    assert body["task_url"].startswith("http") and body["task_url"].endswith(
        f"/api/v1/todos/ical/{task_id}/status"
    )

    status = await (await api.get(f"/api/v1/todos/ical/{task_id}/status")).get_json()
    assert status["task_status"] == "PENDING"
    assert status["result_url"].endswith(f"/api/v1/todos/ical/{task_id}/result")
    early = await api.get(f"/api/v1/todos/ical/{task_id}/result")
    assert early.status_code == 404
    assert (await early.get_json()) == {"error": "Task not finished"}

    # a second job, requested after another todo was added, is independent of the first
    await api.post("/api/v1/todos", json={**TODO, "title": "Second"})
    second = (await (await api.post("/api/v1/todos/ical")).get_json())["task_id"]
    assert second != task_id

    await run_worker_burst(start_worker, api.env)

    done = await (await api.get(f"/api/v1/todos/ical/{task_id}/status")).get_json()
    assert done["task_status"] == "SUCCESS", done
    result = await api.get(f"/api/v1/todos/ical/{task_id}/result")
    assert result.status_code == 200
    assert result.content_type.startswith("text/calendar")
    text = (await result.get_data()).decode()
    assert "SUMMARY:Write the report" in text
    assert text.count("BEGIN:VEVENT") == 1  # the snapshot taken when the job was requested
    two = (await (await api.get(f"/api/v1/todos/ical/{second}/result")).get_data()).decode()
    assert "SUMMARY:Second" in two and two.count("BEGIN:VEVENT") == 2


@pytest.mark.parametrize("path", ["status", "result"])
async def test_unknown_task_is_404(api: Any, path: str) -> None:
    for task_id in ("0" * 32, "not-a-job", "x" * 200):
        response = await api.get(f"/api/v1/todos/ical/{task_id}/{path}")
        assert response.status_code == 404
        assert "error" in await response.get_json()


async def test_the_backlog_bound_answers_429_on_both_transports(
    transport_env: dict, database_url: str
) -> None:
    """More than ICAL_MAX_BACKLOG waiting jobs: 429 with Retry-After and an error, nothing queued."""
    config = {**transport_env, "DATABASE_URL": database_url, "ICAL_MAX_BACKLOG": 2}
    app = create_app(config)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        accepted = [await client.post("/api/v1/todos/ical") for _ in range(2)]
        assert [r.status_code for r in accepted] == [202, 202]
        refused = await client.post("/api/v1/todos/ical")
        assert refused.status_code == 429
        assert "too many calendar jobs waiting (2, limit 2)" in (await refused.get_json())["error"]
        assert int(refused.headers["Retry-After"]) >= 1
        transport = app.extensions["taskoverflow"].transport
        assert await transport.backlog() == 2
