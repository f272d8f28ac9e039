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


def _body(item: Any) -> Any:
    """A delivery as its body: students may collect bodies or whole boto3 message dicts."""
    return item.get("Body") if isinstance(item, Mapping) else item


@check
def receive_loop(received: Any, *, sent: int, left: int) -> Outcome:
    """01, "write the missing code": the receive → process → delete loop got all ``sent`` messages.

    ``received`` is what the student's loop collected (bodies, or the message dicts), ``left`` the
    messages still in the queue afterwards (waiting + in flight): 0 only if every one was deleted.
    """
    from labkit.queue_demo import parse_number  # the demo's body format, declared once there

    if is_placeholder(received):
        return not_done("write the loop that fills `received` with the bodies it got")
    if isinstance(received, str | bytes | Mapping) or not hasattr(received, "__iter__"):
        return wrong(
            "`received` should be a list of message bodies",
            expected="a list like ['Message 3', 'Message 0', …]",
            got=type(received).__name__,
            hint="start with `received = []` and append each message's Body inside the loop",
        )
    bodies = [_body(item) for item in received]
    numbers = [parse_number(b) for b in bodies if isinstance(b, str)]
    distinct = {n for n in numbers if n is not None}
    missing = sorted(set(range(sent)) - distinct)
    if missing:
        shown = ", ".join(map(str, missing[:5])) + (" …" if len(missing) > 5 else "")
        return wrong(
            "some messages never reached your loop",
            expected=f"all {sent} numbers 0–{sent - 1}",
            got=f"{len(distinct & set(range(sent)))} of them ({len(missing)} missing: {shown})",
            hint="receive until a long poll (WaitTimeSeconds ≥ 1) comes back empty — a short poll "
            "(WaitTimeSeconds=0) can come back empty while messages are still waiting",
        )
    if left:
        return wrong(
            "not every message was deleted",
            expected="0 messages left in the queue",
            got=f"{left} left (waiting or in flight)",
            hint="after processing a message, call delete_message with its ReceiptHandle; an "
            "undeleted message becomes visible again when its visibility timeout ends",
        )
    extra = len(bodies) - len(distinct)
    again = (
        f"{extra} duplicate deliver{'y' if extra == 1 else 'ies'}, which at-least-once delivery allows"
        if extra
        else "no duplicates"
    )
    return right(
        f"all {sent} messages received and deleted, the queue is empty "
        f"({len(bodies)} deliveries: {again})"
    )


@check
def idle_polling(wait_seconds: Any, replies: Any) -> Outcome:
    """01, "fix this": a subscriber waiting on an idle queue long-polls instead of paying for
    empty short polls. ``replies`` holds one ``(seconds since start, messages in reply)`` per
    ReceiveMessage call of the run made with ``wait_seconds``."""
    if is_placeholder(wait_seconds) or is_placeholder(replies):
        return not_done("set `wait_seconds` and run the cell")
    calls = len(replies)
    empty = sum(1 for _, count in replies if not count)
    if not any(count for _, count in replies):
        return wrong(
            "the message never arrived",
            expected="a last reply holding the message",
            got=f"{calls} replies, all empty",
            hint="run the cell again from the top of this section",
        )
    if wait_seconds == 0:
        return wrong(
            "still short polling",
            expected="WaitTimeSeconds between 1 and 20",
            got=f"0, which made {empty} empty (billed) receives",
            hint="a wait time above 0 turns on long polling: SQS holds the request open until a "
            "message arrives or the wait ends (20 s is the longest and the usual choice)",
        )
    return right(
        f"long polling (WaitTimeSeconds={wait_seconds}): {calls} ReceiveMessage "
        f"request{'s' * (calls != 1)}, {empty} empty — SQS answered as soon as the message arrived"
    )


# ----- 02 FIFO queues --------------------------------------------------------------------------


# ----- 03 worker queues with RQ ----------------------------------------------------------------


# ----- 04 TaskOverflow's calendar --------------------------------------------------------------


# ----- 05 deploying with SQS -------------------------------------------------------------------
