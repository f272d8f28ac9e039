"""The checks of notebook 04 (TaskOverflow's calendar): right, wrong and not done, each one line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from taskoverflow.tasks.ical import build_calendar

from labkit import checks

client = checks.calendar_client.outcome
zone = checks.deadline_with_zone.outcome
TODOS = [
    {"id": 1, "title": "Write the report", "deadline_at": "2026-12-01T09:00:00"},
    {"id": 2, "title": "Buy coffee", "deadline_at": None},
    {"id": 3, "title": "Standup", "deadline_at": "2026-03-01T23:00:00"},
]
DATED = ["Write the report", "Standup"]
ICS = build_calendar(TODOS, datetime(2026, 3, 1, tzinfo=UTC)).decode()


def test_polled_to_success_and_downloaded_the_calendar_is_right():
    outcome = client(["PENDING", "STARTED", "SUCCESS"], ICS, dated_titles=DATED)
    assert outcome.ok and "2 events" in outcome.text
    assert client(["SUCCESS"], ICS.encode(), dated_titles=DATED).ok  # bytes are fine too


@pytest.mark.parametrize(
    ("statuses", "text", "says"),
    [
        ([], ICS, "list of task_status"),
        (["queued", "finished"], ICS, "not task statuses"),
        (["PENDING", "STARTED"], ICS, "poll until the job ends"),
        (["SUCCESS", "SUCCESS"], ICS, "poll until the job ends"),
        (["PENDING", "FAILURE"], ICS, "the job failed"),
        (["SUCCESS"], '{"task_status": "SUCCESS"}', "not an iCalendar file"),
        (["SUCCESS"], None, "not an iCalendar file"),
        (
            ["SUCCESS"],
            build_calendar(TODOS[:1], datetime(2026, 3, 1, tzinfo=UTC)).decode(),
            "one event per todo",
        ),
    ],
)
def test_client_wrong_answers(statuses, text, says):
    outcome = client(statuses, text, dated_titles=DATED)
    assert outcome.mark == checks.WRONG and says in outcome.text and "Hint:" in outcome.text


def test_client_placeholders_are_not_done():
    assert client(..., ..., dated_titles=DATED).mark == checks.TODO
    assert client(["SUCCESS"], ..., dated_titles=DATED).mark == checks.TODO


def test_deadline_with_its_zone_is_right_and_without_is_wrong():
    kwargs = {"stored_utc": "2026-03-01T23:00:00", "wall_clock": "9:00 in Brisbane"}
    assert zone({"deadline_at": "2026-03-01T23:00:00"}, **kwargs).ok
    wrong = zone({"deadline_at": "2026-03-02T09:00:00"}, **kwargs)
    assert wrong.mark == checks.WRONG and "2026-03-01T23:00:00" in wrong.text
    assert zone({"error": "bad deadline"}, **kwargs).mark == checks.WRONG
    assert zone(..., **kwargs).mark == checks.TODO


def test_a_crash_inside_a_check_is_a_wrong_line_not_an_exception(capsys):
    checks.calendar_client(["SUCCESS"], "BEGIN:VCALENDAR\r\nnot really", dated_titles=DATED)
    line = capsys.readouterr().out.strip()
    assert line.startswith("✗") and "\n" not in line
