"""Calendar jobs over RQ on a Redis-compatible server (Valkey in the lab).

redis-py and RQ are blocking, so every call runs in a worker thread (`asyncio.to_thread`) and the
event loop never waits on Redis. The API's connection has short socket timeouts and no retries:
when Redis is down the calendar endpoints answer 503 within about `REDIS_TIMEOUT` seconds,
and the same client recovers by itself when Redis is back (redis-py reconnects per command).

A worker SIGKILLed mid-job leaves its job STARTED, and RQ only notices when some worker runs its
registry maintenance (every 10 minutes) — or never, if no worker is left. So (1) our workers give
each running job's StartedJobRegistry entry a short lease, `RQ_LOST_GRACE_SECONDS` (default 30),
renewed by heartbeats every third of it while the worker lives (see `_HeartbeatLease`), and (2) a
status query for a STARTED job first runs RQ's own `StartedJobRegistry.cleanup()`, which fails (or
retries) every job whose lease ran out with `AbandonedJobError` — reported as FAILURE, reason
"lost". A job is therefore declared lost at most `RQ_LOST_GRACE_SECONDS` after its worker died,
whatever its job timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker, Worker
from rq.exceptions import NoSuchJobError, StopRequested
from rq.job import Job
from rq.job import JobStatus as RQStatus
from rq.registry import StartedJobRegistry
from rq.results import Result
from rq.worker import BaseWorker

from taskoverflow.jobs import QUEUE_NAME, FailureReason, JobQueueUnavailable, JobState, JobStatus

if TYPE_CHECKING:
    from taskoverflow.config import Settings
    from taskoverflow.tasks.snapshot import TodoSnapshot

log = logging.getLogger("taskoverflow.rq")
_T = TypeVar("_T")

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

    async def _call(self, func: Callable[..., _T], *args: Any) -> _T:
        try:
            return await asyncio.to_thread(func, *args)
        except (RedisError, OSError) as exc:
            raise JobQueueUnavailable(f"the job queue (Redis) is unreachable: {exc}") from exc

    async def enqueue(self, todos: list[TodoSnapshot]) -> str:
        return await self._call(self._enqueue, todos)

    def _enqueue(self, todos: list[TodoSnapshot]) -> str:
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

    async def backlog(self) -> int:
        return await self._call(lambda: self.queue.count)

    async def ping(self) -> None:
        await self._call(self.connection.ping)

    async def close(self) -> None:
        await asyncio.to_thread(self.connection.close)


class _HeartbeatLease:
    """A running job's StartedJobRegistry lease is `RQ_LOST_GRACE_SECONDS`, renewed by heartbeats.

    RQ's own lease is the job timeout + 60 s: a worker SIGKILLed mid-job leaves its job STARTED for
    minutes. Here the lease is short and tied to the worker being alive: the fork worker renews it
    every `job_monitoring_interval` while it waits for its work-horse, the simple worker from a
    heartbeat thread while the job runs in its main thread. A job whose worker died is therefore
    past its lease `lost_grace` seconds after the last heartbeat, whatever its timeout; a live
    worker still enforces the timeout itself (FAILURE, reason "timeout").
    """

    lost_grace: int = 30

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        return self.lost_grace


if TYPE_CHECKING:
    _WorkerBase = Worker  # the mixin is only ever mixed into RQ's Worker: check it as one
else:
    _WorkerBase = object


class _FewerRoundTrips(_WorkerBase):
    """RQ's work loop with fewer Redis round trips per job, and the same meaning.

    Counted on one worker draining 200 calendar jobs (benchmarks/README.md): RQ 3.0 spends 57
    commands in 20 round trips per job, and a third of them are the worker's own heartbeat — three
    unpipelined commands (HSET last_heartbeat, EXPIRE worker key, EXPIRE executions key), sent
    three times per job (after the job, before and after each dequeue) to keep a key alive that
    lives `worker_ttl` + 60 s (8 minutes). Here a plain heartbeat goes out as one pipeline, and is
    skipped while the worker key got its full TTL less than `REFRESH` seconds ago. The job's own
    lease (StartedJobRegistry entry, job heartbeat: what lost-job detection reads) is untouched:
    heartbeats RQ sends with a pipeline or a shorter timeout always go out, and they reset the
    clock, so the next plain heartbeat restores the full TTL. Likewise the worker state is written
    only when it changes (RQ writes IDLE after each job and again before each dequeue), and
    `rq suspend` is looked for at most every `REFRESH` seconds instead of before every job.
    """

    REFRESH = 1.0  # seconds; far inside the worker key's TTL (worker_ttl + 60)

    _full_heartbeat_at: float | None = None
    _suspension_checked_at: float | None = None

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        full = self.worker_ttl + 60  # RQ's default worker TTL
        if pipeline is not None or timeout is not None:
            super().heartbeat(timeout, pipeline)
            self._full_heartbeat_at = time.monotonic() if (timeout or full) >= full else None
            return
        now = time.monotonic()
        if self._full_heartbeat_at is not None and now - self._full_heartbeat_at < self.REFRESH:
            return
        with self.connection.pipeline(transaction=False) as batch:
            super().heartbeat(None, batch)
            batch.execute()
        self._full_heartbeat_at = now

    def set_state(self, state: str, pipeline: Any = None) -> None:
        if pipeline is None and state == getattr(self, "_state", None):
            return  # the worker hash already says so
        super().set_state(state, pipeline)

    def check_for_suspension(self, burst: bool) -> None:
        now = time.monotonic()
        checked = self._suspension_checked_at
        if checked is not None and now - checked < self.REFRESH:
            return
        super().check_for_suspension(burst)
        self._suspension_checked_at = time.monotonic()


class _StopListenerFirst(_WorkerBase):
    """RQ's exit without its lost second: stop the command listener, then unsubscribe.

    An RQ worker listens for `rq.command` messages on a redis-py pub/sub thread that blocks reading
    for up to 60 s. On the way out RQ (3.0) unsubscribes, *then* tells that thread to stop and
    joins it for at most 1 s: when UNSUBSCRIBE's reply wakes the thread before the stop flag is
    set, it reads again and the join waits the whole second — a burst worker (or a SIGTERMed one)
    often took a second longer to leave than its work needed. Setting the flag first makes the
    reply wake a thread that then leaves; a stopped thread may already have closed the connection,
    and the error the UNSUBSCRIBE write then meets only says the listener is gone.
    """

    def unsubscribe(self) -> None:
        if self.pubsub_thread is not None:
            self.pubsub_thread.stop()
        with contextlib.suppress(RedisConnectionError):
            super().unsubscribe()  # type: ignore[no-untyped-call]  # RQ leaves it unannotated


class LeasedSimpleWorker(_StopListenerFirst, _FewerRoundTrips, _HeartbeatLease, SimpleWorker):
    """Runs jobs in this process (no fork); a daemon thread keeps the job's lease fresh."""

    def execute_job(self, job: Job, queue: Queue) -> None:
        done = threading.Event()
        beat = threading.Thread(
            target=self._beat, args=(job, done), name="rq-heartbeat", daemon=True
        )
        beat.start()
        try:
            super().execute_job(job, queue)
        finally:
            done.set()
            beat.join(timeout=5)

    def _beat(self, job: Job, done: threading.Event) -> None:
        while not done.wait(self.job_monitoring_interval):
            execution = next(
                (e for e in list(self.executions.values()) if e.job_id == job.id), None
            )
            if execution is None:
                continue
            try:
                self.maintain_heartbeats(job, execution)
            except (RedisError, OSError) as exc:  # Redis away: the worker's main loop rides it out
                log.warning("heartbeat for job %s not sent (%s)", job.id, exc)


