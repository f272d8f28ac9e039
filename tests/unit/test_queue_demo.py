"""labkit.queue_demo alone: what it asks SQS for and what it makes of the replies (a scripted fake).

Behaviour against real servers is in tests/integration/test_queue_cli.py and tests/differential/.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from labkit import queue_demo
from labkit.queue_demo import fifo_group_id

URL = "http://127.0.0.1:1/000000000000/q"
FIFO_URL = URL + ".fifo"


class FakeSQS:
    """Records calls; receive replies come from a script; the clock moves by each long poll."""

    def __init__(self, replies: list[list[dict]] | None = None, fail_ids: set[str] = frozenset()):
        self.replies = list(replies or [])
        self.fail_ids = fail_ids
        self.calls: list[tuple[str, dict]] = []
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def send_message_batch(self, **kwargs: Any) -> dict:
        self.calls.append(("send", kwargs))
        entries = kwargs["Entries"]
        return {
            "Successful": [
                {"Id": e["Id"], "MessageId": f"m{e['Id']}"}
                for e in entries
                if e["Id"] not in self.fail_ids
            ],
            "Failed": [
                {
                    "Id": e["Id"],
                    "Code": "InvalidMessageContents",
                    "Message": "bad",
                    "SenderFault": True,
                }
                for e in entries
                if e["Id"] in self.fail_ids
            ],
        }

    def receive_message(self, **kwargs: Any) -> dict:
        self.calls.append(("receive", kwargs))
        if self.replies:
            return {"Messages": self.replies.pop(0)}
        self.now += kwargs["WaitTimeSeconds"] or 0.5
        return {}

    def delete_message_batch(self, **kwargs: Any) -> dict:
        self.calls.append(("delete", kwargs))
        return {"Successful": [{"Id": e["Id"]} for e in kwargs["Entries"]], "Failed": []}

    def deleted(self) -> list[str]:
        return [
            e["ReceiptHandle"] for name, kw in self.calls if name == "delete" for e in kw["Entries"]
        ]


def message(i: int, client: str | None = "alice", count: int = 1) -> dict:
    m: dict[str, Any] = {
        "MessageId": f"id{i}",
        "ReceiptHandle": f"rh{i}",
        "Body": f"Message {i}",
        "Attributes": {"ApproximateReceiveCount": str(count)},
    }
    if client is not None:
        m["MessageAttributes"] = {"client": {"DataType": "String", "StringValue": client}}
    return m


def test_publish_sends_batches_of_ten_with_the_course_attributes() -> None:
    fake = FakeSQS()
    sent = queue_demo.publish(fake, URL, 25, client_name="alice", prepend="A-")
    batches = [kw["Entries"] for name, kw in fake.calls if name == "send"]
    assert [len(b) for b in batches] == [10, 10, 5]
    first = batches[0][0]
    assert first["MessageBody"] == "A-Message 0"
    assert first["MessageAttributes"] == {"client": {"DataType": "String", "StringValue": "alice"}}
    assert "MessageGroupId" not in first and "MessageDeduplicationId" not in first
    assert [s.body for s in sent] == [f"A-Message {i}" for i in range(25)]
    assert all(s.ok for s in sent)


def test_publish_to_fifo_sets_the_group_not_a_dedup_id() -> None:
    fake = FakeSQS()
    queue_demo.publish(fake, FIFO_URL, 3, client_name="alice")
    entries = fake.calls[0][1]["Entries"]
    assert {e["MessageGroupId"] for e in entries} == {"alice"}
    assert all("MessageDeduplicationId" not in e for e in entries)


def test_publish_reports_failed_entries_without_raising() -> None:
    fake = FakeSQS(fail_ids={"3"})
    progress: list[int] = []
    sent = queue_demo.publish(fake, URL, 12, client_name="a", on_progress=progress.append)
    assert [s.index for s in sent if not s.ok] == [3]
    assert sent[3].error == "InvalidMessageContents: bad"
    assert progress == [10, 2]


def test_receive_stops_at_count_and_asks_for_no_more_than_needed() -> None:
    fake = FakeSQS([[message(i) for i in range(10)], [message(10), message(11)]])
    got = list(queue_demo.iter_receive(fake, URL, count=12, clock=fake.clock))
    assert [r.number for r in got] == list(range(12))
    asks = [kw["MaxNumberOfMessages"] for name, kw in fake.calls if name == "receive"]
    assert asks == [10, 2]
    assert fake.deleted() == [f"rh{i}" for i in range(12)]


def test_closing_early_deletes_only_what_was_handed_out() -> None:
    fake = FakeSQS([[message(i) for i in range(5)]])
    records = queue_demo.iter_receive(fake, URL, clock=fake.clock)
    assert [next(records).number, next(records).number] == [0, 1]
    records.close()  # Ctrl-C in the CLI
    assert fake.deleted() == ["rh0", "rh1"]


def test_timeout_counts_from_the_last_message() -> None:
    fake = FakeSQS([[message(0)]])
    got = list(queue_demo.iter_receive(fake, URL, timeout=3, clock=fake.clock))
    assert [r.number for r in got] == [0]
    waits = [kw["WaitTimeSeconds"] for name, kw in fake.calls if name == "receive"]
    assert waits == [3, 3]  # long polls never outlast the timeout; one empty poll ends it
    assert fake.now == 3


def test_records_carry_client_count_and_a_placeholder_when_missing() -> None:
    fake = FakeSQS([[message(7, client=None, count=2), {**message(8), "Body": "hello"}]])
    at = datetime(2026, 11, 28, 1, 2, 3, tzinfo=UTC)
    got = list(queue_demo.iter_receive(fake, URL, count=2, clock=fake.clock, now=lambda: at))
    assert got[0].client is None and got[0].receive_count == 2 and got[0].number == 7
    assert got[0].line().endswith(" <no client>: Message 7")
    assert got[1].number is None and got[1].position == 1
    assert got[1].to_json()["received_at"] == "2026-11-28T01:02:03+00:00"


def test_timeout_zero_is_one_short_poll() -> None:
    fake = FakeSQS()
    assert list(queue_demo.iter_receive(fake, URL, timeout=0, clock=fake.clock)) == []
    assert [kw["WaitTimeSeconds"] for _, kw in fake.calls] == [0]


@pytest.mark.parametrize(
    ("client_name", "group_id"),
    [
        ("Client 1", "Client-1"),
        ("alice", "alice"),
        ("a/b:c", "a/b:c"),
        ("Zoë", "Zo-"),
        ("", "publisher"),
    ],
)
def test_fifo_group_id_is_valid_for_aws(client_name: str, group_id: str) -> None:
    """AWS refuses spaces (and non-ASCII) in MessageGroupId; the course's client is "Client 1"."""
    assert fifo_group_id(client_name) == group_id
    assert len(fifo_group_id("x" * 300)) == 128
