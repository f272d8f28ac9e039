"""The journal: replays to the exact state, records only accepted calls, survives damage, compacts."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import random
import shutil
import stat
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from labkit.sqslocal.changes import state_changing_actions
from labkit.sqslocal.engine import Engine, Outgoing
from labkit.sqslocal.errors import SqsError
from labkit.sqslocal.journal import (
    JOURNAL_FILE,
    SNAPSHOT_FILE,
    JournalMismatch,
    SnapshotError,
    snapshot,
)
from labkit.sqslocal.journal.records import decode_record, encode_record
from tests.unit.sqslocal.conftest import FakeClock, course_config
from tests.unit.sqslocal.state import fingerprint, journal_of, journalled

STD = "csse6400_prac"
FIFO = "csse6400_prac.fifo"
BINARY = {"b": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"}}


def fresh(clock: FakeClock, seed: int = 5) -> Engine:
    return Engine(clock, random.Random(seed), course_config(seed=seed, duplicate_rate=0.3))


def restart(data_dir: Path, clock: FakeClock, seed: int = 5, crash: bool = True) -> Engine:
    """A new service on a copy of `data_dir` as it is now (the old one keeps running: a crash)."""
    copy = data_dir.with_name(data_dir.name + f"-copy{len(list(data_dir.parent.iterdir()))}")
    shutil.copytree(data_dir, copy)
    return journalled(fresh(FakeClock(clock.t), seed), copy if crash else data_dir)


def journal_lines(data_dir: Path) -> list[bytes]:
    return (data_dir / JOURNAL_FILE).read_bytes().splitlines(keepends=True)


def recorded_ops(data_dir: Path, start: int) -> list[str]:
    """The calls journalled after the first `start` lines."""
    return [decode_record(line).op for line in journal_lines(data_dir)[start:]]


def assert_replays_to_the_same_state(live: Engine, data_dir: Path, clock: FakeClock) -> None:
    """A service restarted from `data_dir` holds what `live` holds and hands out the same next."""
    again = restart(data_dir, clock)
    assert fingerprint(again) == fingerprint(live)
    assert [m.body for m in again.receive_message(STD, 10, long_poll=True)] == [
        m.body for m in live.receive_message(STD, 10, long_poll=True)
    ]


def busy(live: Engine, clock: FakeClock) -> list:
    """A bit of everything: sends (binary attributes), receives, a delete, FIFO, tags, time."""
    for i in range(30):
        live.send_message(STD, f"Message {i}", message_attributes=BINARY)
        clock.tick(0.5)
    live.send_message(STD, "later", delay_seconds=5)
    got = live.receive_message(STD, 10, long_poll=True)
    live.delete_message(STD, got[0].receipt_handle)
    live.send_message(FIFO, "f1", group_id="g")
    live.create_queue("extra", {"VisibilityTimeout": "7"}, {"team": "a"})
    live.tag_queue("extra", {"more": "b"})
    live.advance(10)
    return got


def test_a_restart_rebuilds_the_same_state(tmp_path: Path) -> None:
    clock = FakeClock()
    live = journalled(fresh(clock), tmp_path / "data")
    got = busy(live, clock)
    again = restart(tmp_path / "data", clock)
    assert (
        journal_of(again).replayed == 37
    )  # 31 sends, receive, delete, FIFO send, create, tag, advance
    assert fingerprint(again) == fingerprint(live)
    # the next receives pick the same messages: RNG and indexes are where they were
    assert [m.body for m in again.receive_message(STD, 10, long_poll=True)] == [
        m.body for m in live.receive_message(STD, 10, long_poll=True)
    ]
    again.delete_message(STD, got[1].receipt_handle)  # a receipt from before the restart works
    assert again.list_queue_tags("extra") == {"team": "a", "more": "b"}


def test_a_delete_batch_is_one_record_and_replays_to_the_same_state(tmp_path: Path) -> None:
    clock = FakeClock()
    live = journalled(fresh(clock), tmp_path / "data")
    got = busy(live, clock)
    start = len(journal_lines(tmp_path / "data"))
    results = live.delete_message_batch(
        STD, [got[1].receipt_handle, "junk", got[2].receipt_handle, got[0].receipt_handle]
    )
    assert [r is None for r in results] == [True, False, True, True]
    assert recorded_ops(tmp_path / "data", start) == ["delete_message_batch"]
    assert_replays_to_the_same_state(live, tmp_path / "data", clock)


def test_a_send_batch_is_one_record_and_replays_to_the_same_state(tmp_path: Path) -> None:
    clock = FakeClock()
    live = journalled(fresh(clock), tmp_path / "data")
    busy(live, clock)
    start = len(journal_lines(tmp_path / "data"))
    entries = [
        Outgoing("a", message_attributes=BINARY),
        Outgoing(""),  # refused on its own
        Outgoing("b", delay_seconds=3),
        Outgoing("c"),
    ]
    results = live.send_message_batch(STD, entries, trace_header="Root=1-x")
    assert [isinstance(r, SqsError) for r in results] == [False, True, False, False]
    assert recorded_ops(tmp_path / "data", start) == ["send_message_batch"]
    live.send_message_batch(STD, [Outgoing("")])  # every entry refused: nothing to keep
    assert len(journal_lines(tmp_path / "data")) == start + 1
    clock.tick(5)  # the delayed entry is due: both receive it
    assert_replays_to_the_same_state(live, tmp_path / "data", clock)


def test_a_clean_close_leaves_a_snapshot_and_an_empty_journal(tmp_path: Path) -> None:
    clock = FakeClock()
    live = journalled(fresh(clock), tmp_path / "data")
    busy(live, clock)
    before = fingerprint(live)
    journal_of(live).close()
    assert len(journal_lines(tmp_path / "data")) == 1  # the header only
    again = journalled(fresh(FakeClock(clock.t)), tmp_path / "data")
    assert journal_of(again).replayed == 0
    assert fingerprint(again) == before


def test_only_accepted_calls_that_change_state_are_recorded(tmp_path: Path) -> None:
    clock = FakeClock()
    live = journalled(fresh(clock), tmp_path / "data")
    start = len(journal_lines(tmp_path / "data"))
    with pytest.raises(SqsError):
        live.send_message("nope", "x")
    with pytest.raises(SqsError):
        live.create_queue("bad name!")
    with pytest.raises(SqsError):
        live.set_queue_attributes(STD, {"VisibilityTimeout": "-1"})
    live.get_queue(STD)
    live.list_queues()
    live.get_queue_attributes(STD, ["All"])
    live.list_queue_tags(STD)
    live.metrics(STD)
    live.receive_message(FIFO, 1, long_poll=True, count_empty=False)  # a long poll's empty attempt
    live.receive_message(FIFO, 10)  # an empty receive: nothing returned, nothing changed
    live.receive_message(STD, 10, long_poll=True)  # no standard host asked: no chance drawn
    assert len(journal_lines(tmp_path / "data")) == start
    live.send_message(STD, "kept")
    assert recorded_ops(tmp_path / "data", start) == ["send_message"]


def test_a_read_that_draws_from_the_rng_is_recorded(tmp_path: Path) -> None:
    """A delayed standard message picks its host when it becomes visible, during whatever call
    notices: that draw must happen at the same point on replay, or later message ids differ."""
    clock = FakeClock()
    live = journalled(fresh(clock), tmp_path / "data")
    live.send_message(STD, "delayed", delay_seconds=2)
    clock.tick(3)
    live.get_queue_attributes(STD, ["All"])  # the delay ends here, the host is drawn here
    live.send_message(FIFO, "after", group_id="g")  # a message id from the same RNG
    again = restart(tmp_path / "data", clock)
    assert fingerprint(again) == fingerprint(live)


@pytest.mark.parametrize(
    ("call", "args"),
    [
        ("tag_queue", (STD, {"$b64": "aGVsbG8="})),
        ("create_queue", ("poison", {"$b64": "x"})),
        ("send_message", (STD, "m", None, {"$b64": {"DataType": "String", "StringValue": "v"}})),
        ("create_queue", ("q", {}, {"$b64": "aGVsbG8="})),
    ],
)
def test_user_data_cannot_pose_as_the_format(tmp_path: Path, call: str, args: tuple) -> None:
    clock = FakeClock()
    live = journalled(fresh(clock), tmp_path / "data")
    live.send_message(STD, "acknowledged")
    with contextlib.suppress(SqsError):  # accepted or refused: either way nothing is poisoned
        getattr(live, call)(*args)
    live.send_message(STD, "after")
    again = restart(tmp_path / "data", clock)
    assert journal_of(again).skipped == 0
    assert fingerprint(again) == fingerprint(live)


def test_binary_values_round_trip_and_stay_bytes() -> None:
    line = encode_record(1.5, "send_message", (STD, "b"), {"message_attributes": BINARY})
    record = decode_record(line)
    assert record.kwargs["message_attributes"] == BINARY
    spoof = {"x": {"DataType": "Binary", "BinaryValue": "AAH/"}}  # text that looks like base64
    assert decode_record(encode_record(1, "op", (spoof,), {})).args == [spoof]


def test_a_torn_last_line_is_cut(tmp_path: Path) -> None:
    clock = FakeClock()
    live = journalled(fresh(clock), tmp_path / "data")
    live.send_message(STD, "kept")
    with (tmp_path / "data" / JOURNAL_FILE).open("ab") as f:
        f.write(b'0badc0de {"t": 1, "op": "send_mes')
    again = restart(tmp_path / "data", clock)
    assert journal_of(again).replayed == 1 and journal_of(again).notes == []
    assert fingerprint(again) == fingerprint(live)


@pytest.mark.parametrize("damage", ["flip", "garbage"])
def test_a_damaged_record_stops_replay_there_and_the_rest_is_kept_aside(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    data = tmp_path / "data"
    live = journalled(fresh(clock), data)
    for i in range(3):
        live.send_message(STD, f"before {i}")
    good = fingerprint(live)
    for i in range(3):
        live.send_message(STD, f"after {i}")
    lines = journal_lines(data)
    if damage == "flip":
        damaged = bytearray(lines[4])
        damaged[30] ^= 0x01
        lines[4] = bytes(damaged)
    else:
        lines.insert(4, b"this is not a record\n")
    (data / JOURNAL_FILE).write_bytes(b"".join(lines))
    with caplog.at_level(logging.WARNING):
        again = journalled(fresh(FakeClock(clock.t)), data)
    assert journal_of(again).replayed == 3
    assert fingerprint(again) == good  # everything before the damage, nothing after
    (aside,) = data.glob(f"{JOURNAL_FILE}.damaged-*")
    assert aside.read_bytes() == b"".join(lines[4:])
    assert f"{data / JOURNAL_FILE} line 5" in caplog.text and aside.name in caplog.text
    assert "seed" not in caplog.text
    again.send_message(STD, "new")  # and the service carries on journalling
    assert journal_of(journalled(fresh(FakeClock(clock.t)), data)).replayed == 1


def test_a_call_that_fails_on_replay_is_logged_and_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    data = tmp_path / "data"
    live = journalled(fresh(clock), data)
    live.send_message(STD, "one")
    with (data / JOURNAL_FILE).open("ab") as f:  # e.g. written by a version with other rules
        f.write(encode_record(clock.t, "send_message", ("no-such-queue", "x"), {}))
        f.write(encode_record(clock.t, "tag_queue", (STD, b"not a dict"), {}))
        f.write(encode_record(clock.t, "no_such_action", (), {}))
        f.write(encode_record(clock.t, "send_message", (STD, "two"), {}))
    with caplog.at_level(logging.WARNING):
        again = journalled(fresh(FakeClock(clock.t)), data)
    assert journal_of(again).skipped == 3
    assert again.get_queue_attributes(STD, ["ApproximateNumberOfMessages"]) == {
        "ApproximateNumberOfMessages": "2"
    }
    assert "line 3: send_message failed on replay" in caplog.text


def test_other_knobs_are_refused(tmp_path: Path) -> None:
    journal_of(journalled(fresh(FakeClock()), tmp_path)).close()
    with pytest.raises(JournalMismatch):
        journalled(fresh(FakeClock(), seed=6), tmp_path)


def test_a_reset_compacts(tmp_path: Path) -> None:
    clock = FakeClock()
    live = journalled(fresh(clock), tmp_path / "data")
    for i in range(50):
        live.send_message(STD, f"Message {i}")
    live.reset()
    live.send_message(STD, "after")
    assert len(journal_lines(tmp_path / "data")) == 2  # header, send
    again = restart(tmp_path / "data", clock)
    assert fingerprint(again) == fingerprint(live)


def test_the_journal_is_compacted_past_its_size_bound(tmp_path: Path) -> None:
    clock = FakeClock()
    data = tmp_path / "data"
    live = journalled(fresh(clock), data, compact_bytes=20_000)
    for i in range(2_000):
        live.send_message(STD, f"Message {i}")
        for m in live.receive_message(STD, 1, long_poll=True):
            live.delete_message(STD, m.receipt_handle)
        clock.tick(0.01)
    # Compacted whenever it outgrew both the bound and the last snapshot (as Redis's AOF rewrite).
    bound = max(20_000, (data / SNAPSHOT_FILE).stat().st_size)
    assert (data / JOURNAL_FILE).stat().st_size <= bound + 500
    assert journal_of(live)._generation > 2
    again = restart(data, clock)
    assert fingerprint(again) == fingerprint(live)


def test_a_crash_between_snapshot_and_fresh_journal_replays_nothing_twice(tmp_path: Path) -> None:
    clock = FakeClock()
    data = tmp_path / "data"
    live = journalled(fresh(clock), data)
    for i in range(5):
        live.send_message(STD, f"Message {i}")
    old_journal = (data / JOURNAL_FILE).read_bytes()
    journal_of(live).compact()
    (data / JOURNAL_FILE).write_bytes(old_journal)  # as if the new journal never got written
    again = restart(data, clock)
    assert journal_of(again).replayed == 0
    assert fingerprint(again) == fingerprint(live)


def test_the_data_dir_is_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    live = journalled(fresh(FakeClock()), data)
    live.send_message(STD, "secret")
    journal_of(live).close()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for path in data.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_damaged_snapshot_is_rebuilt_from_the_previous_generation(tmp_path: Path) -> None:
    clock = FakeClock()
    data = tmp_path / "data"
    live = journalled(fresh(clock), data, compact_bytes=3_000)
    for i in range(300):  # several compactions
        live.send_message(STD, f"Message {i}", message_attributes=BINARY)
    assert journal_of(live)._generation > 3
    path = data / SNAPSHOT_FILE
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 0xFF
    path.write_bytes(bytes(raw))
    again = restart(data, clock)
    assert fingerprint(again) == fingerprint(live)
    assert any("damaged" in note and "rebuilt" in note for note in journal_of(again).notes)


def test_a_damaged_snapshot_without_a_previous_one_or_a_foreign_one_is_refused(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    journal_of(journalled(fresh(FakeClock()), data)).close()
    for previous in data.glob("*.previous.*"):
        previous.unlink()
    path = data / SNAPSHOT_FILE
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(SnapshotError, match="damaged"):
        journalled(fresh(FakeClock()), data)
    path.chmod(0o666)
    with pytest.raises(SnapshotError, match="not private"):
        journalled(fresh(FakeClock()), data)


def test_the_old_journal_format_is_migrated_and_its_poison_skipped(tmp_path: Path) -> None:
    """A v1 journal, including a record one request used to poison it with, still starts."""
    data = tmp_path / "data"
    data.mkdir()
    clock = FakeClock()
    config = {"seed": 5, "hosts": 5, "duplicate_rate": 0.3, "strict_order": False}
    lines = [
        {"journal": 1, "config": {**config, "short_poll_fraction": 0.6}},
        {"t": clock.t, "op": "reset", "a": [], "k": {}},
        {"t": clock.t, "op": "send_message", "a": [STD, "one"], "k": {}},
        {"t": clock.t, "op": "tag_queue", "a": [STD, {"$b64": "aGVsbG8="}], "k": {}},
        {"t": clock.t, "op": "get_queue", "a": [STD], "k": {}},
        {"t": clock.t, "op": "send_message", "a": [STD, "two"],
         "k": {"message_attributes": {"b": {"DataType": "Binary", "BinaryValue": {"$b64": "AQ=="}}}}},
    ]  # fmt: skip
    (data / "sqs-journal.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    again = journalled(fresh(FakeClock(clock.t)), data)
    assert journal_of(again).skipped == 1  # the poisoned tag_queue
    assert again.get_queue_attributes(STD, ["ApproximateNumberOfMessages"]) == {
        "ApproximateNumberOfMessages": "2"
    }
    assert not (data / "sqs-journal.jsonl").exists()
    assert (data / "sqs-journal.jsonl.migrated").exists()


def test_the_state_changing_actions_are_the_marked_ones() -> None:
    actions = state_changing_actions(Engine)
    assert {"send_message", "receive_message", "delete_message", "create_queue", "reset"} <= actions
    assert not {"get_queue", "list_queues", "get_queue_attributes", "list_queue_tags"} & actions
    assert {
        "add_permission",
        "remove_permission",
        "start_message_move_task",
        "cancel_message_move_task",
    } <= actions


@pytest.mark.parametrize(("policy", "at_once"), [("always", 1), ("everysec", 0), ("no", 0)])
def test_the_fsync_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy: str, at_once: int
) -> None:
    live = journalled(fresh(FakeClock()), tmp_path, fsync=policy)
    ours = os.stat(journal_of(live)._file.path).st_ino
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        # only this journal's file counts: an `everysec` thread left by another test may sync too
        if os.fstat(fd).st_ino == ours:
            synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    live.send_message(STD, "x")
    if policy != "everysec":  # (everysec's thread may tick at any moment, even right here)
        assert len(synced) == at_once  # `always`: before the call returns (and the reply)
    else:
        deadline = time.monotonic() + 10
        while not synced and time.monotonic() < deadline:
            time.sleep(0.05)
        assert synced  # the background thread synced it
    journal_of(live)._file.close()


@dataclass
class Evolving:
    name: str
    count: int = 0


def test_a_snapshot_from_before_a_field_was_added_still_loads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The engine will grow fields (event logs, move tasks): old snapshots get their defaults."""
    engine = type("State", (), {})()
    engine.queues = {"q": Evolving("q", 3)}
    _header, body = snapshot.write(engine, {"generation": 1})

    @dataclass
    class Grown:
        name: str
        count: int = 0
        events: list = field(default_factory=list)

    Grown.__qualname__ = Grown.__name__ = "Evolving"
    monkeypatch.setattr(sys.modules[__name__], "Evolving", Grown)
    restored = snapshot._Unpickler(io.BytesIO(body)).load()["queues"]["q"]
    assert isinstance(restored, Grown)
    assert (restored.name, restored.count, restored.events) == ("q", 3, [])


