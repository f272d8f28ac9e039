"""Calendar jobs: enqueue, poll, download — the same responses whatever `JobTransport` is used."""

from __future__ import annotations

import math

from quart import Blueprint, Response, url_for
from quart.typing import ResponseReturnValue
from quart_schema import document_response, tag_blueprint
from sqlalchemy import select

from taskoverflow.db import Todo
from taskoverflow.errors import ApiError, error
from taskoverflow.jobs import JobStatus
from taskoverflow.schemas import Error, TaskCreated, TaskStatus
from taskoverflow.state import state
from taskoverflow.tasks.snapshot import snapshot

bp = Blueprint("ical", __name__, url_prefix="/api/v1")
tag_blueprint(bp, ["calendar"])


def _unknown(task_id: str) -> ApiError:
    return ApiError(404, f"task {task_id[:64]!r} not found")


def retry_after(delay_seconds: float) -> int:
    """Seconds a client should wait before asking again: about one job's time, 1-60 s."""
    return max(1, min(60, math.ceil(delay_seconds) or 1))


@bp.post("/todos/ical")
@document_response(TaskCreated, 202)
@document_response(Error, 429)
@document_response(Error, 503)
async def create_calendar() -> ResponseReturnValue:
    """Snapshot every todo now and queue a job that turns them into an iCalendar file.

    Refused with 429 (and Retry-After) when `ICAL_MAX_BACKLOG` jobs already wait (0: no bound): a
    client that floods the queue must not make every student's next click wait behind thousands
    of jobs. (Check, then enqueue: concurrent requests may overshoot the bound by a few.)"""
    st = state()
    limit = st.settings.ical_max_backlog
    waiting = await st.transport.backlog() if limit else 0
    if limit and waiting >= limit:
        seconds = retry_after(st.settings.ical_delay_seconds)
        body, status = error(
            429, f"too many calendar jobs waiting ({waiting}, limit {limit}); retry in {seconds} s"
        )
        return body, status, {"Retry-After": str(seconds)}
    async with st.db.session() as session:
        todos = [snapshot(t) for t in (await session.scalars(select(Todo).order_by(Todo.id)))]
    task_id = await st.transport.enqueue(todos)
    task_url = url_for("ical.task_status", task_id=task_id, _external=True)
    return {"task_id": task_id, "task_url": task_url}, 202


@bp.get("/todos/ical/<task_id>/status")
@document_response(TaskStatus, 200)
@document_response(Error, 404)
@document_response(Error, 503)
async def task_status(task_id: str) -> ResponseReturnValue:
    job = await state().transport.status(task_id)
    if job is None:
        raise _unknown(task_id)
    body: dict[str, str | None] = {
        "task_id": task_id,
        "task_status": job.status.value,
        "result_url": url_for("ical.task_result", task_id=task_id, _external=True),
    }
    if job.status is JobStatus.FAILURE:
        body["reason"] = job.reason.value if job.reason else "error"
        body["detail"] = job.detail
    return body, 200


@bp.get("/todos/ical/<task_id>/result")
@document_response(Error, 404)
@document_response(Error, 503)
async def task_result(task_id: str) -> ResponseReturnValue:
    """200 text/calendar once the job is SUCCESS; 404 before that (and for unknown ids)."""
    transport = state().transport
    calendar = await transport.result(task_id)
    if calendar is not None:
        return Response(
            calendar,
            status=200,
            content_type="text/calendar; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="todos.ics"'},
        )
    if await transport.status(task_id) is None:
        raise _unknown(task_id)
    raise ApiError(404, "Task not finished")
