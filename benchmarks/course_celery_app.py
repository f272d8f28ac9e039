"""The course's stack for the calendar job, rebuilt for `calendar_jobs.py` to race against.

Flask + Celery with Redis as broker and result backend, as the course's TaskOverflow did: POST
/api/v1/todos/ical reads the todos, `create_ical.delay(...)`, and the status endpoint reports
`AsyncResult(id).state`. The task builds the same calendar as ours (icalendar, same events), so the
race measures the queueing path, not the calendar code.

Run by the benchmark as two processes (env: CELERY_REDIS_URL, COURSE_DB):
  celery -A course_celery_app worker --pool prefork --concurrency 1
  python course_celery_app.py PORT
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

REDIS = os.environ.get("CELERY_REDIS_URL", "redis://127.0.0.1:6379/1")
celery = Celery(__name__, broker=REDIS, backend=REDIS)
celery.conf.update(task_ignore_result=False, broker_connection_retry_on_startup=True)

app = Flask(__name__)


@celery.task(name="ical")
def create_ical(todos: list[dict]) -> str:
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
