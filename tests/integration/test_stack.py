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
import httpx
import psutil
import pytest
import redis

from labkit import stack
from labkit.config import authenticated_redis_url
from labkit.errors import LabError
from labkit.services.ports import next_free_port, port_is_free
from labkit.services.process import ProcessRecord, is_running, stop
from labkit.services.valkey import ping
from tests.fixtures.stack import processes_of, run_labkit, stack_env
from tests.support.cli import labkit_in_process
from tests.support.waiting import wait_until


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


#: A worker whose Redis address stopped answering ignores SIGTERM until SIGKILL: these throw-away
#: stacks give it 2 s, not the default 10 (what the grace does is the same either way).
STOP_GRACE = "2"


def _down_in_process(env: dict[str, str]) -> None:
    """Whatever a test left running, stopped without a CLI process (`labkit down` has its tests)."""
    with pytest.MonkeyPatch.context() as patched:
        for name in ("LAB_DIR", "LABKIT_STOP_GRACE"):
            patched.setenv(name, env[name])
        stack.down(quiet=True)


@pytest.fixture
def lab_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = stack_env(tmp_path / "lab", {"LABKIT_STOP_GRACE": STOP_GRACE})
    yield env
    _down_in_process(env)


def in_process(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`labkit ARGS` through `main()` in this process, for checks of what a command says; each
    command also runs as a real process (`run_labkit`) in these tests."""
    return labkit_in_process(*args, env=env)


def _state(env: dict[str, str]) -> dict:
    return json.loads((Path(env["LAB_DIR"]) / "state.json").read_text())


def _authenticated(env: dict[str, str], url: str) -> str:
    """The stack's Valkey URL with the password `labkit up` generated."""
    return authenticated_redis_url(url, Path(env["LAB_DIR"]))


def test_up_is_idempotent_and_down_leaves_nothing(lab_env: dict[str, str]) -> None:
    first = run_labkit(["up", "--only", "redis"], lab_env)
    assert first.returncode == 0, first.stderr
    entry = _state(lab_env)["services"]["redis"]
    record = ProcessRecord.from_json(entry)
    assert record is not None and is_running(record)
    assert entry["port"] not in (6379, 9324, 6400)
    assert ping(_authenticated(lab_env, entry["url"]))
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
    assert not ping(_authenticated(lab_env, entry["url"]))
    assert json.loads(in_process(["status", "--json"], lab_env).stdout)["redis"] is None


def test_up_restarts_a_service_that_died(lab_env: dict[str, str]) -> None:
    assert in_process(["up", "--only", "redis"], lab_env).returncode == 0  # set-up
    old = ProcessRecord.from_json(_state(lab_env)["services"]["redis"])
    assert old is not None
    os.kill(old.pid, signal.SIGKILL)
    assert wait_until(lambda: not is_running(old), timeout=10)
    again = run_labkit(["up", "--only", "redis"], lab_env)
    assert again.returncode == 0, again.stderr
    new = _state(lab_env)["services"]["redis"]
    assert new["pid"] != old.pid and ping(_authenticated(lab_env, new["url"]))


def test_valkey_data_survives_a_crash_and_restart(lab_env: dict[str, str]) -> None:
    """Append-only persistence: every write reaches the file before Valkey answers, so even a
    SIGKILL loses nothing (only an OS crash could lose the last second)."""
    assert in_process(["up", "--only", "redis"], lab_env).returncode == 0  # set-up
    entry = _state(lab_env)["services"]["redis"]
    client = redis.Redis.from_url(_authenticated(lab_env, entry["url"]))
    client.rpush("rq:queue:ical", *[f"job-{i}" for i in range(100)])
    client.close()
    os.kill(entry["pid"], signal.SIGKILL)
    record = ProcessRecord.from_json(entry)
    assert record is not None and wait_until(lambda: not is_running(record), timeout=10)

    assert run_labkit(["up", "--only", "redis"], lab_env).returncode == 0
    client = redis.Redis.from_url(
        _authenticated(lab_env, _state(lab_env)["services"]["redis"]["url"])
    )
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


def test_a_bad_stop_grace_is_refused_before_anything_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAB_DIR", str(tmp_path / "lab"))
    for bad in ("soon", "-1", "nan", "1e9"):
        monkeypatch.setenv("LABKIT_STOP_GRACE", bad)
        with pytest.raises(LabError, match="LABKIT_STOP_GRACE must be a number of seconds"):
            stack.down(quiet=True)
    monkeypatch.setenv("LABKIT_STOP_GRACE", "0.5")
    assert stack.down(quiet=True) == []


def test_bad_arguments_are_one_line_errors(lab_env: dict[str, str]) -> None:
    bad_port = run_labkit(["up", "--only", "redis"], {**lab_env, "LABKIT_REDIS_PORT": "six"})
    assert bad_port.returncode == 1 and "LABKIT_REDIS_PORT must be a port number" in bad_port.stderr
    unknown = in_process(["up", "--only", "mongo"], lab_env)
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
    monkeypatch.setenv("LAB_DIR", str(tmp_path / "lab"))
    monkeypatch.setenv("LABKIT_REDIS_PORT", "0")
    monkeypatch.delenv("REDIS_URL", raising=False)
    try:
        endpoints = stack.ensure_up(deadline=30, only=["redis"])
        # the same server; endpoints() adds the password the state file never holds
        assert endpoints.redis.endswith("@" + stack.status()["redis"].split("//")[1])
        assert ping(endpoints.redis)
        again = stack.ensure_up(deadline=30, only=["redis"])
        assert again.redis == endpoints.redis
    finally:
        stopped = stack.down(quiet=True)
    assert stopped == ["redis"]
    assert not processes_of(str(tmp_path / "lab"))


# ---------------------------------------------------------------- issue 11: ports, restarts, status


def _time_wait_on(port: int) -> bool:
    return any(
        c.laddr and c.laddr.port == port and c.status == psutil.CONN_TIME_WAIT
        for c in psutil.net_connections(kind="tcp4")
    )


def _leave_time_wait(port: int) -> None:
    """Connections the server closes first leave TIME-WAIT entries on the server's port."""
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.sendall(b"QUIT\r\n")  # Valkey answers +OK and closes its end first
            while conn.recv(1024):
                pass


def test_a_port_in_time_wait_is_free() -> None:
    """Servers bind with SO_REUSEADDR: TIME-WAIT left by a closed connection is no obstacle."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server closes first: TIME-WAIT on its side
        client.close()
    assert wait_until(lambda: _time_wait_on(port), timeout=5)
    assert port_is_free(port)
    assert next_free_port(port) == port


def test_down_then_up_takes_the_same_ports_despite_time_wait(lab_env: dict[str, str]) -> None:
    assert in_process(["up", "--only", "redis"], lab_env).returncode == 0  # set-up
    port = _state(lab_env)["services"]["redis"]["port"]
    _leave_time_wait(port)
    assert run_labkit(["down"], lab_env).returncode == 0
    assert _time_wait_on(port), "the test needs a TIME-WAIT entry on the port"
    again = run_labkit(["up", "--only", "redis"], lab_env)
    assert again.returncode == 0, again.stderr
    assert _state(lab_env)["services"]["redis"]["port"] == port


RQ_STACK = "redis,taskoverflow,worker"


@pytest.fixture(scope="module")
def rq_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One Valkey + API + RQ worker stack for the tests below. Each of them breaks it and ends
    with the `labkit up` that makes it whole again; `rq_stack` checks that before every test."""
    env = stack_env(tmp_path_factory.mktemp("rq") / "lab", {"LABKIT_STOP_GRACE": STOP_GRACE})
    result = run_labkit(["up", "--only", RQ_STACK, "--timeout", "90"], env)
    try:
        assert result.returncode == 0, result.stderr
        yield env
    finally:
        _down_in_process(env)


@pytest.fixture
def rq_stack(rq_lab: dict[str, str]) -> dict[str, str]:
    """The shared stack, every service healthy: whatever an earlier (failed) test left stopped is
    started again here, so each test begins from a whole stack."""
    result = in_process(["up", "--only", RQ_STACK, "--timeout", "90"], rq_lab)
    assert result.returncode == 0, result.stderr
    report = json.loads(in_process(["status", "--json"], rq_lab).stdout)["services"]
    assert all(report[name]["healthy"] for name in RQ_STACK.split(",")), report
    return rq_lab


def _calendar_succeeds(api: str) -> bool:
    with httpx.Client(base_url=api + "/api/v1", timeout=10) as http:
        created = http.post("/todos/ical")
        assert created.status_code == 202, created.text
        url = created.json()["task_url"]
        return wait_until(lambda: http.get(url).json()["task_status"] == "SUCCESS", timeout=30)


@pytest.mark.xdist_group("rq_stack")  # one shared stack, not one per worker
def test_half_dead_stack_restarts_what_died_and_rewires_its_dependants(
    rq_stack: dict[str, str],
) -> None:
    """Valkey dies and its port is taken meanwhile: `up` starts it on another port and restarts
    the API and the worker (they held the old URL), and nothing else."""
    before = _state(rq_stack)["services"]
    os.kill(before["redis"]["pid"], signal.SIGKILL)
    old = ProcessRecord.from_json(before["redis"])
    assert old is not None and wait_until(lambda: not is_running(old), timeout=10)

    status = json.loads(run_labkit(["status", "--json"], rq_stack).stdout)["services"]
    assert status["taskoverflow"]["healthy"] is False
    assert "job_queue" in status["taskoverflow"]["problem"]
    assert status["worker"]["problem"] == "cannot reach Redis"

    with socket.socket() as squatter:  # someone else takes Valkey's port meanwhile
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", before["redis"]["port"]))
        squatter.listen()
        # the same services: Valkey's new port is the only reason left to restart the others
        result = run_labkit(["up", "--only", RQ_STACK, "--timeout", "90"], rq_stack)
    assert result.returncode == 0, result.stderr
    assert "restarting taskoverflow" in result.stderr and "restarting worker" in result.stderr
    after = _state(rq_stack)["services"]
    assert after["redis"]["port"] != before["redis"]["port"]
    assert after["taskoverflow"]["pid"] != before["taskoverflow"]["pid"]
    assert after["taskoverflow"]["port"] == before["taskoverflow"]["port"]  # same URL for users
    assert after["worker"]["pid"] != before["worker"]["pid"]
    status = json.loads(in_process(["status", "--json"], rq_stack).stdout)["services"]
    assert all(status[name]["healthy"] for name in ("redis", "taskoverflow", "worker")), status
    assert _calendar_succeeds(after["taskoverflow"]["url"])

    # and one more `up` restarts nothing
    again = run_labkit(["up", "--only", RQ_STACK], rq_stack)
    assert "nothing started" in again.stderr
    assert _state(rq_stack)["services"]["worker"]["pid"] == after["worker"]["pid"]


@pytest.mark.xdist_group("rq_stack")  # one shared stack, not one per worker
def test_valkey_back_on_its_port_keeps_the_api_and_worker(rq_stack: dict[str, str]) -> None:
    before = _state(rq_stack)["services"]
    os.kill(before["redis"]["pid"], signal.SIGKILL)
    old = ProcessRecord.from_json(before["redis"])
    assert old is not None and wait_until(lambda: not is_running(old), timeout=10)
    result = run_labkit(["up", "--only", RQ_STACK, "--timeout", "90"], rq_stack)
    assert result.returncode == 0, result.stderr
    after = _state(rq_stack)["services"]
    assert after["redis"]["port"] == before["redis"]["port"]
    assert after["redis"]["pid"] != before["redis"]["pid"]
    # only what died was started again: the worker rode out the outage
    for name in ("taskoverflow", "worker"):
        assert after[name]["pid"] == before[name]["pid"], name
    assert _calendar_succeeds(after["taskoverflow"]["url"])


@pytest.mark.xdist_group("rq_stack")  # one shared stack, not one per worker
def test_down_a_named_service_stops_only_that_one(rq_stack: dict[str, str]) -> None:
    before = _state(rq_stack)["services"]
    result = run_labkit(["down", "worker"], rq_stack)
    assert result.returncode == 0, result.stderr
    assert "stopped worker" in result.stderr and "redis" not in result.stderr
    records = {name: ProcessRecord.from_json(entry) for name, entry in before.items()}
    assert not is_running(records["worker"])  # type: ignore[arg-type]
    assert is_running(records["redis"]) and is_running(records["taskoverflow"])  # type: ignore[arg-type]
    report = json.loads(in_process(["status", "--json"], rq_stack).stdout)["services"]
    assert report["worker"]["running"] is False and report["redis"]["healthy"] is True
    unknown = in_process(["down", "mongo"], rq_stack)
    assert unknown.returncode == 1 and "unknown service(s): mongo" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    # `up` brings back just the worker
    up_again = run_labkit(["up", "--only", RQ_STACK], rq_stack)
    assert up_again.returncode == 0, up_again.stderr
    after = _state(rq_stack)["services"]
    assert after["worker"]["pid"] != before["worker"]["pid"]
    assert after["taskoverflow"]["pid"] == before["taskoverflow"]["pid"]


# ---------------------------------------------------------------- issue 11: secrets and owners

DB_SECRET = "hunter2-not-for-printing"


def test_passwords_never_printed_nor_stored_and_the_lab_dir_is_private(
    lab_env: dict[str, str],
) -> None:
    lab = Path(lab_env["LAB_DIR"])
    lab.mkdir(parents=True)
    lab.chmod(0o755)  # as older versions left it
    db = f"postgresql+asyncpg://lab:{DB_SECRET}@127.0.0.1:1/lab"
    first = run_labkit(["up", "--only", "redis"], {**lab_env, "DATABASE_URL": db})
    assert first.returncode == 0, first.stderr
    second = run_labkit(
        ["up", "--only", "redis"], {**lab_env, "DATABASE_URL": db.replace("1/lab", "2/lab")}
    )
    assert second.returncode == 0, second.stderr
    assert "started with DATABASE_URL=postgresql+asyncpg://lab:***@127.0.0.1:1/lab" in second.stderr
    status = in_process(["status"], lab_env)
    state_text = (lab / "state.json").read_text()
    entry = json.loads(state_text)["services"]["redis"]

    password = (lab / "secrets" / "valkey-password").read_text().strip()
    assert len(password) >= 32
    outputs = first.stdout + first.stderr + second.stdout + second.stderr + status.stdout
    for secret in (DB_SECRET, password):
        assert secret not in outputs
        assert secret not in state_text
        assert secret not in " ".join(psutil.Process(entry["pid"]).cmdline())
    assert "redis://:***@127.0.0.1:" in first.stdout and "redis://:***@127.0.0.1:" in status.stdout

    # Valkey refuses clients without the password; endpoints() gives notebooks a working URL
    assert not ping(entry["url"])
    probe = subprocess.run(
        [sys.executable, "-c", "from labkit.config import endpoints; from labkit.services.valkey "
         "import ping; print(ping(endpoints().redis))"],
        env={k: v for k, v in lab_env.items() if k != "REDIS_URL"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert probe.stdout.strip() == "True", probe.stderr

    for path in [lab, *lab.rglob("*")]:
        mode = path.stat().st_mode & 0o777
        if path.is_dir():
            assert mode == 0o700, (path, oct(mode))
        else:
            assert mode & 0o077 == 0, (path, oct(mode))
