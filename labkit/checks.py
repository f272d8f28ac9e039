"""Instant checks for the notebooks' exercises: one line of feedback, never an exception.

An exercise cell (tagged ``exercise``) sets a name; the next cell (tagged ``check``) passes it to a
check here. A check prints exactly one line and returns nothing, so the notebook always runs on:

* ``✓ …`` — right;
* ``✗ …`` — wrong: what was expected, what came, and a hint;
* ``… not done yet: …`` — the student's cell still holds its ``...`` placeholder.

The student edition replaces each solution (between nbgrader's ``### BEGIN SOLUTION`` and
``### END SOLUTION`` markers) with nothing, leaving the placeholder line above it, so a student
edition run unchanged prints "not done yet" for every check and a tutor edition run prints ✓.
Checks are pure functions of the values a notebook passes in: they make no network calls, so
the feedback is instant and the same on the local service and on AWS.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ParamSpec

RIGHT, WRONG, TODO = "✓", "✗", "…"

P = ParamSpec("P")


@dataclass(frozen=True)
class Outcome:
    """The verdict of one check: a mark and one line of text."""

    mark: str
    text: str

    def __str__(self) -> str:
        return f"{self.mark} {self.text}"

    @property
    def ok(self) -> bool:
        return self.mark == RIGHT


def right(text: str) -> Outcome:
    return Outcome(RIGHT, text)


def wrong(text: str, *, expected: object, got: object, hint: str) -> Outcome:
    return Outcome(WRONG, f"{text} — expected {expected}, got {got}. Hint: {hint}")


def not_done(what: str) -> Outcome:
    return Outcome(TODO, f"not done yet: {what}")


def is_placeholder(value: object) -> bool:
    """True for the ``...`` a student has not replaced yet (also inside a list, tuple or dict)."""
    if value is Ellipsis:
        return True
    if isinstance(value, Mapping):
        return any(is_placeholder(v) for v in value.values())
    if isinstance(value, list | tuple | set | frozenset):
        return any(is_placeholder(v) for v in value)
    return False


def check(func: Callable[P, Outcome]) -> Callable[P, None]:
    """Make ``func`` a notebook check: print its one line, and turn a crash into a ✗ line."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            outcome = func(*args, **kwargs)
        except Exception as exc:  # a check must never stop the notebook
            outcome = Outcome(
                WRONG,
                f"the check could not read your answer ({type(exc).__name__}: {exc}). "
                "Hint: run the cells above this one again, then this one.",
            )
        print(outcome)

    run.outcome = func  # type: ignore[attr-defined]  # the pure verdict, for tests
    return run


def _choice(value: Any, choices: tuple[str, ...]) -> str | None:
    """A free-text prediction matched to one of ``choices`` (case and spaces do not matter)."""
    if not isinstance(value, str):
        return None
    wanted = " ".join(value.lower().split())
    return next((c for c in choices if c.lower() == wanted), None)


@check
def prediction_recorded(guess: Any, *, choices: tuple[str, ...]) -> Outcome:
    """The first half of "predict, then run": is the prediction one of the choices?"""
    if is_placeholder(guess):
        return not_done(f"write your prediction, one of {', '.join(map(repr, choices))}")
    picked = _choice(guess, choices)
    if picked is None:
        return wrong(
            "that is not one of the choices",
            expected=" or ".join(map(repr, choices)),
            got=repr(guess),
            hint="copy one of the choices exactly",
        )
    return right(f"noted: you predict {picked!r}. Run the next cell and see.")


@check
def prediction(guess: Any, actual: str, *, choices: tuple[str, ...], why: str) -> Outcome:
    """A "predict, then run" exercise: ``guess`` is the student's, ``actual`` what happened."""
    if is_placeholder(guess):
        return not_done(f"write your prediction, one of {', '.join(map(repr, choices))}")
    picked = _choice(guess, choices)
    if picked is None:
        return wrong(
            "that is not one of the choices",
            expected=" or ".join(map(repr, choices)),
            got=repr(guess),
            hint="copy one of the choices exactly",
        )
    if picked != actual:
        return wrong("not what happened", expected=repr(actual), got=repr(picked), hint=why)
    return right(f"you predicted {picked!r}, and that is what happened: {why}")


