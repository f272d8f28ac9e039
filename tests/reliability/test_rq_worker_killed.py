"""SIGKILL an RQ worker mid-job: the job must not stay STARTED forever.

The API reports it FAILURE, reason "lost", once the job's lease (job timeout + RQ_LOST_GRACE_SECONDS)
has run out — here 3 s + 2 s, so the bound is checked in seconds, not RQ's default minutes.
"""

from __future__ import annotations

import time

import psutil
import pytest

from tests.reliability.conftest import API, wait_for_status

JOB_TIMEOUT = 3
GRACE = 2


@pytest.mark.parametrize("worker_class", ["simple", "fork"])
async def test_a_job_whose_worker_was_sigkilled_is_reported_lost(
    rq_app, worker_procs, worker_class: str
) -> None:
    config = {
        "ICAL_DELAY_SECONDS": 60,  # far longer than the test: the job is mid-flight when killed
        "ICAL_JOB_TIMEOUT": JOB_TIMEOUT,  # we kill well before it would time out by itself
        "RQ_LOST_GRACE_SECONDS": GRACE,
        "RQ_WORKER": worker_class,
    }
    async with rq_app(**config) as (client, settings):
        await client.post(f"{API}/todos", json={"title": "survive me"})
        task = await (await client.post(f"{API}/todos/ical")).get_json()
        worker = worker_procs.start(settings)
        started = await wait_for_status(client, task["task_url"], {"STARTED"}, timeout=30)
        assert started["task_status"] == "STARTED"

        # SIGKILL the worker and its work-horse (fork): no handler runs, nothing is cleaned up
        tree = [psutil.Process(worker.pid), *psutil.Process(worker.pid).children(recursive=True)]
        for proc in tree:
            proc.kill()
        psutil.wait_procs(tree, timeout=10)
        killed_at = time.monotonic()

        # right after the kill the lease still runs: honest STARTED, not a premature verdict
        assert (await (await client.get(task["task_url"])).get_json())["task_status"] == "STARTED"

        lease = JOB_TIMEOUT + GRACE
        lost = await wait_for_status(client, task["task_url"], {"FAILURE", "SUCCESS"}, lease + 15)
        assert lost["task_status"] == "FAILURE"
        assert lost["reason"] == "lost"
        assert "AbandonedJobError" in lost["detail"]
        assert time.monotonic() - killed_at <= lease + 15
        # and it stays lost: no result to download
        assert (await client.get(lost["result_url"])).status_code == 404
