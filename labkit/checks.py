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


# ----- 04 TaskOverflow's calendar --------------------------------------------------------------


# ----- 05 deploying with SQS -------------------------------------------------------------------
#: The SQS worker's steps for one job, in the only order that loses nothing when it dies.
WORKER_STEPS = (
    "receive the message",
    "mark the row STARTED",
    "build the calendar",
    "commit SUCCESS and the calendar",
    "delete the message",
)


@check
def worker_step_order(steps: Any) -> Outcome:
    """The receive → process → delete-after-commit order of an SQS worker with state in a DB."""
    if is_placeholder(steps):
        return not_done("put the five steps in the order the worker must take them")
    if not isinstance(steps, list | tuple) or sorted(map(str, steps)) != sorted(WORKER_STEPS):
        return wrong(
            "use each of the five steps exactly once",
            expected=f"a list of the {len(WORKER_STEPS)} steps",
            got=repr(steps),
            hint="copy the strings from the list above and only change their order",
        )
    order = list(steps)
    if order == list(WORKER_STEPS):
        return right(
            "receive, mark STARTED, build, commit, and only then delete: a worker that dies at any "
            "point leaves the message in the queue, and SQS hands it out again."
        )
    at = {step: order.index(step) for step in order}
    if at["delete the message"] < at["commit SUCCESS and the calendar"]:
        hint = (
            "a worker that dies between deleting the message and committing the result loses "
            "the job for good: nothing will ever bring the message back"
        )
    elif order[0] != "receive the message":
        hint = "the worker learns which job to run only from the message it receives"
    elif at["build the calendar"] < at["mark the row STARTED"]:
        hint = "mark the row STARTED before the slow part, so a client polling /status sees it"
    else:
        hint = "the result must be committed before anything else happens to the message"
    return wrong(
        "a crash could lose or confuse this job", expected=list(WORKER_STEPS), got=order, hint=hint
    )


@check
def visibility_fix(visibility_timeout: Any, runs: Any, *, work_seconds: float) -> Outcome:
    """ "Fix this": a visibility timeout long enough that a slow job is not delivered twice."""
    if is_placeholder(visibility_timeout) or is_placeholder(runs):
        return not_done(f"choose a visibility timeout for a job that takes {work_seconds:g} s")
    if isinstance(visibility_timeout, bool) or not isinstance(visibility_timeout, int):
        return wrong(
            "SQS takes the visibility timeout in whole seconds",
            expected="an int between 0 and 43,200",
            got=repr(visibility_timeout),
            hint="round up: a timeout that ends before the job does is the bug",
        )
    if visibility_timeout <= work_seconds:
        return wrong(
            f"a {visibility_timeout}-s timeout still ends before the {work_seconds:g}-s job does",
            expected=f"more than {work_seconds:g} s",
            got=f"{visibility_timeout} s, and the job ran {runs} time(s)",
            hint="while the first consumer works, the message turns visible again and the "
            "second consumer receives it too",
        )
    if runs != 1:
        return wrong(
            "the job did not run exactly once",
            expected=1,
            got=runs,
            hint="run the cell again: the queue's VisibilityTimeout is set from your value",
        )
    return right(
        f"with {visibility_timeout} s of invisibility the {work_seconds:g}-s job ran once. A worker "
        "whose jobs vary in length extends the timeout while it works instead (a heartbeat)."
    )


@check
def failed_jobs(rows: Any, *, poison_id: str, attempts: int) -> Outcome:
    """ "Write the missing code": the SQL query that lists failed jobs with attempts and error."""
    if is_placeholder(rows):
        return not_done("query calendar_jobs for the jobs whose status is FAILURE")
    if rows is None or not isinstance(rows, list | tuple):
        return wrong(
            "that is not a list of rows",
            expected="a list of (id, attempts, error) tuples",
            got=type(rows).__name__,
            hint="end the query with .fetchall()",
        )
    ids = [row[0] for row in rows]
    if ids != [poison_id]:
        return wrong(
            "not just the failed job",
            expected="1 row: the poison job",
            got=f"{len(rows)} row(s)" + (" (not the poison job)" if poison_id not in ids else ""),
            hint="filter with WHERE status = 'FAILURE'",
        )
    row = rows[0]
    if len(row) != 3 or row[1] != attempts:
        return wrong(
            "the columns are not (id, attempts, error)",
            expected=f"({poison_id[:8]}…, {attempts}, 'the error')",
            got=f"{len(row)} column(s)" + (f", attempts {row[1]!r}" if len(row) > 1 else ""),
            hint="SELECT id, attempts, error FROM calendar_jobs WHERE …",
        )
    return right(
        f"one failed job, tried {attempts} times — the queue's maxReceiveCount — "
        "with the reason kept in its row."
    )
