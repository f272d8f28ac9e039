"""The per-message event log: what happened to each message, when, on the service clock."""

from __future__ import annotations

import json

from labkit.sqslocal.engine import MAX_EVENTS, Engine

STD = "csse6400_prac"
FIFO = "csse6400_prac.fifo"


def kinds(engine: Engine, queue: str) -> list[str]:
    return [e["event"] for e in engine.events(queue)]


def test_send_receive_delete_are_logged_with_times_and_counts(engine: Engine, clock) -> None:
    sent = engine.send_message(STD, "hello")
    t0 = engine.now()
    clock.tick(2)
    (got,) = engine.receive_message(STD, long_poll=True)
    clock.tick(3)
    engine.delete_message(STD, got.receipt_handle)
    events = engine.events(STD)
    assert [(e["event"], e["time"] - t0, e["receive_count"]) for e in events] == [
        ("sent", 0, 0),
        ("received", 2, 1),
        ("deleted", 5, 1),
    ]
    assert {e["message_id"] for e in events} == {sent.message_id}
    assert all(e["group_id"] is None for e in events)


def test_visibility_running_out_is_logged_at_the_due_time(engine: Engine, clock) -> None:
    engine.send_message(STD, "slow worker")
    (got,) = engine.receive_message(STD, visibility_timeout=10, long_poll=True)
    received_at = engine.now()
    clock.tick(25)  # nothing looks at the queue until well after the timeout ran out
    events = engine.events(STD)
    assert [e["event"] for e in events] == ["sent", "received", "visible"]
    assert events[-1]["time"] == received_at + 10
    assert events[-1]["receive_count"] == 1
    (again,) = engine.receive_message(STD, long_poll=True)
    assert again.message_id == got.message_id
    assert kinds(engine, STD)[-1] == "received"
    assert engine.events(STD)[-1]["receive_count"] == 2


def test_visibility_set_to_zero_is_logged_at_once(engine: Engine) -> None:
    engine.send_message(STD, "give it back")
    (got,) = engine.receive_message(STD, long_poll=True)
    engine.change_message_visibility(STD, got.receipt_handle, 0)
    last = engine.events(STD)[-1]
    assert last["event"] == "visible"
    assert last["time"] == engine.now()


def test_fifo_events_carry_the_group(engine: Engine) -> None:
    engine.send_message(FIFO, "a", group_id="g1")
    engine.send_message(FIFO, "b", group_id="g2")
    assert [e["group_id"] for e in engine.events(FIFO)] == ["g1", "g2"]


def test_dead_lettering_is_logged_on_both_queues(engine: Engine) -> None:
    engine.create_queue("dlq")
    policy = {"deadLetterTargetArn": engine.arn("dlq"), "maxReceiveCount": 1}
    engine.create_queue("src", {"RedrivePolicy": json.dumps(policy)})
    engine.send_message("src", "poison")
    (got,) = engine.receive_message("src", long_poll=True)
    engine.change_message_visibility("src", got.receipt_handle, 0)
    assert engine.receive_message("src", long_poll=True) == []
    assert kinds(engine, "src") == ["sent", "received", "visible", "dead-lettered"]
    assert kinds(engine, "dlq") == ["dead-lettered"]
    assert engine.events("dlq")[0]["message_id"] == got.message_id


def test_expiry_and_purge_are_logged(engine: Engine, clock) -> None:
    engine.set_queue_attributes(STD, {"MessageRetentionPeriod": "60"})
    engine.send_message(STD, "old")
    t0 = engine.now()
    clock.tick(100)
    engine.send_message(STD, "new")
    engine.purge_queue(STD)
    events = engine.events(STD)
    assert [e["event"] for e in events] == ["sent", "expired", "sent", "purged"]
    assert events[1]["time"] == t0 + 60


def test_the_log_is_bounded_and_reset_clears_it(engine: Engine) -> None:
    for i in range(MAX_EVENTS + 5):
        engine.send_message(STD, f"m{i}")
    events = engine.events(STD)
    assert len(events) == MAX_EVENTS
    assert events[0]["time"] <= events[-1]["time"]
    engine.reset()
    assert engine.events(STD) == []
