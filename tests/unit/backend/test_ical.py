"""The calendar builder: our own RFC 5545 checks, plus vobject as a second, independent parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import vobject
from hypothesis import given, settings
from hypothesis import strategies as st
from taskoverflow.tasks.ical import PRODID, build_calendar, create_ical, todo_uid
from taskoverflow.tasks.snapshot import snapshot

NOW = datetime(2026, 3, 10, 12, 0, 0, tzinfo=UTC)


def todo(id_, title="t", description=None, deadline="2023-02-27T00:00:00", completed=False):
    return {
        "id": id_,
        "title": title,
        "description": description,
        "completed": completed,
        "deadline_at": deadline,
    }


def unfold(data: bytes) -> list[str]:
    """RFC 5545 §3.1: a CRLF followed by one space/tab continues the previous line."""
    text = data.decode("utf-8")
    return text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")


def check_rfc5545(data: bytes) -> list[dict[str, str]]:
    """Our own structural checks; returns the events as {NAME: raw value}."""
    assert data.endswith(b"\r\n")
    physical = data.split(b"\r\n")[:-1]
    for line in physical:
        assert b"\r" not in line and b"\n" not in line, f"bare CR/LF in {line!r}"
        assert len(line) <= 75, f"line of {len(line)} octets: {line!r}"
        line.decode("utf-8")  # folding never splits a UTF-8 sequence
    lines = unfold(data)[:-1]
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    assert f"PRODID:{PRODID}" in lines
    assert "VERSION:2.0" in lines
    events: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in lines[1:-1]:
        if line == "BEGIN:VEVENT":
            assert current is None, "nested VEVENT"
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            events.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            assert name not in current, f"duplicate {name}"
            current[name] = value
        else:
            assert line.split(":")[0] in ("PRODID", "VERSION"), line
    assert current is None
    for event in events:
        for required in ("UID", "DTSTAMP", "SUMMARY", "DESCRIPTION", "DTSTART"):
            assert required in event, f"{required} missing in {event}"
        assert event["DTSTAMP"].endswith("Z")
        datetime.strptime(event["DTSTAMP"], "%Y%m%dT%H%M%SZ")
    uids = [e["UID"] for e in events]
    assert len(uids) == len(set(uids)), "UIDs must be unique"
    return events


def parse_vobject(data: bytes):
    return vobject.readOne(data.decode("utf-8"))


def test_calendar_properties_and_one_event_per_deadline():
    todos = [
        todo(1, "Submit report", "the weekly one", "2023-02-27T09:30:00"),
        todo(2, "No deadline", deadline=None),
        todo(3, "Done but dated", completed=True, deadline="2023-03-01T00:00:00"),
    ]
    data = build_calendar(todos, NOW)
    events = check_rfc5545(data)
    assert [e["UID"] for e in events] == [todo_uid(1), todo_uid(3)]
    first = events[0]
    assert first["SUMMARY"] == "Submit report"
    assert first["DESCRIPTION"] == "the weekly one"
    assert first["DTSTART"] == "20230227T093000Z"
    assert first["DTSTAMP"] == "20260310T120000Z"


def test_empty_calendar_is_valid():
    data = build_calendar([], NOW)
    assert check_rfc5545(data) == []
    cal = parse_vobject(data)
    assert cal.prodid.value == PRODID
    assert not hasattr(cal, "vevent")


def test_dtstamp_is_when_the_todo_was_last_revised_not_when_the_job_ran():
    # RFC 5545 §3.8.7.2: without METHOD, DTSTAMP is when the component's information was last
    # revised; so two runs at different times give the same calendar for the same todos
    todos = [
        {**todo(1), "updated_at": "2026-02-01T08:30:15.123456"},
        {**todo(2), "updated_at": "2026-02-03T23:59:59"},
    ]
    first = build_calendar(todos, NOW)
    assert first == build_calendar(todos, NOW + timedelta(days=3))
    assert [e["DTSTAMP"] for e in check_rfc5545(first)] == ["20260201T083015Z", "20260203T235959Z"]
    later = [{**todos[0], "updated_at": "2026-02-05T10:00:00"}, todos[1]]
    assert [e["DTSTAMP"] for e in check_rfc5545(build_calendar(later, NOW))] == [
        "20260205T100000Z",
        "20260203T235959Z",
    ]


def test_dtstamp_of_an_aware_updated_at_is_converted_to_utc():
    brisbane = timezone(timedelta(hours=10))
    todos = [{**todo(1), "updated_at": datetime(2026, 2, 1, 9, 0, tzinfo=brisbane).isoformat()}]
    assert check_rfc5545(build_calendar(todos, NOW))[0]["DTSTAMP"] == "20260131T230000Z"


def test_a_snapshot_without_updated_at_is_stamped_with_the_job_time():
    # a job queued by a version whose snapshots had no updated_at still builds
    assert check_rfc5545(build_calendar([todo(1)], NOW))[0]["DTSTAMP"] == "20260310T120000Z"


def test_dtstamp_is_utc_whatever_zone_the_clock_has():
    brisbane = timezone(timedelta(hours=10))
    data = build_calendar([todo(1)], datetime(2026, 3, 10, 22, 0, tzinfo=brisbane))
    assert check_rfc5545(data)[0]["DTSTAMP"] == "20260310T120000Z"
    naive = build_calendar([todo(1)], datetime(2026, 3, 10, 12, 0))
    assert check_rfc5545(naive)[0]["DTSTAMP"] == "20260310T120000Z"


def test_uids_are_stable_across_builds():
    todos = [todo(7), todo(8)]
    first = [e["UID"] for e in check_rfc5545(build_calendar(todos, NOW))]
    later = [e["UID"] for e in check_rfc5545(build_calendar(todos, NOW + timedelta(days=1)))]
    assert first == later == ["todo-7@taskoverflow", "todo-8@taskoverflow"]


def test_long_text_is_folded_at_75_octets_and_vobject_reads_it_back():
    title = "x" * 80
    description = "é" * 120  # 2 octets each: folding must not split a character
    data = build_calendar([todo(1, title, description)], NOW)
    check_rfc5545(data)
    event = parse_vobject(data).vevent
    assert event.summary.value == title
    assert event.description.value == description


@pytest.mark.parametrize(
    "title",
    [
        "evil\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:injected",
        "evil\nEND:VEVENT\nEND:VCALENDAR",
        "evil\rEND:VEVENT",
        "a;b,c\\d:e",
    ],
)
def test_injection_title_stays_in_its_event(title):
    data = build_calendar([todo(1, title, description=title), todo(2, "next")], NOW)
    events = check_rfc5545(data)
    assert len(events) == 2
    cal = parse_vobject(data)
    parsed = cal.vevent_list
    assert [e.uid.value for e in parsed] == [todo_uid(1), todo_uid(2)]
    expected = title.replace("\r\n", "\n").replace("\r", "\n")
    assert parsed[0].summary.value == expected
    assert parsed[1].summary.value == "next"


def test_control_characters_are_dropped_not_emitted():
    data = build_calendar([todo(1, "a\x01b\x1bc\x7fd\te")], NOW)
    event = parse_vobject(data).vevent
    assert event.summary.value == "abcd\te"


def test_dtstart_is_the_stored_deadline_in_utc_never_floating():
    """The API stores deadlines as naive UTC: DTSTART says so with `Z`."""
    data = build_calendar([todo(1, deadline="2023-02-27T18:45:10")], NOW)
    assert check_rfc5545(data)[0]["DTSTART"] == "20230227T184510Z"
    event = parse_vobject(data).vevent
    assert event.dtstart.value == datetime(2023, 2, 27, 18, 45, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("deadline", "instant"),
    [
        (
            "2026-03-02T09:00:00+10:00",
            "20260301T230000Z",
        ),  # Brisbane 9 am = 23:00 UTC the day before
        (datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=10))), "20260301T230000Z"),
        ("2026-03-02T09:00:00-05:30", "20260302T143000Z"),
        ("2026-03-02T09:00:00Z", "20260302T090000Z"),
    ],
)
def test_a_deadline_with_a_zone_is_the_same_instant_in_the_file(deadline, instant):
    data = build_calendar([todo(1, deadline=deadline)], NOW)
    assert check_rfc5545(data)[0]["DTSTART"] == instant
    parsed = parse_vobject(data).vevent.dtstart.value
    given = deadline if isinstance(deadline, datetime) else datetime.fromisoformat(deadline)
    assert parsed == given  # aware datetimes compare as instants


def test_create_ical_waits_the_delay_then_builds():
    slept: list[float] = []
    data = create_ical([todo(1)], 2.5, clock=lambda: NOW, sleep=slept.append)
    assert slept == [2.5]
    assert check_rfc5545(data)[0]["DTSTAMP"] == "20260310T120000Z"
    create_ical([todo(1)], 0, clock=lambda: NOW, sleep=slept.append)
    assert slept == [2.5]


def test_create_ical_default_delay_comes_from_env(monkeypatch):
    slept: list[float] = []
    monkeypatch.setenv("ICAL_DELAY_SECONDS", "0.25")
    create_ical([], clock=lambda: NOW, sleep=slept.append)
    monkeypatch.delenv("ICAL_DELAY_SECONDS")
    create_ical([], clock=lambda: NOW, sleep=slept.append)
    assert slept == [0.25, 5.0]


def test_snapshot_is_plain_json():
    class Row:
        id = 3
        title = "t"
        description = None
        completed = True
        deadline_at = datetime(2023, 2, 27)
        updated_at = datetime(2026, 3, 10, 12, 0, 0, 250000)

    assert snapshot(Row()) == {
        "id": 3,
        "title": "t",
        "description": None,
        "completed": True,
        "deadline_at": "2023-02-27T00:00:00",
        "updated_at": "2026-03-10T12:00:00.250000",
    }


storable_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=120
)


@settings(max_examples=200, deadline=None)
@given(
    titles=st.lists(storable_text, min_size=0, max_size=6),
    deadlines=st.lists(
        st.none() | st.datetimes(datetime(1900, 1, 1), datetime(9999, 1, 1)), min_size=6
    ),
)
def test_any_text_gives_a_valid_calendar(titles, deadlines):
    todos = [
        todo(i + 1, t, description=t, deadline=d.isoformat() if d else None)
        for i, (t, d) in enumerate(zip(titles, deadlines, strict=False))
    ]
    data = build_calendar(todos, NOW)
    events = check_rfc5545(data)
    with_deadline = [t for t in todos if t["deadline_at"]]
    assert len(events) == len(with_deadline)
    cal = parse_vobject(data)
    parsed = getattr(cal, "vevent_list", [])
    assert [e.uid.value for e in parsed] == [todo_uid(t["id"]) for t in with_deadline]
    for event, source in zip(parsed, with_deadline, strict=True):
        assert event.summary.value == normalised(source["title"])


def normalised(text: str) -> str:
    """What a calendar can carry of a text: line breaks as LF, no control characters but TAB/LF."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in text if c in "\t\n" or not (ord(c) < 32 or ord(c) == 127))
