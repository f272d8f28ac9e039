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

__all__ = [
    "RIGHT",
    "TODO",
    "WRONG",
    "Outcome",
    "calendar_client",
    "check",
    "deadline_with_zone",
    "failed_jobs",
    "first_message",
    "idle_polling",
    "is_placeholder",
    "job_timeout_fixed",
    "not_done",
    "poison_reaches_dlq",
    "prediction",
    "prediction_recorded",
    "receive_loop",
    "resent_messages_arrived",
    "right",
    "rq_job_polled",
    "sqs_endpoint",
    "visibility_covers_job",
    "visibility_fix",
    "worker_step_order",
    "wrong",
]

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


def _numbers(bodies: list[Any] | tuple[Any, ...]) -> list[int | None]:
    from labkit.queue_demo import parse_number  # lazily: boto3 is not needed to judge an answer

    return [parse_number(b) if isinstance(b, str) else None for b in bodies]


@check
def resent_messages_arrived(arrived: Any, *, messages: int) -> Outcome:
    """02, "write the missing code": a FIFO re-send of the same bodies that does arrive.

    ``arrived`` is the bodies the student's receive got, in arrival order. Right when every
    ``Message 0`` … ``Message N-1`` (any prefix) came exactly once, in order.
    """
    if is_placeholder(arrived):
        return not_done(
            f"re-send the {messages} messages so they arrive; put the bodies in `arrived`"
        )
    if not isinstance(arrived, list | tuple):
        return wrong(
            "`arrived` should be a list of bodies",
            expected="a list like ['Message 0', 'Message 1', …]",
            got=type(arrived).__name__,
            hint="collect m['Body'] of every message your receive loop got",
        )
    if not arrived:
        return wrong(
            "nothing arrived",
            expected=f"{messages} messages",
            got=0,
            hint="the queue drops a message whose de-duplication id it saw in the last 5 minutes: "
            "pass a new MessageDeduplicationId per message, or change the bodies (a prefix)",
        )
    numbers = _numbers(arrived)
    expected = list(range(messages))
    if numbers == expected:
        return right(
            f"all {messages} arrived, in order: with a new de-duplication id each is a new message"
        )
    got = sorted(n for n in set(numbers) if n is not None)
    if got == expected and len(numbers) == messages:
        return wrong(
            "all arrived but not in order",
            expected=f"Message 0 … Message {messages - 1} in order",
            got=f"{numbers[:5]}…",
            hint="send every message with the same MessageGroupId: order is kept within a group",
        )
    if len(numbers) > len(set(numbers)):
        return wrong(
            "some arrived twice",
            expected=f"{messages} distinct messages",
            got=f"{len(numbers)} deliveries of {len(set(numbers))} messages",
            hint="delete each message after receiving it, and send each body once",
        )
    return wrong(
        "not all arrived",
        expected=f"{messages} messages",
        got=len(numbers),
        hint="each message needs its own de-duplication id: one id shared by all sends "
        "delivers only the first",
    )


@check
def visibility_covers_job(visibility: Any, deliveries: Any, *, job_seconds: float) -> Outcome:
    """02, "fix this": a visibility timeout long enough that a slow job gets no duplicate.

    ``deliveries`` is what the experiment saw: ``(second, consumer, receive_count)`` per
    delivery of the one message, consumer "A" doing the job and "B" polling meanwhile.
    """
    if is_placeholder(visibility):
        return not_done(f"choose a visibility timeout (seconds) for a {job_seconds:g}-second job")
    if isinstance(visibility, bool) or not isinstance(visibility, int | float):
        return wrong(
            "the visibility timeout is a number of seconds",
            expected="a whole number such as 45",
            got=repr(visibility),
            hint="SQS takes 0 to 43,200 seconds (12 hours)",
        )
    if is_placeholder(deliveries) or not deliveries:
        return wrong(
            "the experiment did not run",
            expected="consumer A's delivery",
            got=repr(deliveries),
            hint="run the cell again: it sends one message and lets A and B poll",
        )
    others = [d for d in deliveries if d[1] != "A"]
    if others:
        second = others[0][0]
        hint = (
            f"the message is hidden for {visibility:g} s after a receive, the job takes "
            f"{job_seconds:g} s: choose a timeout longer than the job"
        )
        if visibility > job_seconds:  # longer, but the calls' own time ran past it
            hint = (
                f"{visibility:g} s is longer than the {job_seconds:g}-second job, but only just: "
                "the job plus the time the calls take ran past it — leave a margin"
            )
        return wrong(
            f"consumer B got the message at {second:g} s while A was still working on it",
            expected="1 delivery (to A)",
            got=f"{len(deliveries)} deliveries",
            hint=hint,
        )
    return right(
        f"one delivery: hidden for {visibility:g} s, longer than the {job_seconds:g}-second job "
        "(keep it near the job's time: after a crash the retry waits that long)"
    )


def _policy(value: Any) -> Mapping[str, Any] | None:
    """A redrive policy given as a dict or as the JSON text SQS stores."""
    import json  # here, not at the top: keeps this notebook's section self-contained for merging

    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, Mapping) else None


@check
def poison_reaches_dlq(redrive_policy: Any, outcome: Any, *, max_receives: int) -> Outcome:
    """02: a redrive policy that moves a poison message to the dead-letter queue after N receives.

    ``outcome`` is the experiment's record: ``error`` (SQS's refusal, or None), ``dead`` (the
    bodies found in the DLQ) and ``poison_receives`` (how often the poison message was received).
    """
    if is_placeholder(redrive_policy):
        return not_done(
            f"write the redrive policy that moves a message after {max_receives} receives"
        )
    policy = _policy(redrive_policy)
    if policy is None or not {"deadLetterTargetArn", "maxReceiveCount"} <= set(policy):
        return wrong(
            "a redrive policy has two keys",
            expected="{'deadLetterTargetArn': dlq_arn, 'maxReceiveCount': N}",
            got=repr(redrive_policy),
            hint="the keys are spelt exactly so; the ARN is the DLQ's (`dlq_arn`)",
        )
    if is_placeholder(outcome) or not isinstance(outcome, Mapping):
        return wrong(
            "the experiment did not run",
            expected="the consumer's record",
            got=repr(outcome),
            hint="run the cell again",
        )
    if outcome.get("error"):
        return wrong(
            "SQS refused the policy",
            expected="a queue created with your RedrivePolicy",
            got=outcome["error"],
            hint="maxReceiveCount is a whole number ≥ 1; deadLetterTargetArn is `dlq_arn`",
        )
    receives = outcome.get("poison_receives")
    if not outcome.get("dead"):
        return wrong(
            "the poison message never reached the dead-letter queue",
            expected=f"it moved after {max_receives} receives",
            got=f"received {receives} times and still in the queue",
            hint="is deadLetterTargetArn the ARN of the dead-letter queue (`dlq_arn`)?",
        )
    if receives != max_receives:
        return wrong(
            f"the poison message was moved after {receives} receives",
            expected=max_receives,
            got=receives,
            hint="maxReceiveCount is how many receives a message gets before it is moved",
        )
    return right(
        f"received {receives} times, never deleted, then moved to the dead-letter queue — "
        "and the orders behind it went on"
    )


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
#: The task statuses the TaskOverflow API reports (its calendar-job contract), and the two a job ends in.
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
