"""Small job functions for notebook 03 (worker queues with RQ).

They live in an importable module on purpose: RQ stores a job as the *dotted name* of its
function (``labkit.jobs_demo.count_words``) plus its arguments, and the worker — another process,
maybe another machine — imports that name to run it. A function defined in a notebook is called
``__main__.something``, which no worker can import. Each function is tiny and deterministic so
the notebook's outputs are the same on every run; ``delay`` makes the job slow enough to watch.
`empty` is the notebook's plumbing (a clean queue per run), not a job.
"""

from __future__ import annotations

import time

from rq import Queue, get_current_job


def count_words(text: str, delay: float = 0.0) -> int:
    """The number of words in ``text``, after ``delay`` seconds of pretend work."""
    time.sleep(delay)
    return len(text.split())


def always_fails(reason: str) -> None:
    """Raise every time: the job lands in the queue's failed-job registry with this reason."""
    raise ValueError(reason)


def flaky(failures: int) -> str:
    """Fail the first ``failures`` attempts of this job, then succeed.

    The attempt number is counted in Redis under the job's id, so it survives across the worker
    processes that retry it (a plain global would reset in each new process).
    """
    job = get_current_job()
    if job is None:
        raise RuntimeError("flaky() must run as an RQ job")
    attempt = int(job.connection.incr(f"jobs-demo:attempts:{job.id}"))
    job.connection.expire(f"jobs-demo:attempts:{job.id}", 600)
    if attempt <= failures:
        raise ConnectionError(f"attempt {attempt}: the downstream service is not answering")
    return f"succeeded on attempt {attempt}"


def sleep_for(seconds: float) -> float:
    """Sleep, then return the time slept: with a shorter job timeout the worker stops it first."""
    time.sleep(seconds)
    return seconds


def empty(queue: Queue) -> None:
    """Empty ``queue`` and its registries, so every run of the notebook starts from nothing."""
    queue.empty()  # type: ignore[no-untyped-call]  # RQ leaves Queue.empty unannotated
    for registry in (
        queue.started_job_registry,
        queue.finished_job_registry,
        queue.failed_job_registry,
        queue.scheduled_job_registry,
    ):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)