# ----- 00 getting started ----------------------------------------------------------------------


# ----- 01 standard queues ----------------------------------------------------------------------


# ----- 02 FIFO queues --------------------------------------------------------------------------


# ----- 03 worker queues with RQ ----------------------------------------------------------------
#: RQ's statuses after which a job never changes again by itself.
RQ_FINAL = ("finished", "failed", "stopped", "canceled")


def _status_text(status: Any) -> Any:
    """RQ's JobStatus enum or its string value: the string either way."""
    return getattr(status, "value", status)


@check
def rq_job_polled(statuses: Any, result: Any, *, expected_result: Any) -> Outcome:
    """03 "write the missing code": enqueue a job, poll it to its end state, read its result."""
    if is_placeholder(statuses) or is_placeholder(result):
        return not_done(
            "enqueue the job, start a worker, poll until it ends: fill `statuses`, `result`"
        )
    if not isinstance(statuses, list | tuple) or not statuses:
        return wrong(
            "`statuses` should be the list of statuses you saw",
            expected="a list such as ['queued', 'started', 'finished']",
            got=repr(statuses),
            hint="append job.get_status() to a list on every poll",
        )
    seen = [_status_text(s) for s in statuses]
    if seen[-1] not in RQ_FINAL:
        return wrong(
            "your loop stopped before the job ended",
            expected=f"a last status among {', '.join(RQ_FINAL)}",
            got=repr(seen[-1]),
            hint="keep polling while the status is 'queued' or 'started' (is a worker running?)",
        )
    if any(s in RQ_FINAL for s in seen[:-1]):
        return wrong(
            "your loop went on polling after the job had ended",
            expected="the end status only once, as the last one",
            got=" → ".join(map(str, seen)),
            hint="stop the loop as soon as the status is finished or failed",
        )
    if seen[-1] != "finished":
        return wrong(
            "the job did not finish",
            expected="'finished'",
            got=repr(seen[-1]),
            hint="read job.exc_info for the reason; enqueue jobs_demo.count_words with a sentence",
        )
    if result != expected_result:
        return wrong(
            "the job finished, but `result` is not what it returned",
            expected=repr(expected_result),
            got=repr(result),
            hint="after it finished, result = job.return_value() (fetch the job again first)",
        )
    return right(
        f"the job ended 'finished' and returned {result!r}: you polled it to its end state"
    )


@check
def job_timeout_fixed(fixed_timeout: Any, status: Any, *, work_seconds: float) -> Outcome:
    """03 "fix this": a job timeout long enough for the job, and the job then finished."""
    if is_placeholder(fixed_timeout):
        return not_done(
            f"choose a job timeout (whole seconds) for a job that works {work_seconds:g} s"
        )
    if isinstance(fixed_timeout, bool) or not isinstance(fixed_timeout, int | float):
        return wrong(
            "a job timeout is a number of seconds",
            expected="a number",
            got=repr(fixed_timeout),
            hint="job_timeout=3 means the worker stops the job after 3 s",
        )
    if fixed_timeout <= work_seconds:
        return wrong(
            "the job needs longer than that",
            expected=f"more than {work_seconds:g} s",
            got=f"{fixed_timeout:g} s",
            hint="the worker stops a job when its timeout runs out, finished or not",
        )
    if _status_text(status) != "finished":
        return wrong(
            "the job still did not finish",
            expected="'finished'",
            got=repr(_status_text(status)),
            hint="RQ counts the timeout in whole seconds: round up",
        )
    return right(
        f"the job finished inside its {fixed_timeout:g} s timeout. Keep the timeout a little above "
        "the longest normal run: a stuck job is then still stopped, just later"
    )


