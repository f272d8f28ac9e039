"""What is specific to the RQ transport: state mapping, other queues' jobs, Redis outages."""

from __future__ import annotations

from labkit.services.valkey import running_valkey

API = "/api/v1"


async def test_other_rq_jobs_are_not_visible(make_client, redis_clean):
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(redis_clean)
    job = Queue("default", connection=connection).enqueue("os.getcwd")
    connection.close()
    async with make_client(REDIS_URL=redis_clean) as (client, _):
        assert (await client.get(f"{API}/todos/ical/{job.id}/status")).status_code == 404
        assert (await client.get(f"{API}/todos/ical/{job.id}/result")).status_code == 404


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

        with running_valkey(port=port):  # Redis is back: same app, no restart
            response = await client.post(f"{API}/todos/ical")
            assert response.status_code == 202
            status = await client.get((await response.get_json())["task_url"])
            assert (await status.get_json())["task_status"] == "PENDING"
        assert state.unexpected_errors == 0


async def test_forking_worker_also_succeeds_and_times_out(make_client, job_backend):
    """RQ_WORKER=fork: each job in its own work-horse process (RQ's default worker class)."""
    from taskoverflow.config import Settings
    from taskoverflow.jobs.rq_transport import RQTransport

    from tests.backend.test_jobs import add_todos, wait_for_status

    async with make_client(**job_backend.config, ICAL_JOB_TIMEOUT=1) as (client, _):
        await add_todos(client)
        quick = await (await client.post(f"{API}/todos/ical")).get_json()
        slow_settings = Settings.load(
            {**job_backend.config, "ICAL_DELAY_SECONDS": 10, "ICAL_JOB_TIMEOUT": 1}
        )
        slow_transport = RQTransport(slow_settings)
        slow_id = await slow_transport.enqueue([])
        await slow_transport.close()
        job_backend.start_worker(RQ_WORKER="fork").wait(timeout=30)
        done = await wait_for_status(client, quick["task_url"], {"SUCCESS", "FAILURE"})
        assert done["task_status"] == "SUCCESS"
        slow = await (await client.get(f"{API}/todos/ical/{slow_id}/status")).get_json()
        assert (slow["task_status"], slow["reason"]) == ("FAILURE", "timeout")


def test_unknown_worker_class_is_a_clear_error(redis_clean):
    from tests.backend.test_cli import run_cli

    result = run_cli("worker", "--burst", env={"REDIS_URL": redis_clean, "RQ_WORKER": "thread"})
    assert result.returncode == 1
    assert "RQ_WORKER must be one of simple, fork" in result.stderr


def test_a_worker_leaving_stops_its_command_listener(redis_clean):
    """RQ's own classes leave their pub/sub thread blocked in a 60 s read about every other time
    (their join gives up after 1 s, so a burst worker took a second longer to exit); the app's
    worker classes stop it every time."""
    from taskoverflow.jobs.rq_transport import LeasedSimpleWorker, LeasedWorker

    from tests.support.rq_listener import assert_listeners_stop

    assert_listeners_stop((LeasedWorker, LeasedSimpleWorker), redis_clean)
