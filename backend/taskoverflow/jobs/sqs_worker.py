"""The SQS calendar worker: receive, mark STARTED, build, store, and only then delete.

Why this order survives crashes:
* the message is deleted only after the result (or the final error) is committed, so a worker
  killed at any point loses nothing: the message becomes visible again after its visibility
  timeout and another worker runs the job;
* every state change is a conditional UPDATE (`… WHERE status NOT IN (SUCCESS, FAILURE)`), so
  a job delivered twice (SQS is at-least-once) completes once and keeps its first result;
* while the job runs a heartbeat extends the message's visibility and stamps the row, so long
  jobs are not handed to a second worker, and a dead worker is noticed (the stamp stops);
* a job that keeps failing is retried with back-off until the queue's maxReceiveCount, marked
  FAILURE on its last attempt, and SQS moves its message to the dead-letter queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import botocore.exceptions
from sqlalchemy import CursorResult, update

from taskoverflow.clock import utc_now
from taskoverflow.db import Database
from taskoverflow.jobs import FailureReason, JobQueueUnavailable, JobStatus
from taskoverflow.jobs.sqs_models import TERMINAL, CalendarJob
from taskoverflow.jobs.sqs_transport import (
    ensure_table,
    is_missing_queue,
    job_database,
    make_client,
    missing_queue,
    resolve_queue_url,
)
from taskoverflow.tasks.ical import create_ical

if TYPE_CHECKING:
    from taskoverflow.config import Settings

log = logging.getLogger("taskoverflow.sqs.worker")

LONG_POLL_SECONDS = 20
_SQS_ERRORS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, OSError)


@dataclass(frozen=True)
class QueueInfo:
    """What the worker needs to know about its queue, read once at start."""

    url: str
    visibility_timeout: int
    max_receives: int | None  # the redrive policy's maxReceiveCount; None: no DLQ

    @property
    def heartbeat_seconds(self) -> float:
        return max(self.visibility_timeout / 3, 0.2)

    @property
    def lease_seconds(self) -> int:
        """After this long without a heartbeat the message is surely visible again."""
        return 2 * self.visibility_timeout + 1


def read_queue_info(client: Any, url: str) -> QueueInfo:
    attrs = client.get_queue_attributes(
        QueueUrl=url, AttributeNames=["VisibilityTimeout", "RedrivePolicy"]
    )["Attributes"]
    policy = json.loads(attrs["RedrivePolicy"]) if attrs.get("RedrivePolicy") else {}
    receives = policy.get("maxReceiveCount")
    return QueueInfo(
        url, int(attrs.get("VisibilityTimeout", 30)), int(receives) if receives else None
    )


def retry_delay(base: float, attempt: int, visibility_timeout: int) -> int:
    """Exponential back-off before a failed job is offered again (whole seconds, SQS's unit)."""
    if base <= 0:
        return 0
    return int(min(base * 2 ** (attempt - 1), max(visibility_timeout, 1), 43_200))


class Worker:
    """Consumes calendar jobs from one queue, one at a time."""

    def __init__(
        self,
        settings: Settings,
        *,
        client: Any | None = None,
        database: Database | None = None,
        build: Callable[..., bytes] = create_ical,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.client = client or make_client(settings)
        self.db = database or job_database(settings)
        self.build = build
        self.clock = clock
        self.info: QueueInfo | None = None

    async def _sqs(self, func: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(func, **kwargs)

    async def start(self) -> QueueInfo:
        """Find the queue and the table; JobQueueUnavailable (one line) if the queue is missing
        or SQS cannot be reached."""
        queue = self.settings.sqs_ical_queue
        try:
            url = await asyncio.to_thread(resolve_queue_url, self.client, queue)
            self.info = await asyncio.to_thread(read_queue_info, self.client, url)
        except _SQS_ERRORS as exc:
            if is_missing_queue(exc):  # a queue given as a URL that does not exist
                raise missing_queue(queue, self.client) from None
            where = self.client.meta.endpoint_url
            raise JobQueueUnavailable(
                f"cannot use SQS queue {queue!r} at {where}: {exc} "
                "(is the SQS service running? is AWS_ENDPOINT_URL_SQS right?)"
            ) from None
        await ensure_table(self.db)
        log.info(
            "worker on %s (visibility %ss, DLQ after %s receives)",
            self.info.url,
            self.info.visibility_timeout,
            self.info.max_receives,
        )
        return self.info

    async def run(self, *, burst: bool = False, stop: asyncio.Event | None = None) -> int:
        """Handle jobs until `stop` is set (or, with `burst`, the queue is empty). Returns the count.

        A stop during the long poll ends it at once (the poll's thread is abandoned; a message it
        still receives is never handled and SQS offers it again after its visibility timeout).
        A stop while a job runs lets that job finish, store its result and delete its message
        first: a SIGTERM never wastes work. A second signal leaves at once (see `run_worker`):
        the job is then left for redelivery, as after a crash.
        """
        info = self.info or await self.start()
        stop = stop or asyncio.Event()
        handled = 0
        while not stop.is_set():
            receive = asyncio.ensure_future(self._receive(info, 1 if burst else LONG_POLL_SECONDS))
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({receive, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not receive.done():
                # stop now rather than after the long poll; a message that poll still returns
                # stays unhandled and SQS offers it again after its visibility timeout
                receive.cancel()
                break
            try:
                messages = receive.result()
            except _SQS_ERRORS as exc:
                log.warning("receive failed (%s); retrying", exc)
                await asyncio.sleep(1)
                continue
            if not messages:
                if burst:
                    break
                continue
            for message in messages:
                try:
                    await self.handle(message)
                except Exception:  # the message stays in the queue and comes back
                    log.exception("job failed unexpectedly; its message will be retried")
                handled += 1
        return handled

    async def _receive(self, info: QueueInfo, wait: int) -> list[dict[str, Any]]:
        reply = await in_daemon_thread(
            self.client.receive_message,
            QueueUrl=info.url,
            MaxNumberOfMessages=1,
            WaitTimeSeconds=wait,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        messages: list[dict[str, Any]] = reply.get("Messages", [])
        return messages

    async def _delete(self, message: dict[str, Any]) -> None:
        assert self.info is not None
        await self._sqs(
            self.client.delete_message,
            QueueUrl=self.info.url,
            ReceiptHandle=message["ReceiptHandle"],
        )

    async def _set_visibility(self, message: dict[str, Any], seconds: int) -> None:
        assert self.info is not None
        try:
            await self._sqs(
                self.client.change_message_visibility,
                QueueUrl=self.info.url,
                ReceiptHandle=message["ReceiptHandle"],
                VisibilityTimeout=seconds,
            )
        except _SQS_ERRORS as exc:  # e.g. the receipt expired: the message is visible anyway
            log.warning("could not change visibility (%s)", exc)

    async def _update(self, job_id: str, **values: Any) -> bool:
        """Move a job that is not finished yet; False if it already was (or is gone)."""
        async with self.db.session() as session:
            result = await session.execute(
                update(CalendarJob)
                .where(CalendarJob.id == job_id, CalendarJob.status.not_in(TERMINAL))
                .values(**values)
            )
            await session.commit()
            assert isinstance(result, CursorResult)  # what an UPDATE statement returns
            return result.rowcount > 0

    async def _claim(self, job_id: str, **values: Any) -> list[dict[str, Any]] | None:
        """Mark an unfinished job STARTED and return its todos, in one statement."""
        async with self.db.session() as session:
            result = await session.execute(
                update(CalendarJob)
                .where(CalendarJob.id == job_id, CalendarJob.status.not_in(TERMINAL))
                .values(**values)
                .returning(CalendarJob.todos)
            )
            todos = result.scalar_one_or_none()
            await session.commit()
            return todos

    async def handle(self, message: dict[str, Any]) -> None:
        """One delivery of one message, start to finish."""
        info = self.info
        assert info is not None
        receives = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        job_id = _job_id(message.get("Body", ""))
        if job_id is None:
            log.warning("not a calendar job message: %.80r", message.get("Body"))
            if info.max_receives is None:
                await self._delete(message)  # nowhere to dead-letter it
            else:  # back at once, until SQS moves it to the dead-letter queue
                await self._set_visibility(message, 0)
            return
        now = self.clock()
        todos = await self._claim(
            job_id,
            status=JobStatus.STARTED.value,
            started_at=now,
            heartbeat_at=now,
            attempts=receives,
            max_attempts=info.max_receives,
            lease_seconds=info.lease_seconds,
        )
        if todos is None:  # finished already (a duplicate delivery) or no such job
            log.info("job %s is finished or unknown; dropping this delivery", job_id)
            await self._delete(message)
            return
        log.info("job %s started (attempt %s)", job_id, receives)
        built = asyncio.Event()
        heartbeat = asyncio.create_task(self._heartbeat(job_id, message, built))
        try:
            calendar = await asyncio.to_thread(self.build, todos, self.settings.ical_delay_seconds)
        except Exception as exc:
            built.set()
            await heartbeat
            await self._failed(job_id, message, receives, exc)
            return
        finally:
            built.set()  # stopped, not cancelled: never cut off in the middle of a DB write
        await heartbeat
        finished = await self._update(
            job_id,
            status=JobStatus.SUCCESS.value,
            result=calendar,
            finished_at=self.clock(),
            reason=None,
            error=None,
        )
        # committed (or finished by another delivery): now, and only now, the message may go
        await self._delete(message)
        log.info("job %s %s", job_id, "succeeded" if finished else "was already finished")

    async def _failed(
        self, job_id: str, message: dict[str, Any], receives: int, exc: Exception
    ) -> None:
        info = self.info
        assert info is not None
        detail = f"{type(exc).__name__}: {exc}"[:300]
        last = info.max_receives is None or receives >= info.max_receives
        if last:
            await self._update(
                job_id,
                status=JobStatus.FAILURE.value,
                reason=FailureReason.ERROR.value,
                error=detail,
                finished_at=self.clock(),
            )
            log.warning("job %s failed for good after %s attempts: %s", job_id, receives, detail)
            if info.max_receives is None:
                await self._delete(message)
            else:  # visible now: the next receive moves it to the dead-letter queue
                await self._set_visibility(message, 0)
            return
        await self._update(job_id, status=JobStatus.PENDING.value, error=detail)
        delay = retry_delay(
            self.settings.sqs_retry_delay_seconds, receives, info.visibility_timeout
        )
        log.warning("job %s failed (attempt %s, retry in %ss): %s", job_id, receives, delay, detail)
        await self._set_visibility(message, delay)

    async def _heartbeat(self, job_id: str, message: dict[str, Any], done: asyncio.Event) -> None:
        """Keep the message hidden and the row fresh until `done` is set."""
        info = self.info
        assert info is not None
        while True:
            try:
                await asyncio.wait_for(done.wait(), info.heartbeat_seconds)
                return
            except TimeoutError:
                pass
            await self._set_visibility(message, info.visibility_timeout)
            try:
                await self._update(job_id, heartbeat_at=self.clock())
            except Exception as exc:  # a database hiccup must not kill the job
                log.warning("heartbeat for %s not stored (%s)", job_id, exc)

    async def close(self) -> None:
        await self.db.close()


async def in_daemon_thread(func: Callable[..., Any], **kwargs: Any) -> Any:
    """Like `asyncio.to_thread`, but in a daemon thread: a long poll must not hold up exit
    (asyncio.run waits for its executor's threads; nothing waits for a daemon thread)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def run() -> None:
        try:
            result, error = func(**kwargs), None
        except BaseException as exc:
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=run, name="sqs-receive", daemon=True).start()
    return await future


def _job_id(body: str) -> str | None:
    try:
        value = json.loads(body).get("job_id")
    except (ValueError, AttributeError):
        return None
    from taskoverflow.jobs.sqs_models import JOB_ID

    return value if isinstance(value, str) and JOB_ID.fullmatch(value) else None


def run_worker(settings: Settings, *, burst: bool = False) -> None:
    """`taskoverflow worker` with JOB_TRANSPORT=sqs: run until SIGTERM/SIGINT (or drained)."""

    async def main() -> None:
        worker = Worker(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def on_signal() -> None:
            if stop.is_set():
                raise SystemExit(1)  # second signal: leave now (the message comes back)
            log.info("stopping after the current job / poll (signal again to quit now)")
            stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, on_signal)
        try:
            await worker.run(burst=burst, stop=stop)
        finally:
            await worker.close()

    asyncio.run(main())
