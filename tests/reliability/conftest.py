"""Reliability test set-up: a TaskOverflow app (in-process test client, SQLite) on the shared
Valkey, and real `taskoverflow worker` processes that the tests may SIGKILL.

- `rq_app(**config)`: async context manager → (test client, settings dict).
- `worker_procs`: starts `taskoverflow worker` processes (`start(env, burst=...)`) and kills
  whatever is still alive at teardown.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from taskoverflow.app import create_app

from labkit.services.process import launch

API = "/api/v1"


@pytest.fixture
def rq_app(tmp_path: Path, redis_clean: str):
    @asynccontextmanager
    async def factory(**config: Any) -> AsyncIterator[tuple[Any, dict[str, Any]]]:
        settings: dict[str, Any] = {
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'todos.db'}",
            "REDIS_URL": redis_clean,
            "JOB_TRANSPORT": "rq",
            "ICAL_DELAY_SECONDS": 0,
            "REDIS_TIMEOUT": 1,
        }
        settings.update(config)
        app = create_app(settings)
        async with app.test_app() as test_app:
            yield test_app.test_client(), settings

    return factory


class WorkerProcs:
    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, settings: dict[str, Any], *, burst: bool = False) -> subprocess.Popen[bytes]:
        env = {**os.environ, **{k: str(v) for k, v in settings.items()}}
        args = [sys.executable, "-m", "taskoverflow.cli", "worker"] + (["--burst"] if burst else [])
        proc = launch(args, env=env, tied=True)
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def worker_procs() -> Iterator[WorkerProcs]:
    procs = WorkerProcs()
    yield procs
    procs.stop()


async def wait_for_status(
    client: Any, url: str, wanted: set[str], timeout: float = 30.0
) -> dict[str, Any]:
    """Poll a job's status URL until its task_status is one of `wanted` (fails after `timeout`)."""
    deadline = time.monotonic() + timeout
    seen: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = await client.get(url)
        assert response.status_code == 200, await response.get_data(as_text=True)
        seen = await response.get_json()
        if seen["task_status"] in wanted:
            return seen
        await asyncio.sleep(0.1)
    raise AssertionError(f"status stayed {seen} for {timeout} s, wanted {wanted}")
