"""Calendar jobs over RQ on a Redis-compatible server (Valkey in the lab).

redis-py and RQ are blocking, so every call runs in a worker thread (`asyncio.to_thread`) and the
event loop never waits on Redis. The API's connection has short socket timeouts and no retries:
when Redis is down the calendar endpoints answer 503 within about `REDIS_TIMEOUT` seconds,
and the same client recovers by itself when Redis is back (redis-py reconnects per command).
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.job import JobStatus as RQStatus
from rq.results import Result

from taskoverflow.jobs import QUEUE_NAME, FailureReason, JobQueueUnavailable, JobState, JobStatus

if TYPE_CHECKING:
    from taskoverflow.config import Settings

JOB_FUNCTION = "taskoverflow.tasks.ical.create_ical"
_JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")

#: RQ's many states folded into the course's four (Celery's names).
STATUS_MAP: dict[RQStatus, JobStatus] = {
    RQStatus.CREATED: JobStatus.PENDING,
    RQStatus.QUEUED: JobStatus.PENDING,
    RQStatus.DEFERRED: JobStatus.PENDING,
    RQStatus.SCHEDULED: JobStatus.PENDING,
    RQStatus.READY_TO_ENQUEUE: JobStatus.PENDING,
    RQStatus.RATE_LIMITED: JobStatus.PENDING,
    RQStatus.STARTED: JobStatus.STARTED,
    RQStatus.FINISHED: JobStatus.SUCCESS,
    RQStatus.FAILED: JobStatus.FAILURE,
    RQStatus.STOPPED: JobStatus.FAILURE,
    RQStatus.CANCELED: JobStatus.FAILURE,
}


def failure_state(rq_status: RQStatus, exc_string: str | None) -> JobState:
    """Why an RQ job failed, from its status and the traceback RQ stored."""
    text = exc_string or ""
    if rq_status in (RQStatus.STOPPED, RQStatus.CANCELED):
        reason = FailureReason.CANCELED
    elif "JobTimeoutException" in text:
        reason = FailureReason.TIMEOUT
    elif "abandoned" in text.lower() or "work-horse terminated" in text.lower():
        reason = FailureReason.LOST
    else:
        reason = FailureReason.ERROR
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    detail = lines[-1][:300] if lines else None
    return JobState(JobStatus.FAILURE, reason, detail)


def connect(settings: Settings, *, for_worker: bool = False) -> Redis:
    """A client for the API (short timeouts, fail fast) or a worker (blocking reads allowed)."""
    if for_worker:
        return Redis.from_url(settings.redis_url, socket_connect_timeout=settings.redis_timeout)
    return Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=settings.redis_timeout,
        socket_timeout=settings.redis_timeout,
        retry=None,
    )


class RQTransport:
    """`JobTransport` over RQ: queue `ical`, function `taskoverflow.tasks.ical.create_ical`."""

    name = "rq"

    def __init__(self, settings: Settings, connection: Redis | None = None) -> None:
        self.settings = settings
        self.connection = connection or connect(settings)
        self.queue = Queue(QUEUE_NAME, connection=self.connection)

    async def _call(self, func: Any, *args: Any) -> Any:
        try:
            return await asyncio.to_thread(func, *args)
        except (RedisError, OSError) as exc:
            raise JobQueueUnavailable(f"the job queue (Redis) is unreachable: {exc}") from exc

    async def enqueue(self, todos: list[dict[str, Any]]) -> str:
        return await self._call(self._enqueue, todos)

    def _enqueue(self, todos: list[dict[str, Any]]) -> str:
        s = self.settings
        job = self.queue.enqueue(
            JOB_FUNCTION,
            todos,
            s.ical_delay_seconds,
            job_timeout=s.ical_job_timeout,
            result_ttl=s.ical_result_ttl,
            failure_ttl=s.ical_failure_ttl,
            # a queued job nobody picks up expires too, instead of living forever
            ttl=s.ical_failure_ttl,
            description="calendar of todos",
        )
        return job.id

    def _fetch(self, job_id: str) -> Job | None:
        if not _JOB_ID.fullmatch(job_id):
            return None
        try:
            job = Job.fetch(job_id, connection=self.connection)
        except NoSuchJobError:
            return None
        # only calendar jobs are visible through this API
        return job if job.origin == QUEUE_NAME and job.func_name == JOB_FUNCTION else None

    async def status(self, job_id: str) -> JobState | None:
        return await self._call(self._status, job_id)

    def _status(self, job_id: str) -> JobState | None:
        job = self._fetch(job_id)
        if job is None:
            return None
        rq_status = job.get_status(refresh=False)
        mapped = STATUS_MAP.get(rq_status, JobStatus.PENDING)
        if mapped is not JobStatus.FAILURE:
            return JobState(mapped)
        latest = job.latest_result()
        exc = latest.exc_string if latest and latest.type != Result.Type.SUCCESSFUL else None
        return failure_state(rq_status, exc)

    async def result(self, job_id: str) -> bytes | None:
        return await self._call(self._result, job_id)

    def _result(self, job_id: str) -> bytes | None:
        job = self._fetch(job_id)
        if job is None or job.get_status(refresh=False) != RQStatus.FINISHED:
            return None
        value = job.return_value()
        return value if isinstance(value, bytes) else None

    async def ping(self) -> None:
        await self._call(self.connection.ping)

    async def close(self) -> None:
        await asyncio.to_thread(self.connection.close)


def run_worker(settings: Settings, *, burst: bool = False) -> None:
    """Run an RQ worker on queue `ical`.

    `RQ_WORKER=simple` (default) runs jobs in this process: no fork per job, so a calendar job
    finishes in milliseconds instead of the ~50-300 ms a fork (plus imports) costs; job timeouts
    still apply (SIGALRM, main thread). `RQ_WORKER=fork` isolates each job in a work-horse
    process (RQ's default), for jobs that might crash or leak.
    """
    from rq import SimpleWorker, Worker

    import taskoverflow.tasks.ical  # noqa: F401  # preloaded: jobs (and forks) never import it

    classes = {"simple": SimpleWorker, "fork": Worker}
    if settings.rq_worker not in classes:
        raise ValueError(
            f"RQ_WORKER must be one of {', '.join(classes)}, got {settings.rq_worker!r}"
        )
    connection = connect(settings, for_worker=True)
    worker = classes[settings.rq_worker]([QUEUE_NAME], connection=connection)
    worker.work(burst=burst, with_scheduler=False)
