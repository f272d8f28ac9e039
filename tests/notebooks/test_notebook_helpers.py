"""labkit.notebook: finding services, polling, and RQ workers run as separate processes."""

from __future__ import annotations

import itertools
import signal

import pytest
from rq import Queue

from labkit import jobs_demo
from labkit.config import Endpoints
from labkit.errors import LabError
from labkit.notebook import distinct, missing_services, setup, start_worker, wait_for, watch
from labkit.services.ports import free_port


def _nowhere() -> Endpoints:
    port = free_port()  # nothing listens there
    return Endpoints(
        sqs=f"http://127.0.0.1:{port}",
        redis=f"redis://127.0.0.1:{port}/0",
        taskoverflow=f"http://127.0.0.1:{port}",
        region="us-east-1",
    )


def test_distinct_drops_consecutive_repeats_only():
    assert distinct(["queued", "queued", "started", "finished", "finished"]) == [
        "queued",
        "started",
        "finished",
    ]
    assert distinct(["a", "b", "a"]) == ["a", "b", "a"]


def test_watch_polls_until_a_final_state():
    states = itertools.chain(["PENDING"] * 3, ["STARTED"] * 2, itertools.repeat("SUCCESS"))
    samples = watch(lambda: next(states), until={"SUCCESS"}, interval=0)
    assert distinct(s for _, s in samples) == ["PENDING", "STARTED", "SUCCESS"]
    times = [t for t, _ in samples]
    assert times == sorted(times)


def test_watch_gives_up_with_a_clear_error():
    with pytest.raises(LabError, match="still 'PENDING'"):
        watch(lambda: "PENDING", until={"SUCCESS"}, timeout=0.05, interval=0.01)


def test_missing_services_names_what_does_not_answer(redis_url: str):
    ends = _nowhere()
    assert missing_services(["sqs", "redis", "taskoverflow"], ends) == [
        "sqs",
        "redis",
        "taskoverflow",
    ]
    up = Endpoints(sqs=ends.sqs, redis=redis_url, taskoverflow=ends.taskoverflow, region="x")
    assert missing_services(["redis"], up) == []


def test_setup_without_starting_says_what_is_missing(monkeypatch: pytest.MonkeyPatch):
    ends = _nowhere()
    monkeypatch.setenv("REDIS_URL", ends.redis)
    with pytest.raises(LabError, match="not running: redis") as info:
        setup(needs=["redis"], start=False)
    assert "labkit up" in (info.value.hint or "")
    with pytest.raises(LabError, match="unknown service"):
        setup(needs=["postgres"], start=False)


def test_setup_returns_clients_for_running_services(monkeypatch: pytest.MonkeyPatch, redis_url):
    monkeypatch.setenv("REDIS_URL", redis_url)
    lab = setup(needs=["redis"], start=False)
    try:
        assert lab.endpoints.redis == redis_url
        assert lab.redis().ping() is True
        with pytest.raises(LabError, match="local SQS service"):
            type(lab)(endpoints=lab.endpoints, aws=True).reset(seed=1)
    finally:
        lab.close()


def test_burst_workers_in_separate_processes_run_each_job_once(redis_clean: str):
    import redis

    conn = redis.Redis.from_url(redis_clean)
    queue = Queue("helpers-test", connection=conn)
    jobs = [queue.enqueue(jobs_demo.count_words, "a b c " * i) for i in range(1, 7)]
    failing = queue.enqueue(jobs_demo.always_fails, "boom")
    workers = [start_worker(queue.name, name=f"w{n}", redis_url=redis_clean) for n in (1, 2)]
    assert wait_for(workers, timeout=60) == [0, 0]
    for job in jobs:
        job.refresh()
    assert [j.return_value() for j in jobs] == [3, 6, 9, 12, 15, 18]
    assert {j.worker_name for j in jobs} <= {"w1", "w2"}
    assert failing.get_status(refresh=True).value == "failed"
    assert failing.id in queue.failed_job_registry.get_job_ids()
    conn.close()


@pytest.mark.slow
def test_celery_worker_runs_the_courses_task_and_stops(redis_clean: str):
    """The course's Celery worker, started outside this process, runs one task; stop ends it."""
    from celery import Celery

    from labkit.notebook import start_celery_worker, stop_process

    env = {"CELERY_BROKER_URL": redis_clean, "CELERY_RESULT_BACKEND": redis_clean}
    worker = start_celery_worker("course.celery_calendar:celery", name="t", env=env, deadline=300)
    client = Celery("client", broker=redis_clean, backend=redis_clean)
    try:
        todo = {"id": 1, "title": "x", "description": None, "deadline_at": "2026-12-01T09:00:00"}
        task = client.send_task("ical", args=[[todo]])
        calendar = task.get(timeout=120)
        assert calendar.startswith("BEGIN:VCALENDAR") and "SUMMARY:x" in calendar
        assert task.state == "SUCCESS"
    finally:
        code = stop_process(worker, timeout=30)
        client.close()
    assert code is not None and worker.poll() is not None


@pytest.mark.slow
def test_celery_worker_stops_itself_at_its_deadline(redis_clean: str):
    from labkit.notebook import start_celery_worker, stop_process

    env = {"CELERY_BROKER_URL": redis_clean, "CELERY_RESULT_BACKEND": redis_clean}
    worker = start_celery_worker("course.celery_calendar:celery", name="d", env=env, deadline=2)
    try:
        # SIGTERM at the deadline: Celery's warm shutdown (0), or the default action if it came
        # before Celery set its handlers (-SIGTERM); either way the worker is gone by itself
        assert worker.wait(timeout=120) in (0, -signal.SIGTERM)
    finally:
        stop_process(worker)


def test_a_worker_leaving_stops_its_command_listener(redis_clean: str):
    """RQ's own classes leave their pub/sub thread blocked in a 60 s read about every other time
    (their join gives up after 1 s); the lab's classes stop it every time."""
    from labkit.notebook_workers import SimpleWorker, Worker
    from tests.support.rq_listener import assert_listeners_stop

    assert_listeners_stop((Worker, SimpleWorker), redis_clean)