class LeasedWorker(_StopListenerFirst, _FewerRoundTrips, _HeartbeatLease, Worker):
    """Forks a work-horse per job; RQ renews the lease every `job_monitoring_interval`."""


def heartbeat_interval(lost_grace: int) -> int:
    """Three heartbeats fit in one lease, so one late heartbeat never declares a live job lost."""
    return max(1, lost_grace // 3)


def run_worker(settings: Settings, *, burst: bool = False) -> None:
    """Run an RQ worker on queue `ical`, and keep running through Redis outages.

    `RQ_WORKER=simple` (default) runs jobs in this process: no fork per job, so a calendar job
    finishes in milliseconds instead of the ~50-300 ms a fork (plus imports) costs; job timeouts
    still apply (SIGALRM, main thread). `RQ_WORKER=fork` isolates each job in a work-horse
    process (RQ's default), for jobs that might crash or leak.

    RQ's work loop retries a failed dequeue, but any other Redis error (a heartbeat, the
    suspension check, storing a result, a read timeout) ends `work()` with "unhandled exception,
    quitting". So the loop is run again — a fresh worker registration once Redis answers, with
    exponential back-off (0.5 s doubling to 30 s) — until a signal asks the worker to stop.
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
    grace = max(settings.rq_lost_grace_seconds, 2)
    stopping = threading.Event()
    backoff = Backoff()
    while not stopping.is_set():
        connection = connect(settings, for_worker=True)
        worker = classes[settings.rq_worker](
            [QUEUE_NAME], connection=connection, job_monitoring_interval=heartbeat_interval(grace)
        )
        worker.lost_grace = grace
        _note_stop_requests(worker, stopping)
        try:
            worker.work(burst=burst, with_scheduler=False)
        except StopRequested:
            return
        except (RedisError, OSError) as exc:  # raised by RQ's teardown while Redis is away
            log.warning("lost Redis (%s)", exc)
        finally:
            connection.close()
        if stopping.is_set() or (burst and _reachable(settings)):
            return
        _wait_for_redis(settings, backoff, stopping)


def _note_stop_requests(worker: BaseWorker, stopping: threading.Event) -> None:
    """Remember a SIGTERM/SIGINT RQ's handler received, so `run_worker` does not start again."""
    original: Callable[[int, Any], None] = worker.request_stop

    def request_stop(signum: int, frame: Any) -> None:
        stopping.set()
        original(signum, frame)

    # wrapping one instance's method, which mypy forbids for methods in general
    worker.request_stop = request_stop  # type: ignore[method-assign]


class Backoff:
    """Exponential back-off between reconnection attempts: 0.5 s, 1 s, 2 s … at most 30 s."""

    def __init__(self, first: float = 0.5, cap: float = 30.0) -> None:
        self.first, self.cap, self.next = first, cap, first

    def step(self) -> float:
        delay, self.next = self.next, min(self.next * 2, self.cap)
        return delay

    def reset(self) -> None:
        self.next = self.first


def _reachable(settings: Settings) -> bool:
    probe = connect(settings)
    try:
        return bool(probe.ping())
    except (RedisError, OSError):
        return False
    finally:
        probe.close()


def _wait_for_redis(settings: Settings, backoff: Backoff, stopping: threading.Event) -> None:
    """Sleep with back-off until Redis answers again (or a stop is requested)."""
    while not stopping.is_set():
        delay = backoff.step()
        log.warning("Redis unreachable at %s; retrying in %.1f s", _where(settings), delay)
        try:
            time.sleep(delay)
        except StopRequested:  # RQ's signal handler, still installed, raises it when idle
            stopping.set()
            return
        if _reachable(settings):
            log.info("Redis is back; restarting the worker loop")
            backoff.reset()
            return


def _where(settings: Settings) -> str:
    """Host and port of REDIS_URL, never its password."""
    from urllib.parse import urlsplit

    parts = urlsplit(settings.redis_url)
    return f"{parts.hostname}:{parts.port}"
