"""Calendar jobs over SQS (`JOB_TRANSPORT=sqs`), with their state in the SQL database.

`enqueue` commits a PENDING `calendar_jobs` row, then sends `{"job_id": …}` to the `ical`
queue; `status`/`result` read only the row (SQS has no result store). The worker lives in
`sqs_worker.py`.

Where SQS is (one rule for laptop, Docker and AWS):
* `AWS_ENDPOINT_URL_SQS` if set (boto3's own variable: the local service, or an AWS endpoint);
* else the SQS service `labkit up` started (its state file);
* else real AWS, with the usual credential chain (on ECS: the task role, no keys).
The queue is `SQS_ICAL_QUEUE` (a name or a URL; default `ical`). On the local service a missing
queue is created with its dead-letter queue, as terraform/ declares them; on AWS it must exist
(`terraform apply`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
import botocore.exceptions
from botocore.config import Config
from sqlalchemy import delete, func, select
from sqlalchemy.exc import SQLAlchemyError

from labkit.aws import is_local, is_missing_queue, sqs_client
from labkit.config import project_root, read_state
from taskoverflow.db import Database
from taskoverflow.jobs import QUEUE_NAME, JobQueueUnavailable, JobState
from taskoverflow.jobs.sqs_models import JOB_ID, CalendarJob, visible_state

if TYPE_CHECKING:
    from taskoverflow.config import Settings

log = logging.getLogger("taskoverflow.sqs")

#: Used when terraform/ is not shipped (e.g. an installed wheel): the same values it declares.
FALLBACK_DLQ_SUFFIX = "-dlq"
FALLBACK_VISIBILITY_TIMEOUT = 20
FALLBACK_MAX_RECEIVE_COUNT = 3

_SQS_ERRORS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, OSError)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class SqsSettings:
    """The SQS-only knobs (env vars of the same upper-case names)."""

    queue: str = QUEUE_NAME  # SQS_ICAL_QUEUE: name or URL
    endpoint: str | None = None  # resolved endpoint; None means real AWS
    region: str = "us-east-1"
    retry_delay_seconds: float = 1.0  # SQS_RETRY_DELAY_SECONDS: first back-off after a failure

    @classmethod
    def from_env(cls, config: dict[str, Any] | None = None) -> SqsSettings:
        config = config or {}

        def get(key: str) -> str | None:
            value = config.get(key, os.environ.get(key))
            return str(value) if value not in (None, "") else None

        endpoint = get("AWS_ENDPOINT_URL_SQS") or get("AWS_ENDPOINT_URL")
        if endpoint is None:
            endpoint = read_state().get("services", {}).get("sqs", {}).get("url")
        region = get("AWS_REGION") or get("AWS_DEFAULT_REGION") or "us-east-1"
        delay = get("SQS_RETRY_DELAY_SECONDS")
        try:
            retry = float(delay) if delay is not None else 1.0
        except ValueError:
            raise ValueError(f"SQS_RETRY_DELAY_SECONDS must be a number, got {delay!r}") from None
        return cls(get("SQS_ICAL_QUEUE") or QUEUE_NAME, endpoint, region, max(retry, 0.0))


def make_client(sqs: SqsSettings) -> Any:
    """The local service (fast-failing client) when an endpoint is known, else real AWS."""
    if sqs.endpoint and "amazonaws.com" not in sqs.endpoint:
        return sqs_client(endpoint=sqs.endpoint, region=sqs.region)
    config = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard"})
    return boto3.session.Session(region_name=sqs.region).client(
        "sqs", endpoint_url=sqs.endpoint, config=config
    )


def _declared_specs(queue: str) -> list[Any]:
    """The queue and its DLQ as terraform/ declares them (fallback: the same values built in)."""
    from labkit import terraform

    directory = project_root() / "terraform"
    try:
        specs = terraform.queue_specs(directory) if directory.is_dir() else []
    except Exception as exc:  # a broken checkout must not stop the worker
        log.warning("cannot read %s (%s); using built-in queue settings", directory, exc)
        specs = []
    by_name = {s.name: s for s in specs}
    template = by_name.get(QUEUE_NAME)
    dlq_template = by_name.get(template.dead_letter_target) if template else None
    dlq_name = queue + FALLBACK_DLQ_SUFFIX
    max_receives = (template.max_receive_count if template else None) or FALLBACK_MAX_RECEIVE_COUNT
    attributes = dict(template.attributes) if template else {}
    attributes.setdefault("VisibilityTimeout", str(FALLBACK_VISIBILITY_TIMEOUT))
    attributes["RedrivePolicy"] = json.dumps(
        {
            "deadLetterTargetArn": f"arn:aws:sqs:us-east-1:000000000000:{dlq_name}",
            "maxReceiveCount": max_receives,
        }
    )
    dlq_attributes = dict(dlq_template.attributes) if dlq_template else {}
    return [
        terraform.QueueSpec(f"aws_sqs_queue.{dlq_name}", dlq_name, dlq_attributes),
        terraform.QueueSpec(f"aws_sqs_queue.{queue}", queue, attributes, dlq_name, max_receives),
    ]


def job_database(settings: Settings) -> Database:
    """The database handle the transport and worker use for `calendar_jobs`.

    On SQLite every job costs three commits (API insert, STARTED, SUCCESS) from two processes;
    `Database` runs SQLite in write-ahead-log mode so status polls never wait for those writers.
    """
    return Database(settings.database_url, timeout=settings.database_timeout)


def resolve_queue_url(client: Any, queue: str) -> str:
    """The queue's URL; on the local service a missing queue is created (with its DLQ)."""
    if queue.startswith(("http://", "https://")):
        return queue
    try:
        return client.get_queue_url(QueueName=queue)["QueueUrl"]
    except botocore.exceptions.ClientError as exc:
        if not is_missing_queue(exc) or not is_local(client):
            raise
    from labkit import terraform

    applied = terraform.apply_specs(_declared_specs(queue), client)
    log.info("created %s on %s", ", ".join(a.name for a in applied), client.meta.endpoint_url)
    return applied[-1].url