# ----- 04 TaskOverflow's calendar --------------------------------------------------------------
#: The task statuses the TaskOverflow API reports (DESIGN §6), and the two a job ends in.
API_STATUSES = ("PENDING", "STARTED", "SUCCESS", "FAILURE")
API_FINAL = ("SUCCESS", "FAILURE")


def _calendar_summaries(text: str) -> list[str]:
    """The SUMMARY of every VEVENT in an iCalendar text (parsed with icalendar)."""
    import icalendar

    calendar = icalendar.Calendar.from_ical(text)
    return [str(event.get("SUMMARY", "")) for event in calendar.walk("VEVENT")]


@check
def calendar_client(statuses: Any, calendar_text: Any, *, dated_titles: list[str]) -> Outcome:
    """04 "write the missing code": POST, poll the task_url to its end, download the calendar.

    ``dated_titles`` are the titles of the todos with a deadline when the job was asked for.
    """
    if is_placeholder(statuses) or is_placeholder(calendar_text):
        return not_done("POST /todos/ical, poll task_url, download result_url: fill both names")
    if not isinstance(statuses, list | tuple) or not statuses:
        return wrong(
            "`statuses` should be the list of task_status values you saw",
            expected="a list such as ['PENDING', 'STARTED', 'SUCCESS']",
            got=repr(statuses),
            hint="append response.json()['task_status'] on every poll",
        )
    unknown = [s for s in statuses if s not in API_STATUSES]
    if unknown:
        return wrong(
            "those are not task statuses",
            expected=" / ".join(API_STATUSES),
            got=repr(unknown[0]),
            hint="read the 'task_status' key of the status body",
        )
    if statuses[-1] not in API_FINAL or any(s in API_FINAL for s in statuses[:-1]):
        return wrong(
            "poll until the job ends, and stop there",
            expected="SUCCESS or FAILURE once, as the last status",
            got=" → ".join(statuses),
            hint="loop while task_status is PENDING or STARTED",
        )
    if statuses[-1] != "SUCCESS":
        return wrong(
            "the job failed",
            expected="'SUCCESS'",
            got="'FAILURE'",
            hint="the status body's 'reason' and 'detail' say why; is the worker running?",
        )
    if isinstance(calendar_text, bytes):
        calendar_text = calendar_text.decode("utf-8", "replace")
    if not isinstance(calendar_text, str) or not calendar_text.startswith("BEGIN:VCALENDAR"):
        return wrong(
            "`calendar_text` is not an iCalendar file",
            expected="text starting with BEGIN:VCALENDAR",
            got=repr(calendar_text)[:60],
            hint="GET the status body's result_url and keep response.text",
        )
    summaries = _calendar_summaries(calendar_text)
    if sorted(summaries) != sorted(dated_titles):
        return wrong(
            "the calendar does not hold one event per todo with a deadline",
            expected=f"{len(dated_titles)} events",
            got=f"{len(summaries)} events",
            hint="download the calendar of the job you polled (its result_url), after SUCCESS",
        )
    return right(
        f"polled to SUCCESS and downloaded a VCALENDAR with {len(summaries)} events, "
        "one per todo with a deadline"
    )


@check
def deadline_with_zone(todo: Any, *, stored_utc: str, wall_clock: str) -> Outcome:
    """04 "fix this": a deadline meant in a zone must say so, and is then stored as UTC."""
    if is_placeholder(todo):
        return not_done("give the deadline its zone (ISO 8601, e.g. +10:00) and run the cell")
    stored = todo.get("deadline_at") if isinstance(todo, Mapping) else None
    if stored != stored_utc:
        return wrong(
            "the API did not store the instant you meant",
            expected=stored_utc,
            got=repr(stored),
            hint=f"write {wall_clock} with its UTC offset: without one the API reads it as UTC",
        )
    return right(
        f"stored as {stored_utc} UTC — the same instant as {wall_clock}; the calendar "
        "writes it with Z, so every calendar app shows it at the right local time"
    )


# ----- 05 deploying with SQS -------------------------------------------------------------------
