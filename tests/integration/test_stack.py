"""The local stack: the shared real-server fixtures (Valkey, PostgreSQL) and `labkit up|down|status`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import psutil
import pytest
import redis

from labkit.services.ports import next_free_port, port_is_free
from labkit.services.process import ProcessRecord, is_running, stop
from labkit.services.valkey import ping
from labkit.stack import wait_until
from tests.fixtures.stack import processes_of, run_labkit, stack_env


def test_valkey_fixture_is_a_real_server(redis_clean: str) -> None:
    client = redis.Redis.from_url(redis_clean)
    try:
        client.set("greeting", "hello")
        assert client.get("greeting") == b"hello"
        assert client.info("server")["redis_version"]
        assert "valkey_version" in client.info("server")
    finally:
        client.close()


def test_redis_clean_flushes_between_tests(redis_clean: str) -> None:
    client = redis.Redis.from_url(redis_clean)
    try:
        assert client.get("greeting") is None
    finally:
        client.close()


@pytest.mark.postgres
async def test_postgres_fixture_runs_sql(postgres_dsn: str, postgres_url: str) -> None:
    assert postgres_url.startswith("postgresql+asyncpg://")
    conn = await asyncpg.connect(postgres_dsn)
    try:
        await conn.execute("CREATE TEMP TABLE t (x int)")
        await conn.execute("INSERT INTO t VALUES (1), (2)")
        assert await conn.fetchval("SELECT sum(x) FROM t") == 3
        assert "PostgreSQL" in await conn.fetchval("SELECT version()")
    finally:
        await conn.close()


# ---------------------------------------------------------------- labkit up | down | status (Valkey only)
# The full stack (SQS service, TaskOverflow, worker) is exercised in tests/e2e through `lab_stack`.


@pytest.fixture
def lab_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = stack_env(tmp_path / "lab")
    yield env
    run_labkit(["down"], env)  # whatever a failing test left running


def _state(env: dict[str, str]) -> dict:
    return json.loads((Path(env["LAB_DIR"]) / "state.json").read_text())


def test_up_is_idempotent_and_down_leaves_nothing(lab_env: dict[str, str]) -> None:
    first = run_labkit(["up", "--only", "redis"], lab_env)
    assert first.returncode == 0, first.stderr
    entry = _state(lab_env)["services"]["redis"]
    record = ProcessRecord.from_json(entry)
    assert record is not None and is_running(record)
    assert entry["port"] not in (6379, 9324, 6400)
    assert ping(entry["url"])
    # append-only persistence lives in the lab dir
    assert (
        "--appendonly" in entry["cmdline"]
        and str(Path(lab_env["LAB_DIR"]) / "valkey") in entry["cmdline"]
    )

    second = run_labkit(["up", "--only", "redis"], {**lab_env, "ICAL_DELAY_SECONDS": "5"})
    assert second.returncode == 0, second.stderr
    assert "nothing started" in second.stderr
    # the running services keep the settings they were started with, and `up` says so
    assert "started with ICAL_DELAY_SECONDS=0" in second.stderr
    assert _state(lab_env)["services"]["redis"]["pid"] == record.pid

    status = run_labkit(["status", "--json"], lab_env)
    report = json.loads(status.stdout)
    assert {"taskoverflow", "sqs", "redis"} <= report.keys()
    assert report["redis"] == entry["url"]
    assert report["services"]["redis"]["healthy"] is True
    assert report["sqs"] is None

    down = run_labkit(["down"], lab_env)
    assert down.returncode == 0, down.stderr
    assert "stopped redis" in down.stderr
    assert not is_running(record)
    assert not ping(entry["url"])
    assert json.loads(run_labkit(["status", "--json"], lab_env).stdout)["redis"] is None


def test_up_restarts_a_service_that_died(lab_env: dict[str, str]) -> None:
    assert run_labkit(["up", "--only", "redis"], lab_env).returncode == 0
    old = ProcessRecord.from_json(_state(lab_env)["services"]["redis"])
    assert old is not None
    os.kill(old.pid, signal.SIGKILL)
    assert wait_until(lambda: not is_running(old), timeout=10)
    again = run_labkit(["up", "--only", "redis"], lab_env)
    assert again.returncode == 0, again.stderr
    new = _state(lab_env)["services"]["redis"]
    assert new["pid"] != old.pid and ping(new["url"])


def test_valkey_data_survives_a_crash_and_restart(lab_env: dict[str, str]) -> None:
    """Append-only persistence: every write reaches the file before Valkey answers, so even a
    SIGKILL loses nothing (only an OS crash could lose the last second)."""
    assert run_labkit(["up", "--only", "redis"], lab_env).returncode == 0
    entry = _state(lab_env)["services"]["redis"]
    client = redis.Redis.from_url(entry["url"])
    client.rpush("rq:queue:ical", *[f"job-{i}" for i in range(100)])
    client.close()
    os.kill(entry["pid"], signal.SIGKILL)
    record = ProcessRecord.from_json(entry)
    assert record is not None and wait_until(lambda: not is_running(record), timeout=10)

    assert run_labkit(["up", "--only", "redis"], lab_env).returncode == 0
    client = redis.Redis.from_url(_state(lab_env)["services"]["redis"]["url"])
    try:
        assert client.lrange("rq:queue:ical", 0, -1) == [f"job-{i}".encode() for i in range(100)]
    finally:
        client.close()


def test_down_never_kills_a_recycled_pid(tmp_path: Path) -> None:
    """A record whose start time does not match the live PID is someone else's process."""
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        real = psutil.Process(sleeper.pid).create_time()
        impostor = ProcessRecord(sleeper.pid, real - 1000.0, ["valkey-server"])
        assert not is_running(impostor)
        assert stop(impostor) is False
        assert sleeper.poll() is None  # still alive
        assert stop(ProcessRecord(sleeper.pid, real, [])) is True
        assert sleeper.wait(10) is not None
    finally:
        if sleeper.poll() is None:
            sleeper.kill()
            sleeper.wait()


