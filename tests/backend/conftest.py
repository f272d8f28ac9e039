"""TaskOverflow test set-up: apps on SQLite (and on PostgreSQL, marker `postgres`) with a fixed
clock — `client` gives each test fresh tables on its module's shared app, `make_client(**config)`
builds an app of its own; Valkey comes from the shared `redis_clean` fixture; workers are real
`taskoverflow worker --burst` processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from quart import Quart
from taskoverflow.app import create_app
from taskoverflow.db import Base
from taskoverflow.state import AppState

from labkit.services.ports import free_port, wait_for_port

#: "now" for every test app: window filters and timestamps are deterministic.
NOW = datetime(2026, 3, 10, 12, 0, 0)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'todos.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def dead_redis_url() -> str:
    """A Redis URL nobody listens on (the job queue is 'down')."""
    return f"redis://127.0.0.1:{free_port()}/0"


async def reset_schema(app: Quart) -> None:
    """Fresh tables (ids from 1) — PostgreSQL is shared by the whole session."""
    db = app.extensions["taskoverflow"].db
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)


@pytest.fixture
def make_client(database_url: str, dead_redis_url: str):
    """Factory: `async with make_client(REDIS_URL=..., ...) as (client, state)`."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def factory(**config: Any) -> AsyncIterator[tuple[Any, AppState]]:
        settings = {
            "DATABASE_URL": database_url,
            "REDIS_URL": dead_redis_url,
            "ICAL_DELAY_SECONDS": 0,
            "REDIS_TIMEOUT": 1,
            "CLOCK": lambda: NOW,
        }
        settings.update(config)
        app = create_app(settings)
        async with app.test_app() as test_app:
            await reset_schema(app)
            yield test_app.test_client(), app.extensions["taskoverflow"]

    return factory


class SharedApps:
    """One app per database for all `client` tests of a module, started on first use.

    Building and starting an app costs more than most of the tests that use it; what a test may
    see of an earlier one is its rows and the app's error count, and `client` resets both.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.dead_redis_url = f"redis://127.0.0.1:{free_port()}/0"
        self.apps: dict[str, Quart] = {}
        self.stack = AsyncExitStack()

    async def get(self, database_url: str) -> Quart:
        kind = "sqlite" if database_url.startswith("sqlite") else database_url
        if kind not in self.apps:
            url = f"sqlite+aiosqlite:///{self.directory / 'todos.db'}" if kind == "sqlite" else kind
            app = create_app(
                {
                    "DATABASE_URL": url,
                    "REDIS_URL": self.dead_redis_url,
                    "ICAL_DELAY_SECONDS": 0,
                    "REDIS_TIMEOUT": 1,
                    "CLOCK": lambda: NOW,
                }
            )
            await self.stack.enter_async_context(app.test_app())
            self.apps[kind] = app
        return self.apps[kind]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_apps(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SharedApps]:
    apps = SharedApps(tmp_path_factory.mktemp("shared-app"))
    async with apps.stack:
        yield apps


@pytest_asyncio.fixture(loop_scope="module")
async def client(database_url: str, shared_apps: SharedApps) -> AsyncIterator[Any]:
    """A test client on fresh tables (ids from 1); the job queue is unreachable. The app is the
    module's (`SharedApps`): its tests run on the module's event loop (`pytestmark` there)."""
    app = await shared_apps.get(database_url)
    state: AppState = app.extensions["taskoverflow"]
    # pooled PostgreSQL connections may hold statements prepared against tables another
    # test's app has since dropped and created again: start from fresh connections
    await state.db.engine.dispose()
    await reset_schema(app)
    state.unexpected_errors = 0
    test_client = app.test_client()
    test_client.state = state  # type: ignore[attr-defined]
    yield test_client
    assert state.unexpected_errors == 0, "a request reached the last-resort 500 handler"


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    """A real `taskoverflow worker --burst`: drains the job queue and exits."""
    return subprocess.Popen(
        [sys.executable, "-m", "taskoverflow.cli", "worker", "--burst"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@dataclass
class JobBackend:
    """One job transport, ready for the transport-agnostic job tests.

    `config` goes to `make_client(**config)`; `start_worker(**overrides)` starts a real burst
    worker with the same settings (env vars) — overrides are passed to both sides by the tests.
    """

    name: str
    config: dict[str, Any]
    procs: list[subprocess.Popen] = field(default_factory=list)

    def start_worker(self, **overrides: Any) -> subprocess.Popen:
        env = {k: str(v) for k, v in {**self.config, **overrides}.items()}
        proc = start_worker(env)
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout:
                proc.stdout.close()


#: Transports the job tests run against. The SQS transport (issue 5) adds "sqs" here and a
#: branch below that returns its config (AWS_ENDPOINT_URL_SQS, queue, …).
JOB_TRANSPORTS = ["rq"]


@pytest.fixture(params=JOB_TRANSPORTS)
def job_backend(request: pytest.FixtureRequest, database_url: str) -> Iterator[JobBackend]:
    if request.param == "rq":
        redis_url = request.getfixturevalue("redis_clean")
        backend = JobBackend("rq", {"JOB_TRANSPORT": "rq", "REDIS_URL": redis_url})
    else:  # pragma: no cover - filled in by the transport that adds itself
        raise NotImplementedError(request.param)
    backend.config["DATABASE_URL"] = database_url
    yield backend
    backend.stop()


@pytest.fixture
def lab_env(tmp_path: Path, redis_clean: str) -> dict[str, str]:
    return {
        "TASKOVERFLOW_DATA_DIR": str(tmp_path / "lab"),  # the default DATABASE_URL goes here
        "REDIS_URL": redis_clean,
        "ICAL_DELAY_SECONDS": "0",
    }


@pytest.fixture
def serve(tmp_path: Path, lab_env: dict[str, str]) -> Iterator[Callable[..., str]]:
    """Factory: `serve(**env)` runs a real `taskoverflow serve` (Hypercorn) with `lab_env` plus
    `env`, returns its base URL; every server is stopped (SIGTERM, clean exit) at teardown."""
    procs: list[tuple[subprocess.Popen, Any]] = []

    def start(**env: str) -> str:
        port = free_port()
        log_path = tmp_path / f"serve-{port}.log"
        log = log_path.open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "taskoverflow.cli", "serve", "--port", str(port)],
            env={**os.environ, **lab_env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        procs.append((proc, log))
        if not wait_for_port(port, timeout=120):  # imports alone take ~20 s on a busy machine
            raise AssertionError(log_path.read_text())
        return f"http://127.0.0.1:{port}"

    yield start
    for proc, log in procs:
        proc.send_signal(signal.SIGTERM)
        try:
            assert proc.wait(timeout=15) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()


@pytest.fixture
def server(serve: Callable[..., str]) -> str:
    """A live TaskOverflow on the shared Valkey and a fresh SQLite database."""
    return serve()
