"""Calendar jobs over SQS (`JOB_TRANSPORT=sqs`), with their state in the SQL database.

`enqueue` commits a PENDING `calendar_jobs` row, then sends `{"job_id": …}` to the job queue;
`status`/`result` read only the row (SQS has no result store). The worker lives in
`sqs_worker.py`.

Where SQS is: `AWS_ENDPOINT_URL_SQS` (boto3's own variable: the local service, or an AWS
endpoint), else real AWS with the usual credential chain (on ECS: the task role, no keys). The
queue is `SQS_ICAL_QUEUE` (a name or a URL; default `ical`). The app never creates queues:
whoever provisions the stack does (`terraform apply` on AWS, `labkit up` or compose's `queues`
service locally); a missing queue is reported as such, naming the queue.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import boto3
import botocore.exceptions
from botocore.config import Config
from sqlalchemy import Table, delete, func, select
from sqlalchemy.exc import SQLAlchemyError

from taskoverflow.clock import utc_now
from taskoverflow.db import Database
from taskoverflow.jobs import JobQueueUnavailable, JobState
from taskoverflow.jobs.sqs_models import JOB_ID, CalendarJob, visible_state

if TYPE_CHECKING:
    from taskoverflow.config import Settings
    from taskoverflow.tasks.snapshot import TodoSnapshot

log = logging.getLogger("taskoverflow.sqs")

_SQS_ERRORS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, OSError)
#: The codes AWS (query-compatible) and the local service give a missing queue.
_MISSING_QUEUE_CODES = frozenset({"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})
#: A local service that is down fails in about a second (no retries), not after a minute.
_LOCAL_CONFIG = Config(
    connect_timeout=2,
    read_timeout=30,  # longer than the longest long poll (20 s)
    retries={"total_max_attempts": 1, "mode": "standard"},
)
_AWS_CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard"})
#: The local service accepts any signature; boto3 still wants keys to sign with.
_LOCAL_KEY = "taskoverflow-local"


class QueueMissing(JobQueueUnavailable):
    """The job queue does not exist: nothing the app can heal; provisioning creates it."""


def is_local(endpoint: str | None) -> bool:
    """True for an endpoint that is not AWS (the lab's SQS service, a container)."""
    return endpoint is not None and "amazonaws.com" not in endpoint


def make_client(settings: Settings) -> Any:
    """A boto3 SQS client: the local service (dummy keys, fast failure) or AWS."""
    endpoint, region = settings.sqs_endpoint, settings.aws_region
    if is_local(endpoint):
        session = boto3.session.Session(
            aws_access_key_id=_LOCAL_KEY, aws_secret_access_key=_LOCAL_KEY, region_name=region
        )
        return session.client("sqs", endpoint_url=endpoint, config=_LOCAL_CONFIG)
    session = boto3.session.Session(region_name=region)
    return session.client("sqs", endpoint_url=endpoint, config=_AWS_CONFIG)


def is_missing_queue(exc: BaseException) -> bool:
    if not isinstance(exc, botocore.exceptions.ClientError):
        return False
    return str(exc.response.get("Error", {}).get("Code", "")) in _MISSING_QUEUE_CODES


def missing_queue(queue: str, client: Any) -> QueueMissing:
    """The one-line error for a queue nobody has created."""
    return QueueMissing(
        f"SQS queue {queue!r} does not exist at {client.meta.endpoint_url}: "
        "`labkit up` creates it locally, `terraform apply` on AWS"
    )


def job_database(settings: Settings) -> Database:
    """The database handle the transport and worker use for `calendar_jobs`.

    On SQLite every job costs three commits (API insert, STARTED, SUCCESS) from two processes;
    `Database` runs SQLite in write-ahead-log mode so status polls never wait for those writers.
    """
    return Database(settings.database_url, timeout=settings.database_timeout)


def resolve_queue_url(client: Any, queue: str) -> str:
    """The queue's URL (a URL is taken as it is); QueueMissing when no such queue exists."""
    if queue.startswith(("http://", "https://")):
        return queue
    try:
        return str(client.get_queue_url(QueueName=queue)["QueueUrl"])
    except botocore.exceptions.ClientError as exc:
        if is_missing_queue(exc):
            raise missing_queue(queue, client) from None
        raise


class SqsTransport:
    """`JobTransport` over SQS; job state in the `calendar_jobs` table."""

    name = "sqs"

    def __init__(
        self,
        settings: Settings,
        *,
        client: Any | None = None,
        database: Database | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.client = client or make_client(settings)
        self.db = database or job_database(settings)
        self.clock = clock
        self._queue_url: str | None = None
        self._url_lock = asyncio.Lock()
        self._schema_ready = False

    async def _sqs(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await asyncio.to_thread(func, *args, **kwargs)
        except _SQS_ERRORS as exc:
            raise JobQueueUnavailable(f"the job queue (SQS) is unavailable: {exc}") from exc

    async def queue_url(self) -> str:
        if self._queue_url is None:
            async with self._url_lock:
                if self._queue_url is None:
                    self._queue_url = await self._sqs(
                        resolve_queue_url, self.client, self.settings.sqs_ical_queue
                    )
        return self._queue_url

    async def ensure_schema(self) -> None:
        if not self._schema_ready:
            await ensure_table(self.db)
            self._schema_ready = True

    async def enqueue(self, todos: list[TodoSnapshot]) -> str:
        await self.ensure_schema()
        url = await self.queue_url()
        job_id = uuid.uuid4().hex
        async with self.db.session() as session:
            session.add(
                CalendarJob(id=job_id, status="PENDING", todos=todos, created_at=self.clock())
            )
            await session.commit()
        try:
            # the row exists before the message: a worker never receives an unknown id
            await self._sqs(
                self.client.send_message, QueueUrl=url, MessageBody=json.dumps({"job_id": job_id})
            )
        except JobQueueUnavailable:
            async with self.db.session() as session:
                await session.execute(delete(CalendarJob).where(CalendarJob.id == job_id))
                await session.commit()
            raise
        return job_id

    async def _row(self, job_id: str) -> CalendarJob | None:
        if not JOB_ID.fullmatch(job_id):
            return None
        await self.ensure_schema()
        async with self.db.session() as session:
            return await session.get(CalendarJob, job_id)

    async def status(self, job_id: str) -> JobState | None:
        row = await self._row(job_id)
        return None if row is None else visible_state(row, self.clock())

    async def result(self, job_id: str) -> bytes | None:
        row = await self._row(job_id)
        if row is None or row.status != "SUCCESS":
            return None
        return row.result

    async def backlog(self) -> int:
        """PENDING rows: exact for our jobs, and no SQS call (its counts are approximate)."""
        await self.ensure_schema()
        async with self.db.session() as session:
            return (
                await session.scalar(
                    select(func.count())
                    .select_from(CalendarJob)
                    .where(CalendarJob.status == "PENDING")
                )
                or 0
            )

    async def ping(self) -> None:
        await self.queue_url()

    async def close(self) -> None:
        await self.db.close()


async def ensure_table(db: Database) -> None:
    """Create `calendar_jobs` if missing; two processes racing to create it is fine."""
    for attempt in range(2):
        try:
            async with db.engine.begin() as conn:
                await conn.run_sync(
                    CalendarJob.metadata.create_all, tables=[_calendar_jobs_table()]
                )
            return
        except SQLAlchemyError:
            if attempt:
                raise
            await asyncio.sleep(0.2)


def _calendar_jobs_table() -> Table:
    table = CalendarJob.__table__
    assert isinstance(table, Table)  # a declarative model's table is always a Table
    return table