def test_port_taken_is_a_clear_error(lab_env: dict[str, str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_labkit(["up", "--only", "redis"], {**lab_env, "LABKIT_REDIS_PORT": str(port)})
    assert result.returncode == 1
    assert f"LABKIT_REDIS_PORT={port}" in result.stderr and "taken" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_arguments_are_one_line_errors(lab_env: dict[str, str]) -> None:
    bad_port = run_labkit(["up", "--only", "redis"], {**lab_env, "LABKIT_REDIS_PORT": "six"})
    assert bad_port.returncode == 1 and "LABKIT_REDIS_PORT must be a port number" in bad_port.stderr
    unknown = run_labkit(["up", "--only", "mongo"], lab_env)
    assert unknown.returncode == 1 and "unknown service(s): mongo" in unknown.stderr
    assert "Traceback" not in bad_port.stderr + unknown.stderr


def test_next_free_port_skips_a_taken_one() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert not port_is_free(taken)
        assert next_free_port(taken) != taken


def test_a_service_that_fails_names_itself_and_its_log(lab_env: dict[str, str]) -> None:
    """The worker refuses a negative delay: `up` says which service and where its log is, and
    stops what it started in that call."""
    result = run_labkit(
        ["up", "--only", "redis,worker", "--timeout", "30"], {**lab_env, "ICAL_DELAY_SECONDS": "-1"}
    )
    assert result.returncode == 1
    assert "worker exited" in result.stderr
    assert str(Path(lab_env["LAB_DIR"]) / "logs" / "worker.log") in result.stderr
    assert "Traceback" not in result.stderr.split("hint:")[0]
    assert _state(lab_env)["services"] == {}
    assert wait_until(lambda: not processes_of(lab_env["LAB_DIR"]), timeout=10)


def test_ensure_up_python_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from labkit import stack

    monkeypatch.setenv("LAB_DIR", str(tmp_path / "lab"))
    monkeypatch.setenv("LABKIT_REDIS_PORT", "0")
    monkeypatch.delenv("REDIS_URL", raising=False)
    try:
        endpoints = stack.ensure_up(deadline=30, only=["redis"])
        assert endpoints.redis == stack.status()["redis"]
        assert ping(endpoints.redis)
        again = stack.ensure_up(deadline=30, only=["redis"])
        assert again.redis == endpoints.redis
    finally:
        stopped = stack.down(quiet=True)
    assert stopped == ["redis"]
    assert not processes_of(str(tmp_path / "lab"))
