"""Limits as the SQS documentation states them: in-flight messages, queue-name length, tags."""

from __future__ import annotations

import pytest

from labkit.sqslocal.engine import Engine
from labkit.sqslocal.errors import SqsError
from labkit.sqslocal.fifo import FifoStore
from labkit.sqslocal.standard import StandardStore


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> int:
    """In-flight limits of 3 instead of 120,000, so a test can reach them."""
    monkeypatch.setattr(StandardStore, "max_inflight", 3)
    monkeypatch.setattr(FifoStore, "max_inflight", 3)
    return 3


def test_a_standard_queue_at_its_in_flight_limit_answers_over_limit(
    engine: Engine, small_limits: int
) -> None:
    engine.create_queue("std")
    for n in range(5):
        engine.send_message("std", f"m{n}")
    taken = 0
    while taken < small_limits:  # a receive under the limit may take past it (up to 10)
        got = engine.receive_message("std", 10, long_poll=True)
        assert got
        taken += len(got)
    with pytest.raises(SqsError) as err:
        engine.receive_message("std", 10, long_poll=True)
    assert err.value.query_code == "OverLimit"


def test_a_fifo_queue_at_its_in_flight_limit_answers_no_messages(
    engine: Engine, small_limits: int
) -> None:
    """SQS documents it: "For FIFO queues … If you reach this limit, Amazon SQS returns no error
    messages." A delete makes room again."""
    engine.create_queue("f.fifo", {"FifoQueue": "true", "ContentBasedDeduplication": "true"})
    for n in range(5):  # one group each: nothing holds a message back but the limit
        engine.send_message("f.fifo", f"m{n}", group_id=f"g{n}")
    taken = engine.receive_message("f.fifo", 3)
    assert len(taken) == small_limits
    assert engine.receive_message("f.fifo", 10) == []
    engine.delete_message("f.fifo", taken[0].receipt_handle)
    assert len(engine.receive_message("f.fifo", 10)) >= 1


@pytest.mark.parametrize(
    ("name", "ok"),
    [("q" * 80, True), ("q" * 81, False), ("q" * 75 + ".fifo", True), ("q" * 76 + ".fifo", False)],
)
def test_a_queue_name_is_at_most_80_characters_suffix_included(
    engine: Engine, name: str, ok: bool
) -> None:
    attributes = {"FifoQueue": "true"} if name.endswith(".fifo") else {}
    if ok:
        assert engine.create_queue(name, attributes) == name
    else:
        with pytest.raises(SqsError) as err:
            engine.create_queue(name, attributes)
        assert err.value.query_code == "InvalidParameterValue"


def test_create_queue_keeps_the_tag_limit_tag_queue_keeps(engine: Engine) -> None:
    tags = {f"k{n}": "v" for n in range(51)}
    with pytest.raises(SqsError):
        engine.create_queue("tagged", tags=tags)
    engine.create_queue("tagged", tags=dict(list(tags.items())[:50]))
    with pytest.raises(SqsError):
        engine.tag_queue("tagged", {"one-more": "v"})
