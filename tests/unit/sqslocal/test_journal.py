"""The journal rebuilds the exact engine state, cuts a torn last line and refuses other knobs."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from labkit.sqslocal.engine import Engine, EngineConfig
from labkit.sqslocal.journal import JournaledEngine, JournalMismatch
from tests.unit.sqslocal.conftest import FakeClock

STD = "csse6400_prac"


def fresh(clock: FakeClock, seed: int = 5) -> Engine:
    return Engine(clock, random.Random(seed), EngineConfig(seed=seed, duplicate_rate=0.3))


def test_replay_rebuilds_the_same_state(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "j.jsonl"
    live = JournaledEngine(fresh(clock), path)
    for i in range(30):
        live.send_message(
            STD,
            f"Message {i}",
            message_attributes={"b": {"DataType": "Binary", "BinaryValue": b"\x01"}},
        )
        clock.tick(0.5)
    got = live.receive_message(STD, 10, long_poll=True)
    live.delete_message(STD, got[0].receipt_handle)
    live.advance(10)
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(path.read_bytes())

    replayed = JournaledEngine(fresh(FakeClock(clock.t)), copy)
    assert replayed.replayed == 34  # the initial reset, 30 sends, receive, delete, advance
    assert replayed.get_queue_attributes(STD, ["All"]) == live.get_queue_attributes(STD, ["All"])
    # the next receives pick the same messages: RNG and indexes are where they were
    assert [m.body for m in replayed.receive_message(STD, 10, long_poll=True)] == [
        m.body for m in live.receive_message(STD, 10, long_poll=True)
    ]
    # a receipt handed out before the restart still works
    replayed.delete_message(STD, got[1].receipt_handle)


def test_a_torn_last_line_is_cut(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    live = JournaledEngine(fresh(FakeClock()), path)
    live.send_message(STD, "kept")
    live.close()
    with path.open("a") as f:
        f.write('{"t": 1, "op": "send_mes')
    again = JournaledEngine(fresh(FakeClock()), path)
    assert again.replayed == 2  # the initial reset and the send
    again.close()
    assert path.read_text().endswith("\n")


def test_other_knobs_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    JournaledEngine(fresh(FakeClock()), path).close()
    with pytest.raises(JournalMismatch):
        JournaledEngine(fresh(FakeClock(), seed=6), path)


def test_a_reset_starts_the_journal_afresh(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    clock = FakeClock()
    live = JournaledEngine(fresh(clock), path)
    for i in range(50):
        live.send_message(STD, f"Message {i}")
    live.reset()
    live.send_message(STD, "after")
    live.close()
    assert len(path.read_text().splitlines()) == 3  # header, reset, send
    again = JournaledEngine(fresh(FakeClock(clock.t)), path)
    assert again.get_queue_attributes(STD, ["ApproximateNumberOfMessages"]) == {
        "ApproximateNumberOfMessages": "1"
    }
