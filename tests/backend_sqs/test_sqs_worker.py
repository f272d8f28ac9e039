"""The SQS worker against the lab's SQS service: crashes lose nothing, duplicates complete once,
poison jobs end FAILURE with their message in the dead-letter queue."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from taskoverflow.config import Settings
from taskoverflow.jobs import FailureReason, JobQueueUnavailable, JobStatus
from taskoverflow.jobs.sqs_models import CalendarJob
from taskoverflow.jobs.sqs_transport import QueueMissing, SqsTransport
from taskoverflow.jobs.sqs_worker import Worker

from labkit.services.ports import free_port

from .conftest import JobQueue

TODOS = [
    {
        "id": 1,
        "title": "Demo",
        "description": None,
        "completed": False,
        "deadline_at": "2026-03-20T09:00:00",
    }
]
POISON = [{**TODOS[0], "deadline_at": "not a date"}]


def settings(
    database_url: str, delay: float = 0, *, queue: str = "ical", endpoint: str | None = None
) -> Settings:
    return Settings.load(
        {
            "DATABASE_URL": database_url,
            "ICAL_DELAY_SECONDS": delay,
            "SQS_ICAL_QUEUE": queue,
            "AWS_ENDPOINT_URL_SQS": endpoint,
        }
    )


@pytest.fixture
async def make_transport(database_url: str, sqs_url: str):
    made: list[SqsTransport] = []

    def make(queue: str, *, delay: float = 0, endpoint: str | None = None) -> SqsTransport:
        transport = SqsTransport(
            settings(database_url, delay, queue=queue, endpoint=endpoint or sqs_url)
        )
        made.append(transport)
        return transport

    yield make
    for transport in made:
        await transport.close()


def worker_env(database_url: str, sqs_url: str, queue: JobQueue, **extra: Any) -> dict:
    return {
        "JOB_TRANSPORT": "sqs",
        "DATABASE_URL": database_url,
        "AWS_ENDPOINT_URL_SQS": sqs_url,
        "SQS_ICAL_QUEUE": queue.name,
        "ICAL_DELAY_SECONDS": 0,
        **extra,
    }


async def until(check: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def row(transport: SqsTransport, job_id: str) -> CalendarJob:
    async with transport.db.session() as session:
        job = await session.get(CalendarJob, job_id)
        assert job is not None
        return job


async def row_count(transport: SqsTransport) -> int:
    async with transport.db.session() as session:
        return await session.scalar(select(func.count()).select_from(CalendarJob))


def status_is(transport: SqsTransport, job_id: str, wanted: JobStatus):
    async def check() -> bool:
        state = await transport.status(job_id)
        return state is not None and state.status is wanted

    return check


@pytest.mark.slow
async def test_sigkill_mid_job_still_succeeds_exactly_once(
    database_url: str, sqs_url: str, make_queue, make_transport, start_worker
) -> None:
    queue = make_queue(visibility=1)
    transport = make_transport(queue.name)
    job_id = await transport.enqueue(TODOS)
    # the job lasts long enough for the worker to be killed in the middle of it
    first = start_worker(**worker_env(database_url, sqs_url, queue, ICAL_DELAY_SECONDS=3))
    await until(status_is(transport, job_id, JobStatus.STARTED), "the first worker to start")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert (await row(transport, job_id)).status == "STARTED"
    # no STARTED forever: once the heartbeat is stale the job is waiting again
    await until(status_is(transport, job_id, JobStatus.PENDING), "the stale job to read PENDING")

    # the second worker runs in this process (the crash needed a process; the rerun does not)
    second = Worker(settings(database_url, queue=queue.name, endpoint=sqs_url))
    stop = asyncio.Event()
    running = asyncio.create_task(second.run(stop=stop))
    try:
        await until(status_is(transport, job_id, JobStatus.SUCCESS), "the second worker to finish")
    finally:
        stop.set()  # ends its next long poll at once
        handled = await running
        await second.close()
    assert handled == 1
    job = await row(transport, job_id)
    assert job.attempts == 2
    assert b"SUMMARY:Demo" in (await transport.result(job_id) or b"")
    assert await row_count(transport) == 1
    await until(lambda: asyncio.to_thread(lambda: queue.counts() == 0), "the message deleted")
    assert queue.counts(queue.dlq_url) == 0


@pytest.mark.slow
# database-agnostic logic: SQLite only (the SIGKILL test covers PostgreSQL)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_worker_lost_on_last_attempt_reads_failure_and_dead_letters(
    database_url: str, sqs_url: str, make_queue, make_transport, start_worker
) -> None:
    queue = make_queue(visibility=1, max_receives=1)
    transport = make_transport(queue.name)
    job_id = await transport.enqueue(TODOS)
    env = worker_env(database_url, sqs_url, queue, ICAL_DELAY_SECONDS=30)
    first = start_worker(**env)
    await until(status_is(transport, job_id, JobStatus.STARTED), "the worker to start")
    first.kill()
    first.wait(timeout=10)
    await until(status_is(transport, job_id, JobStatus.FAILURE), "the lost job to read FAILURE")
    state = await transport.status(job_id)
    assert state is not None and state.reason is FailureReason.LOST
    # the next receive moves the message to the dead-letter queue instead of handing it out
    again = queue.client.receive_message(QueueUrl=queue.url, WaitTimeSeconds=1)
    assert again.get("Messages", []) == []
    assert queue.counts(queue.dlq_url) == 1
    assert (await row(transport, job_id)).attempts == 1


async def test_poison_job_fails_and_its_message_lands_in_the_dlq(
    database_url: str, sqs_url: str, make_queue, make_transport
) -> None:
    queue = make_queue(visibility=5, max_receives=3)
    transport = make_transport(queue.name)
    good = await transport.enqueue(TODOS)
    bad = await transport.enqueue(POISON)
    worker = Worker(
        Settings.load({**worker_env(database_url, sqs_url, queue), "SQS_RETRY_DELAY_SECONDS": 0})
    )
    try:
        assert await worker.run(burst=True) == 4  # the good job, and the poison one 3 times
    finally:
        await worker.close()

    state = await transport.status(bad)
    assert state is not None and state.status is JobStatus.FAILURE
    assert state.reason is FailureReason.ERROR
    assert "isoformat" in (state.detail or "")
    assert (await row(transport, bad)).attempts == 3
    assert await transport.result(bad) is None
    assert (await transport.status(good)).status is JobStatus.SUCCESS  # others unaffected

    assert queue.counts() == 0
    dead = queue.client.receive_message(
        QueueUrl=queue.dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
    )
    assert [json.loads(m["Body"])["job_id"] for m in dead.get("Messages", [])] == [bad]


async def test_duplicate_delivery_completes_once(
    database_url: str, sqs_url: str, make_queue, make_transport
) -> None:
    queue = make_queue()
    transport = make_transport(queue.name)
    job_id = await transport.enqueue(TODOS)
    worker = Worker(settings(database_url, queue=queue.name, endpoint=sqs_url))
    try:
        assert await worker.run(burst=True) == 1
        before = await row(transport, job_id)
        # SQS is at-least-once: the same job may arrive again
        queue.client.send_message(QueueUrl=queue.url, MessageBody=json.dumps({"job_id": job_id}))
        assert await worker.run(burst=True) == 1
    finally:
        await worker.close()
    after = await row(transport, job_id)
    assert after.status == "SUCCESS"
    assert (after.finished_at, after.result, after.attempts) == (
        before.finished_at,
        before.result,
        before.attempts,
    )
    assert queue.counts() == 0
    assert await row_count(transport) == 1


async def test_messages_without_a_job(
    database_url: str, sqs_url: str, make_queue, make_transport
) -> None:
    queue = make_queue(visibility=5, max_receives=2)
    transport = make_transport(queue.name)
    await transport.ping()
    queue.client.send_message(QueueUrl=queue.url, MessageBody=json.dumps({"job_id": "0" * 32}))
    queue.client.send_message(QueueUrl=queue.url, MessageBody="not json at all")
    worker = Worker(settings(database_url, queue=queue.name, endpoint=sqs_url))
    try:
        await worker.run(burst=True)
    finally:
        await worker.close()
    assert queue.counts() == 0
    dead = queue.client.receive_message(
        QueueUrl=queue.dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
    )
    # a job whose row is gone is dropped; a message that is not a job is dead-lettered
    assert [m["Body"] for m in dead.get("Messages", [])] == ["not json at all"]


async def test_heartbeat_keeps_a_long_job_from_a_second_worker(
    database_url: str, sqs_url: str, make_queue, make_transport
) -> None:
    queue = make_queue(visibility=1)
    transport = make_transport(queue.name)
    job_id = await transport.enqueue(TODOS)
    stolen: list[dict] = []
    stop = threading.Event()

    def rival() -> None:
        while not stop.is_set():
            reply = queue.client.receive_message(QueueUrl=queue.url, WaitTimeSeconds=1)
            stolen.extend(reply.get("Messages", []))

    worker = Worker(settings(database_url, delay=2.5, queue=queue.name, endpoint=sqs_url))
    await worker.start()
    thread = threading.Thread(target=rival)
    try:
        # the job outlives the 1 s visibility timeout 2.5 times over
        running = asyncio.create_task(worker.run(burst=True))
        await until(status_is(transport, job_id, JobStatus.STARTED), "the job to start")
        thread.start()  # a rival polls only once the worker holds the message
        await until(status_is(transport, job_id, JobStatus.SUCCESS), "the job to finish")
    finally:
        stop.set()  # the rival's last poll and the burst's last (empty) one end together
        if thread.is_alive():
            await asyncio.to_thread(thread.join, 10)
        handled = await running
        await worker.close()
    assert handled == 1
    assert stolen == [], "the message became visible while its job was running"
    job = await row(transport, job_id)
    assert job.status == "SUCCESS" and job.attempts == 1


async def test_a_missing_queue_is_reported_not_created(
    sqs_api: Any, database_url: str, sqs_url: str, make_transport
) -> None:
    """Queues are made by whoever provisions them; the app names the queue and who makes it."""
    import uuid

    name = f"ical-{uuid.uuid4().hex[:10]}"
    transport = make_transport(name)
    with pytest.raises(QueueMissing, match=f"SQS queue '{name}' does not exist.*labkit up"):
        await transport.ping()
    worker = Worker(settings(database_url, queue=name, endpoint=sqs_url))
    with pytest.raises(QueueMissing, match="terraform apply"):
        await worker.start()
    await worker.close()
    with pytest.raises(sqs_api.exceptions.QueueDoesNotExist):
        sqs_api.get_queue_url(QueueName=name)  # nothing was created


async def test_sqs_down_means_503_and_no_orphan_row(database_url: str, make_transport) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    transport = make_transport("ical", endpoint=dead)
    with pytest.raises(JobQueueUnavailable):
        await transport.enqueue(TODOS)
    with pytest.raises(JobQueueUnavailable):
        await transport.ping()
    worker = Worker(settings(database_url, endpoint=dead))
    with pytest.raises(JobQueueUnavailable, match="cannot use SQS queue 'ical'"):
        await worker.start()
    await worker.close()


async def test_enqueue_failure_after_the_row_removes_the_row(
    database_url: str, make_queue, make_transport
) -> None:
    queue = make_queue()
    transport = make_transport(queue.name)
    await transport.ping()
    queue.client.delete_queue(QueueUrl=queue.url)  # the queue vanishes under the API
    with pytest.raises(JobQueueUnavailable):
        await transport.enqueue(TODOS)
    assert await row_count(transport) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # nothing database-specific
async def test_sigterm_stops_a_long_polling_worker_at_once(
    database_url: str, sqs_url: str, make_queue, start_worker
) -> None:
    """The stop races the 20 s long poll: the worker exits cleanly well before the poll ends
    (it used to sit out the poll — ~11 s in two test teardowns). A message that poll still
    receives is not lost: it becomes visible again after its visibility timeout."""
    queue = make_queue()
    worker = start_worker(**worker_env(database_url, sqs_url, queue))
    lines: list[str] = []

    def polling() -> bool:
        line = worker.stdout.readline()  # type: ignore[union-attr]
        lines.append(line)
        return "worker on" in line or not line

    await until(lambda: asyncio.to_thread(polling), "the worker to start polling")
    await asyncio.sleep(1)  # inside the long poll now
    signalled = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    # a deadline far below the poll's 20 s (raises if the worker sits the poll out)
    code = await asyncio.to_thread(worker.wait, 5)
    print(f"SQS worker stopped {time.monotonic() - signalled:.2f} s after SIGTERM")
    assert code == 0, "".join(lines) + (worker.stdout.read() if worker.stdout else "")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # nothing database-specific
def test_worker_on_a_missing_queue_is_one_line(database_url: str, sqs_url: str) -> None:
    """`taskoverflow worker` names the queue and what creates it; exit 1, no traceback."""
    env = {
        **os.environ,
        "JOB_TRANSPORT": "sqs",
        "DATABASE_URL": database_url,
        "AWS_ENDPOINT_URL_SQS": sqs_url,
        "SQS_ICAL_QUEUE": "never-provisioned",
    }
    run = subprocess.run(
        [sys.executable, "-m", "taskoverflow.cli", "worker", "--burst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.stderr
    assert "'never-provisioned' does not exist" in errors[0]
    assert "labkit up" in errors[0] and "terraform apply" in errors[0]
    assert "Traceback" not in run.stderr


async def test_health_names_a_missing_queue(database_url: str, sqs_url: str) -> None:
    from taskoverflow.app import create_app

    app = create_app(
        {
            "JOB_TRANSPORT": "sqs",
            "DATABASE_URL": database_url,
            "AWS_ENDPOINT_URL_SQS": sqs_url,
            "SQS_ICAL_QUEUE": "never-provisioned",
        }
    )
    async with app.test_app() as test_app:
        reply = await test_app.test_client().get("/api/v1/health")
        body = await reply.get_json()
    assert reply.status_code == 200 and body["status"] == "degraded", body
    assert body["database"] == "ok"
    assert "SQS queue 'never-provisioned' does not exist" in body["job_queue"]
    assert "labkit up" in body["job_queue"]