class SqsTransport:
    """`JobTransport` over SQS; job state in the `calendar_jobs` table."""

    name = "sqs"

    def __init__(
        self,
        settings: Settings,
        *,
        client: Any | None = None,
        sqs: SqsSettings | None = None,
        database: Database | None = None,
        clock: Any = utc_now,
    ) -> None:
        self.settings = settings
        self.sqs = sqs or SqsSettings.from_env()
        self.client = client or make_client(self.sqs)
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
                        resolve_queue_url, self.client, self.sqs.queue
                    )
        return self._queue_url

    async def ensure_schema(self) -> None:
        if not self._schema_ready:
            await ensure_table(self.db)
            self._schema_ready = True

    async def enqueue(self, todos: list[dict[str, Any]]) -> str:
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
                await conn.run_sync(CalendarJob.metadata.create_all, tables=[CalendarJob.__table__])
            return
        except SQLAlchemyError:
            if attempt:
                raise
            await asyncio.sleep(0.2)


def jobs_table(database_url: str | None = None) -> list[dict[str, Any]]:
    """The `calendar_jobs` rows, oldest first, without the bulky columns (for notebook 05 and
    demos: `pandas.DataFrame(jobs_table())`). Synchronous, and safe inside Jupyter's event loop:
    it runs its own loop in a thread."""
    import concurrent.futures

    from taskoverflow.config import Settings

    url = database_url or Settings.load().database_url

    async def read() -> list[dict[str, Any]]:
        db = Database(url)
        try:
            await ensure_table(db)
            async with db.session() as session:
                rows = await session.scalars(
                    select(CalendarJob).order_by(CalendarJob.created_at, CalendarJob.id)
                )
                return [
                    {
                        "id": job.id,
                        "status": job.status,
                        "attempts": job.attempts,
                        "created_at": job.created_at,
                        "started_at": job.started_at,
                        "heartbeat_at": job.heartbeat_at,
                        "finished_at": job.finished_at,
                        "error": job.error,
                    }
                    for job in rows
                ]
        finally:
            await db.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, read()).result()
