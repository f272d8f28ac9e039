"""The course's calendar service: Flask routes, a Celery task, Redis as broker and result backend.

As in the course's TaskOverflow: `POST /api/v1/todos/ical` reads every todo, calls
`create_ical.delay(todos)` and answers 202 with the task's id and status URL; the status route
reports `AsyncResult(id).state`; the result route serves the calendar once the state is SUCCESS.
The task builds the calendar with `icalendar`, one event per todo with a deadline, its DTSTART a
floating local time as the course wrote it (ours writes UTC, see `taskoverflow.tasks.ical`).

Settings come from the environment, as the course's docker-compose file set them:
`CELERY_BROKER_URL` and `CELERY_RESULT_BACKEND` (both a Redis URL — our `REDIS_URL` is one URL for
both), `COURSE_DB` (an SQLite file of todos, filled with `seed`). `task_track_started` is left at
Celery's default, off, as in the course: a client sees PENDING until the task ends.

Run as two processes (what `benchmarks/calendar_jobs.py` does):
    celery -A course.celery_calendar worker --pool solo
    python -m course.celery_calendar PORT
"""

from __future__ import annotations

import os
import sqlite3
import sys
from datetime import UTC, datetime

from celery import Celery
from celery.result import AsyncResult
from flask import Flask, Response, jsonify, url_for
from icalendar import Calendar, Event

BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/0")
RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", BROKER_URL)

celery = Celery(__name__, broker=BROKER_URL, backend=RESULT_BACKEND)
celery.conf.update(task_ignore_result=False, broker_connection_retry_on_startup=True)

app = Flask(__name__)


@celery.task(name="ical")
def create_ical(todos: list[dict]) -> str:
    """The Celery task: todos (plain dicts) -> the calendar as text."""
    cal = Calendar()
    cal.add("prodid", "-//Taskoverflow Calendar//mxm.dk//")
    cal.add("version", "2.0")
    stamp = datetime.now(UTC)
    for todo in todos:
        if todo["deadline_at"] is None:
            continue
        event = Event()
        event.add("uid", f"todo-{todo['id']}@taskoverflow")
        event.add("dtstamp", stamp)
        event.add("summary", todo["title"])
        event.add("description", todo["description"] or "")
        event.add("dtstart", datetime.fromisoformat(todo["deadline_at"]))
        cal.add_component(event)
    return cal.to_ical().decode()


def _todos() -> list[dict]:
    with sqlite3.connect(os.environ["COURSE_DB"]) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT id, title, description, deadline_at FROM todos ORDER BY id")
        return [dict(row) for row in rows]


@app.post("/api/v1/todos/ical")
def ical_create():
    task = create_ical.delay(_todos())
    url = url_for("ical_status", task_id=task.id, _external=True)
    return jsonify(task_id=task.id, task_url=url), 202


@app.get("/api/v1/todos/ical/<task_id>/status")
def ical_status(task_id: str):
    task = AsyncResult(task_id, app=celery)
    url = url_for("ical_result", task_id=task_id, _external=True)
    return jsonify(task_id=task_id, task_status=task.state, result_url=url)


@app.get("/api/v1/todos/ical/<task_id>/result")
def ical_result(task_id: str):
    task = AsyncResult(task_id, app=celery)
    if task.state != "SUCCESS":
        return jsonify(error="Task not finished"), 404
    return Response(task.result, mimetype="text/calendar")


@app.get("/api/v1/health")
def health():
    return jsonify(status="ok")


def seed(db_path: str, todos: list[dict]) -> None:
    """Create the todos table in ``db_path`` (if needed) and insert ``todos``."""
    with sqlite3.connect(db_path) as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS todos "
            "(id INTEGER PRIMARY KEY, title TEXT, description TEXT, deadline_at TEXT)"
        )
        db.executemany(
            "INSERT INTO todos (id, title, description, deadline_at) VALUES (?, ?, ?, ?)",
            [(t["id"], t["title"], t["description"], t["deadline_at"]) for t in todos],
        )


if __name__ == "__main__":
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True)
