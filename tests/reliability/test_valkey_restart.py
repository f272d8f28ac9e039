"""Restart Valkey (SIGKILL, then start again on the same data dir) with calendar jobs queued and
no worker running: every job is still there afterwards and a worker completes all of them.

The server is started with labkit's own command line (`valkey_command(persistent=True)`: the
append-only file that `labkit up` uses), not the throw-away `redis_url` fixture server.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from labkit.services.ports import LOOPBACK, free_port, wait_for_port
from labkit.services.process import terminate
from labkit.services.valkey import ping, valkey_command
from tests.reliability.conftest import API, wait_for_status

JOBS = 50


class PersistentValkey:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"redis://{LOOPBACK}:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            valkey_command(self.port, self.data_dir, persistent=True),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        assert wait_for_port(self.port, timeout=15) and ping(self.port), "Valkey did not start"

    def sigkill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None:
            terminate(self.proc)


@pytest.fixture
def valkey(tmp_path: Path) -> Iterator[PersistentValkey]:
    data = tmp_path / "valkey"
    data.mkdir()
    server = PersistentValkey(data)
    server.start()
    yield server
    server.stop()


async def test_queued_jobs_survive_a_valkey_sigkill_and_restart(
    rq_app, worker_procs, valkey: PersistentValkey
) -> None:
    async with rq_app(REDIS_URL=valkey.url) as (client, settings):
        await client.post(f"{API}/todos", json={"title": "persist me"})
        tasks = []
        for _ in range(JOBS):
            response = await client.post(f"{API}/todos/ical")
            assert response.status_code == 202
            tasks.append(await response.get_json())
        assert len({t["task_id"] for t in tasks}) == JOBS

        valkey.sigkill()  # no shutdown save: only what the append-only file already holds
        down = await client.get(tasks[0]["task_url"])
        assert down.status_code == 503  # the API says the queue is down, it does not guess

        valkey.start()
        with redis.Redis.from_url(valkey.url) as probe:
            queued = probe.llen("rq:queue:ical")
        assert queued == JOBS, f"{JOBS - queued} queued jobs lost in the restart"
        for task in tasks:
            status = await (await client.get(task["task_url"])).get_json()
            assert status["task_status"] == "PENDING"

        worker = worker_procs.start(settings, burst=True)
        assert worker.wait(timeout=60) == 0
        for task in tasks:
            done = await wait_for_status(client, task["task_url"], {"SUCCESS", "FAILURE"}, 10)
            assert done["task_status"] == "SUCCESS", done
            assert (await client.get(done["result_url"])).status_code == 200


async def test_the_worker_rides_out_a_valkey_outage_mid_job(
    rq_app, worker_procs, valkey: PersistentValkey
) -> None:
    """Valkey is SIGKILLed while the worker runs a job and comes back after it ended: RQ's own
    loop would quit ("unhandled exception") when it stores the result; ours reconnects with
    back-off and keeps serving — the next job succeeds with the same worker process."""
    async with rq_app(REDIS_URL=valkey.url, ICAL_DELAY_SECONDS=2, RQ_LOST_GRACE_SECONDS=3) as (
        client,
        settings,
    ):
        await client.post(f"{API}/todos", json={"title": "outlive me"})
        worker = worker_procs.start(settings)
        first = await (await client.post(f"{API}/todos/ical")).get_json()
        await wait_for_status(client, first["task_url"], {"STARTED"}, timeout=30)

        valkey.sigkill()
        await asyncio.sleep(4)  # the job ends while Valkey is away; the worker must not quit
        assert worker.poll() is None, "the worker quit while Valkey was down"
        valkey.start()

        # the interrupted job cannot have stored its result: it is reported, not left STARTED
        interrupted = await wait_for_status(
            client, first["task_url"], {"SUCCESS", "FAILURE"}, timeout=60
        )
        assert interrupted["task_status"] in ("SUCCESS", "FAILURE"), interrupted
        second = await (await client.post(f"{API}/todos/ical")).get_json()
        done = await wait_for_status(client, second["task_url"], {"SUCCESS", "FAILURE"}, 60)
        assert done["task_status"] == "SUCCESS", done
        assert worker.poll() is None
