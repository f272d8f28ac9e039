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


def _same_url(a: str, b: str) -> bool:
    return a.strip().rstrip("/").lower() == b.strip().rstrip("/").lower()


@check
def sqs_endpoint(url: Any, *, expected: str) -> Outcome:
    """00: the SQS service's URL, read from ``labkit status`` (``expected``: where boto3 goes)."""
    if is_placeholder(url):
        return not_done("copy the sqs service's URL from the status table")
    if not isinstance(url, str):
        return wrong(
            "that is not a URL",
            expected="a string like 'http://127.0.0.1:9324'",
            got=type(url).__name__,
            hint="the status report's value for services → sqs → url is a string",
        )
    if not _same_url(url, expected):
        return wrong(
            "boto3 does not send SQS calls there",
            expected=repr(expected),
            got=repr(url),
            hint="take the URL on the `sqs` row (not redis's or taskoverflow's)",
        )
    return right(
        "that is where boto3 sends SQS calls: AWS_ENDPOINT_URL_SQS points it there instead of AWS"
    )


@check
def first_message(message: Any, *, sent: str) -> Outcome:
    """00: ``message`` is the dict ``receive_message`` returned for the body the student ``sent``."""
    if is_placeholder(message):
        return not_done("send one message, receive it and keep it in `message`")
    if isinstance(message, dict) and "Messages" in message:
        return wrong(
            "that is the whole response, not one message",
            expected="one item of response['Messages']",
            got="the response",
            hint="take response['Messages'][0]",
        )
    if not isinstance(message, dict) or "Body" not in message:
        return wrong(
            "that is not a received message",
            expected="a dict with 'Body' and 'ReceiptHandle'",
            got=type(message).__name__,
            hint="receive_message returns {'Messages': [{'Body': …, 'ReceiptHandle': …}, …]}",
        )
    if message["Body"] != sent:
        return wrong(
            "a different message came back",
            expected=repr(sent),
            got=repr(message["Body"]),
            hint="send exactly the body you were given, then receive",
        )
    if not message.get("ReceiptHandle"):
        return wrong(
            "the message has no receipt handle",
            expected="a 'ReceiptHandle'",
            got="none",
            hint="pass on the message dict exactly as receive_message returned it",
        )
    return right(
        f"{sent!r} went to the queue and came back; its ReceiptHandle is what delete_message needs"
    )


# ----- 01 standard queues ----------------------------------------------------------------------


# ----- 02 FIFO queues --------------------------------------------------------------------------


# ----- 03 worker queues with RQ ----------------------------------------------------------------


# ----- 04 TaskOverflow's calendar --------------------------------------------------------------


# ----- 05 deploying with SQS -------------------------------------------------------------------
