"""How calendar jobs travel from the API to a worker, behind one small interface.

The API only ever talks to a `JobTransport`; which one is chosen by `JOB_TRANSPORT`
(`rq` by default). Adding a transport (e.g. `sqs`, issue 5) means:

1. a class implementing `JobTransport` (all methods async: the API calls them on its event
   loop, so blocking clients must run in a thread — see `jobs/rq_transport.py`);
2. a `run_worker(settings, burst)` function that consumes the jobs and calls
   `taskoverflow.tasks.ical.create_ical(todos, delay_seconds)`;
3. one line in `TRANSPORTS` below: name -> "module:Class" and "module:run_worker".

Contract every transport keeps, so the API responses are identical whichever is used:

* `enqueue(todos)` takes a JSON-serialisable snapshot (list of `TodoSnapshot` dicts, made by
  `taskoverflow.tasks.snapshot.snapshot`) and returns a new job id (URL-safe, ≤ 64 chars);
* `status(job_id)` returns a `JobState` or None when the id is unknown (or expired);
* `result(job_id)` returns the calendar bytes only when the job is SUCCESS, else None;
* `backlog()` counts the jobs still waiting for a worker (PENDING);
* every method raises `JobQueueUnavailable` (never hangs for long) when its backing service
  cannot be reached — the API turns that into 503 while the todo endpoints keep working.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from taskoverflow.config import Settings
    from taskoverflow.tasks.snapshot import TodoSnapshot

#: The queue (RQ) / SQS queue name calendar jobs go to.
QUEUE_NAME = "ical"


class JobStatus(StrEnum):
    """The course's four task states (Celery's names), the only ones clients ever see."""

    PENDING = "PENDING"
    STARTED = "STARTED"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"


class FailureReason(StrEnum):
    """Why a job is FAILURE, coarse enough to be stable across transports."""

    ERROR = "error"  # the job function raised
    TIMEOUT = "timeout"  # it ran longer than the job timeout
    CANCELED = "canceled"  # stopped or cancelled before it finished
    LOST = "lost"  # the worker died / the message went to the dead-letter queue


@dataclass(frozen=True)
class JobState:
    """A job's state as the API reports it; `reason`/`detail` are set only for FAILURE."""

    status: JobStatus
    reason: FailureReason | None = None
    detail: str | None = None


class JobQueueUnavailable(Exception):
    """The job backend (Redis, SQS, …) cannot be reached right now; callers answer 503."""


@runtime_checkable
class JobTransport(Protocol):
    """Moves calendar jobs to workers and reports on them. All methods are coroutines."""

    name: str

    async def enqueue(self, todos: list[TodoSnapshot]) -> str:
        """Queue a calendar job for this snapshot of todos; return its id."""
        ...

    async def status(self, job_id: str) -> JobState | None:
        """The job's state, or None if no such job exists (or it expired)."""
        ...

    async def result(self, job_id: str) -> bytes | None:
        """The calendar (text/calendar bytes) if the job succeeded, else None."""
        ...

    async def backlog(self) -> int:
        """How many calendar jobs wait for a worker (the API refuses new ones past a bound)."""
        ...

    async def ping(self) -> None:
        """Raise JobQueueUnavailable unless the backend answers (used by health/startup)."""
        ...

    async def close(self) -> None:
        """Release connections (called when the app shuts down)."""
        ...


#: name -> (transport class, worker entry point), as "module:attribute" so that importing
#: this package never imports redis/boto3 for a transport that is not in use.
TRANSPORTS: dict[str, tuple[str, str]] = {
    "rq": (
        "taskoverflow.jobs.rq_transport:RQTransport",
        "taskoverflow.jobs.rq_transport:run_worker",
    ),
    "sqs": (
        "taskoverflow.jobs.sqs_transport:SqsTransport",
        "taskoverflow.jobs.sqs_worker:run_worker",
    ),
}


def _load(ref: str) -> Any:
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


def _entry(name: str) -> tuple[str, str]:
    try:
        return TRANSPORTS[name]
    except KeyError:
        known = ", ".join(sorted(TRANSPORTS))
        raise ValueError(f"unknown JOB_TRANSPORT {name!r} (known: {known})") from None


def create_transport(settings: Settings) -> JobTransport:
    """Build the transport `settings.job_transport` names; it connects lazily."""
    transport = _load(_entry(settings.job_transport)[0])(settings)
    assert isinstance(transport, JobTransport)  # each class in TRANSPORTS implements it
    return transport


def run_worker(settings: Settings, *, burst: bool = False) -> None:
    """Run the worker of `settings.job_transport` in this process until stopped (or drained)."""
    _load(_entry(settings.job_transport)[1])(settings, burst=burst)
