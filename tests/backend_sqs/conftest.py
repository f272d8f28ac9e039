"""SQS transport test set-up: the lab's SQS service over HTTP, a fresh job queue (+ DLQ) per test,
SQLite or PostgreSQL, and real `taskoverflow worker` processes (stopped at teardown)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from taskoverflow.db import Base

from labkit.aws import sqs_client


@pytest.fixture(scope="session")
def worker_sqs_server() -> Iterator[Any]:
    """The lab's SQS service with its standard-queue duplicates off (`--duplicate-rate 0`): these
    tests check the worker's exactly-once bookkeeping, and the teaching model's 1 % twins — whose
    draw depends on which other tests ran first on a shared service — would make "the message is
    dead-lettered, not handed out again" true only 99 times in 100. Duplicates have their own
    tests (tests/integration/sqs)."""
    from tests.fixtures.sqs import launch

    server = launch("--duplicate-rate", "0")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sqs_url(worker_sqs_server: Any) -> str:
    return str(worker_sqs_server.url)


@pytest.fixture
def sqs_api(sqs_url: str) -> Any:
    """A boto3 client on the test SQS service."""
    return sqs_client(endpoint=sqs_url)


@dataclass
class JobQueue:
    name: str
    url: str
    dlq_url: str
    client: Any

    def counts(self, url: str | None = None) -> int:
        """Messages in the queue, visible or in flight."""
        attrs = self.client.get_queue_attributes(
            QueueUrl=url or self.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(
            attrs["ApproximateNumberOfMessagesNotVisible"]
        )


@pytest.fixture
def make_queue(sqs_api: Any) -> Callable[..., JobQueue]:
    """A uniquely named job queue with a dead-letter queue, like terraform/'s `ical`."""

    def make(visibility: int = 2, max_receives: int = 3) -> JobQueue:
        name = f"ical-{uuid.uuid4().hex[:10]}"
        dlq_url = sqs_api.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dlq_arn = sqs_api.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        policy = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receives}
        url = sqs_api.create_queue(
            QueueName=name,
            Attributes={"VisibilityTimeout": str(visibility), "RedrivePolicy": json.dumps(policy)},
        )["QueueUrl"]
        return JobQueue(name, url, dlq_url, sqs_api)

    return make


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with fresh tables (PostgreSQL is shared by the session: reset per test)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}"
    url = request.getfixturevalue("postgres_url")
    import taskoverflow.jobs.sqs_models  # noqa: F401  (registers calendar_jobs with Base)

    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()
    return url


@pytest.fixture
def start_worker() -> Iterator[Callable[..., subprocess.Popen]]:
    """Start real `taskoverflow worker` processes (JOB_TRANSPORT=sqs unless `env` says otherwise;
    output on `proc.stdout`); every one is stopped at teardown."""
    procs: list[subprocess.Popen] = []

    def start(*args: str, **env: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", "taskoverflow.cli", "worker", *args],
            env={**os.environ, "JOB_TRANSPORT": "sqs", **{k: str(v) for k, v in env.items()}},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


def wait_for(predicate: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    """Poll until `predicate()` is truthy (a deadline, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
