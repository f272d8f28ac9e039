"""The calendar job: a snapshot of todos -> an RFC 5545 iCalendar file.

`build_calendar` is pure (todos + a fallback stamp -> bytes); `create_ical` is the
job function workers run: it waits the demo delay, then builds. icalendar does the RFC work
(CRLF, folding at 75 octets, TEXT escaping incl. newlines so a title cannot close its
event); we only drop the control characters TEXT may not hold, and keep per-event work
to what icalendar itself needs so a 10,000-todo calendar costs about what icalendar costs.

DTSTART is the deadline as a UTC time (`...Z`), never a floating local time: the API
converts a deadline given with a zone to UTC and stores it without one, so a floating DTSTART
would show `2026-03-02T09:00+10:00` as 23:00 on 1 March in a Brisbane calendar — 10 h off. A
naive deadline is therefore UTC; an aware one is converted. DTSTAMP is UTC as RFC 5545 requires.

DTSTAMP is the todo's ``updated_at``, not the time the job ran: our calendar has no METHOD
property, and for such an object RFC 5545 §3.8.7.2 defines DTSTAMP as when the component's
information was last revised. So the same todos give the same calendar on every run. A snapshot
without ``updated_at`` (a job queued by an older version) is stamped with the job's time instead.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar, Event

# the payload lives apart so the API, which only makes payloads, never imports icalendar
from taskoverflow.tasks.snapshot import TodoSnapshot

PRODID = "-//Taskoverflow Calendar//mxm.dk//"


def todo_uid(todo_id: int) -> str:
    """Stable per todo: re-generating the calendar updates events instead of duplicating them."""
    return f"todo-{todo_id}@taskoverflow"


# TEXT (RFC 5545 §3.3.11) allows no CONTROL characters but HTAB; CR/LF are escaped by icalendar.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: str | None) -> str:
    if not value:
        return ""
    return _FORBIDDEN.sub("", value) if _FORBIDDEN.search(value) else value


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime; a naive one is taken to be UTC already (as stored)."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _moment(value: datetime | str) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def build_calendar(todos: Iterable[Mapping[str, Any]], now: datetime) -> bytes:
    """One VEVENT per todo with a deadline (others skipped), all times in UTC; each event is
    stamped with its todo's ``updated_at``, or with ``now`` when the snapshot has none."""
    fallback_stamp = as_utc(now)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    for todo in todos:
        deadline = todo.get("deadline_at")
        if deadline is None:
            continue
        revised = todo.get("updated_at")
        event = Event()
        event.add("uid", todo_uid(todo["id"]))
        event.add("dtstamp", as_utc(_moment(revised)) if revised else fallback_stamp)
        event.add("summary", _text(todo.get("title")))
        event.add("description", _text(todo.get("description")))
        event.add("dtstart", as_utc(_moment(deadline)))
        cal.add_component(event)
    calendar: bytes = cal.to_ical()  # icalendar ships no type information
    return calendar


def default_delay() -> float:
    """`ICAL_DELAY_SECONDS` (default 5): makes PENDING -> STARTED -> SUCCESS visible in demos."""
    from taskoverflow.config import Settings  # the job's only setting, read where it is declared

    return Settings.load().ical_delay_seconds


def create_ical(
    todos: list[TodoSnapshot],
    delay_seconds: float | None = None,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
) -> bytes:
    """The job function: wait the (artificial) delay, then build the calendar."""
    delay = default_delay() if delay_seconds is None else delay_seconds
    if delay > 0:
        sleep(delay)
    return build_calendar(todos, clock())
