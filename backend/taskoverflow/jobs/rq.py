"""Calendar jobs over RQ on a Redis-compatible server (Valkey in the lab).

redis-py and RQ are blocking, so every call runs in a worker thread (`asyncio.to_thread`) and the
event loop never waits on Redis. The API's connection has short socket timeouts and no retries:
when Redis is down the calendar endpoints answer 503 within about `REDIS_TIMEOUT` seconds,
and the same client recovers by itself when Redis is back (redis-py reconnects per command).

A worker SIGKILLed mid-job leaves its job STARTED, and RQ only notices when some worker runs its
registry maintenance (every 10 minutes) — or never, if no worker is left. So (1) our workers give
each job's StartedJobRegistry entry a lease of `job_timeout + RQ_LOST_GRACE_SECONDS` (RQ's
hard-coded grace is 60 s), renewed by the fork worker's heartbeats, and (2) a status query for a
STARTED job first runs RQ's own `StartedJobRegistry.cleanup()`, which fails (or retries) every job
whose lease ran out with `AbandonedJobError` — reported as FAILURE, reason "lost". A job is
therefore declared lost at most `job_timeout + RQ_LOST_GRACE_SECONDS` after its worker died.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.job import JobStatus as RQStatus
from rq.registry import StartedJobRegistry
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
        if rq_status == RQStatus.STARTED and self._reap_abandoned():
            rq_status = job.get_status(refresh=True)
        mapped = STATUS_MAP.get(rq_status, JobStatus.PENDING)
        if mapped is not JobStatus.FAILURE:
            return JobState(mapped)
        latest = job.latest_result()
        exc = latest.exc_string if latest and latest.type != Result.Type.SUCCESSFUL else None
        return failure_state(rq_status, exc)

    def _reap_abandoned(self) -> bool:
        """Fail (or retry) STARTED jobs whose worker lease ran out; True if there were any."""
        registry = StartedJobRegistry(QUEUE_NAME, connection=self.connection)
        if not registry.get_expired_job_ids():
            return False
        registry.cleanup()
        return True

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


class _LeaseMixin:
    """A job's StartedJobRegistry lease: its time left (at most one heartbeat) + our grace."""

    lost_grace: int = 60
    job_monitoring_interval: int

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        if job.timeout is None or job.timeout < 0:
            return super().get_heartbeat_ttl(job, working_time)  # type: ignore[misc]
        left = max(job.timeout - working_time, 0)
        return int(min(left, self.job_monitoring_interval)) + self.lost_grace


class LeasedSimpleWorker(_LeaseMixin, SimpleWorker):
    """No heartbeat during a job (it runs in this thread): the lease covers the whole timeout."""

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        if job.timeout is None or job.timeout < 0:
            return SimpleWorker.get_heartbeat_ttl(self, job, working_time)
        return int(max(job.timeout - working_time, 0)) + self.lost_grace


class LeasedWorker(_LeaseMixin, Worker):
    """Forks a work-horse per job and renews the lease every `job_monitoring_interval`."""


def run_worker(settings: Settings, *, burst: bool = False) -> None:
    """Run an RQ worker on queue `ical`.

    `RQ_WORKER=simple` (default) runs jobs in this process: no fork per job, so a calendar job
    finishes in milliseconds instead of the ~50-300 ms a fork (plus imports) costs; job timeouts
    still apply (SIGALRM, main thread). `RQ_WORKER=fork` isolates each job in a work-horse
    process (RQ's default), for jobs that might crash or leak.
    """
    import taskoverflow.tasks.ical  # noqa: F401  # preloaded: jobs (and forks) never import it

    classes: dict[str, type[LeasedSimpleWorker | LeasedWorker]] = {
        "simple": LeasedSimpleWorker,
        "fork": LeasedWorker,
    }
    if settings.rq_worker not in classes:
        raise ValueError(
            f"RQ_WORKER must be one of {', '.join(classes)}, got {settings.rq_worker!r}"
        )
    connection = connect(settings, for_worker=True)
    grace = max(settings.rq_lost_grace_seconds, 2)
    worker = classes[settings.rq_worker](
        [QUEUE_NAME],
        connection=connection,
        # renew the lease well within the grace, so a live fork worker never looks lost
        job_monitoring_interval=max(1, min(30, grace // 2)),
    )
    worker.lost_grace = grace
    worker.work(burst=burst, with_scheduler=False)