def test_permissions_and_move_tasks_survive_a_restart(tmp_path: Path) -> None:
    clock = FakeClock()
    live = journalled(fresh(clock), tmp_path / "data")
    live.add_permission(STD, "reader", ["123456789012"], ["ReceiveMessage"])
    live.create_queue("dlq", {})
    dlq_arn = live.arn("dlq")
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"})
    live.set_queue_attributes(STD, {"RedrivePolicy": policy, "VisibilityTimeout": "1"})
    live.send_message(STD, "poison")
    for _ in range(3):  # received once, then moved to the DLQ on the next receive
        live.receive_message(STD, 1, long_poll=True)
        clock.tick(2)
    assert live.get_queue_attributes("dlq", ["ApproximateNumberOfMessages"]) == {
        "ApproximateNumberOfMessages": "1"
    }
    live.start_message_move_task(dlq_arn, max_per_second=1)
    again = restart(tmp_path / "data", clock)
    assert fingerprint(again) == fingerprint(live)
    assert "reader" in again.get_queue_attributes(STD, ["Policy"])["Policy"]
    tasks = live.list_message_move_tasks(dlq_arn)
    assert tasks and tasks[0]["ApproximateNumberOfMessagesMoved"] == 1
    assert again.list_message_move_tasks(dlq_arn) == tasks
