"""The engine's SQS semantics, driven directly with a fake clock and a seeded RNG."""

from __future__ import annotations

import base64
import itertools
import json
import random
import string

import pytest

from labkit.sqslocal.engine import Engine, EngineConfig, Outgoing
from labkit.sqslocal.errors import SqsError
from labkit.sqslocal.message import GONE
from tests.unit.sqslocal.conftest import COURSE_QUEUES, FakeClock, course_config

STD = "csse6400_prac"
FIFO = "csse6400_prac.fifo"


def numbers(received) -> list[int]:
    return [int(m.body.split()[-1]) for m in received]


def drain(engine: Engine, queue: str, long_poll: bool = True, polls: int = 200) -> list:
    """Receive-and-delete until `polls` receives came back empty in a row or `polls` ran out."""
    out = []
    empty = 0
    for _ in range(polls):
        got = engine.receive_message(queue, 10, long_poll=long_poll)
        if not got:
            empty += 1
            if empty > 20:
                break
            continue
        empty = 0
        for m in got:
            out.append(m)
            engine.delete_message(queue, m.receipt_handle)
    return out


def error_code(excinfo) -> str:
    return excinfo.value.query_code


# ----- standard queue: the teaching model ------------------------------------------------------
@pytest.mark.parametrize("long_poll", [False, True])
def test_standard_queue_delivers_100_messages_out_of_order(engine: Engine, long_poll: bool) -> None:
    for i in range(100):
        engine.send_message(STD, f"Message {i}")
    got = numbers(drain(engine, STD, long_poll=long_poll))
    assert set(got) == set(range(100))
    assert got != sorted(got)
    inversions = sum(1 for a, b in itertools.pairwise(got) if a > b)
    assert inversions >= 10


def test_short_poll_can_return_fewer_than_available_or_nothing(engine: Engine) -> None:
    sizes = []
    for _ in range(30):
        engine.send_message(STD, "one")
        engine.send_message(STD, "two")
        got = engine.receive_message(STD, 10)
        sizes.append(len(got))
        for m in got:
            engine.delete_message(STD, m.receipt_handle)
        for m in engine.receive_message(STD, 10, long_poll=True):
            engine.delete_message(STD, m.receipt_handle)
    assert 0 in sizes or 1 in sizes
    assert 2 in sizes


def test_long_poll_finds_a_lone_message_every_time(engine: Engine) -> None:
    for _ in range(30):
        engine.send_message(STD, "only")
        got = engine.receive_message(STD, 10, long_poll=True)
        assert len(got) == 1
        engine.delete_message(STD, got[0].receipt_handle)


def test_duplicates_come_with_the_same_message_id_even_after_delete(make_engine) -> None:
    engine = make_engine(duplicate_rate=0.2)
    ids = {engine.send_message(STD, f"Message {i}").message_id for i in range(100)}
    got = drain(engine, STD)
    assert {m.message_id for m in got} == ids
    assert len(got) > 100  # some delivered twice


def test_strict_order_switch_gives_send_order(make_engine) -> None:
    engine = make_engine(strict_order=True, duplicate_rate=0)
    for i in range(50):
        engine.send_message(STD, f"Message {i}")
    assert numbers(drain(engine, STD, long_poll=False)) == list(range(50))


def test_same_seed_same_story(make_engine) -> None:
    runs = []
    for _ in range(2):
        engine = make_engine()
        for i in range(30):
            engine.send_message(STD, f"Message {i}")
        runs.append(numbers(drain(engine, STD, long_poll=False)))
    assert runs[0] == runs[1]


# ----- visibility, delays, retention -----------------------------------------------------------
def test_visibility_timeout_hides_then_returns_the_message(engine: Engine, clock) -> None:
    engine.set_queue_attributes(STD, {"VisibilityTimeout": "10"})
    engine.send_message(STD, "m")
    first = engine.receive_message(STD, long_poll=True)
    assert len(first) == 1
    assert engine.receive_message(STD, long_poll=True) == []
    clock.tick(10)
    again = engine.receive_message(STD, long_poll=True)
    assert again[0].message_id == first[0].message_id
    assert again[0].system["ApproximateReceiveCount"] == "2"
    assert again[0].receipt_handle != first[0].receipt_handle


def test_change_visibility_extends_and_zero_releases(engine: Engine, clock) -> None:
    engine.send_message(STD, "m")
    (m,) = engine.receive_message(STD, long_poll=True)
    engine.change_message_visibility(STD, m.receipt_handle, 100)
    clock.tick(50)
    assert engine.receive_message(STD, long_poll=True) == []
    engine.change_message_visibility(STD, m.receipt_handle, 0)
    assert len(engine.receive_message(STD, long_poll=True)) == 1


def test_change_visibility_after_the_timeout_ran_out_hides_it_again(engine: Engine, clock) -> None:
    # Observed on AWS (standard queue): 200, not MessageNotInflight — kombu's requeue relies on it.
    engine.set_queue_attributes(STD, {"VisibilityTimeout": "5"})
    engine.send_message(STD, "m")
    (m,) = engine.receive_message(STD, long_poll=True)
    clock.tick(6)
    engine.change_message_visibility(STD, m.receipt_handle, 10)
    assert engine.receive_message(STD, long_poll=True) == []
    clock.tick(10)
    assert [x.body for x in engine.receive_message(STD, long_poll=True)] == ["m"]


def test_bad_receipt_handle(engine: Engine) -> None:
    with pytest.raises(SqsError) as exc:
        engine.delete_message(STD, "not-a-handle")
    assert error_code(exc) == "ReceiptHandleIsInvalid"


def test_delete_twice_succeeds(engine: Engine) -> None:
    engine.send_message(STD, "m")
    (m,) = engine.receive_message(STD, long_poll=True)
    engine.delete_message(STD, m.receipt_handle)
    engine.delete_message(STD, m.receipt_handle)
    assert engine.get_queue_attributes(STD, ["All"])["ApproximateNumberOfMessages"] == "0"


def test_a_delete_batch_deletes_or_refuses_each_entry_on_its_own(engine: Engine) -> None:
    engine.create_queue("other")
    engine.send_message("other", "elsewhere")
    (foreign,) = engine.receive_message("other", long_poll=True)
    for i in range(3):
        engine.send_message(STD, f"Message {i}")
    got = engine.receive_message(STD, 10, long_poll=True)
    assert len(got) == 3
    engine.delete_message(STD, got[2].receipt_handle)
    receipts = [
        got[0].receipt_handle,
        "not-a-handle",
        got[1].receipt_handle,
        foreign.receipt_handle,  # a handle of another queue is not one of this queue's
        got[2].receipt_handle,  # deleted already: deleting twice succeeds
    ]
    results = engine.delete_message_batch(STD, receipts)
    assert [None if r is None else r.query_code for r in results] == [
        None,
        "ReceiptHandleIsInvalid",
        None,
        "ReceiptHandleIsInvalid",
        None,
    ]
    counts = engine.get_queue_attributes(STD, ["All"])
    assert counts["ApproximateNumberOfMessages"] == counts["ApproximateNumberOfMessagesNotVisible"]
    assert counts["ApproximateNumberOfMessages"] == "0"
    assert engine.metrics(STD)["totals"]["deleted"] == 3
    assert (
        engine.get_queue_attributes("other", ["All"])["ApproximateNumberOfMessagesNotVisible"]
        == "1"
    )


def test_a_send_batch_is_each_entry_sent_or_refused_as_send_message_would() -> None:
    """One step for the batch, with the results one send_message per entry gives (same RNG
    draws, so the same ids and order), and a bad entry refused on its own."""
    attrs = {"k": {"DataType": "String", "StringValue": "v"}}
    entries = [
        Outgoing("first", message_attributes=attrs),
        Outgoing(""),  # no body
        Outgoing("bad \x00 body"),
        Outgoing("later", delay_seconds=5),
        Outgoing("grouped", group_id="g"),
        Outgoing("deduplicated", dedup_id="d"),  # not on a standard queue
    ]
    batched = Engine(FakeClock(), random.Random(3), course_config())
    single = Engine(FakeClock(), random.Random(3), course_config())
    results = batched.send_message_batch(STD, entries, trace_header="Root=1-a")
    expected: list[object] = []
    for body, delay, attributes, system, group_id, dedup_id in entries:
        try:
            expected.append(
                single.send_message(
                    STD, body, delay, attributes, system, group_id, dedup_id, "Root=1-a"
                )
            )
        except SqsError as err:
            expected.append(err)
    assert [type(r) for r in results] == [type(r) for r in expected]
    assert [r.query_code for r in results if isinstance(r, SqsError)] == [
        "MissingParameter",
        "InvalidMessageContents",
        "InvalidParameterValue",
    ]
    assert [r for r in results if not isinstance(r, SqsError)] == [
        r for r in expected if not isinstance(r, SqsError)
    ]
    for engine in (batched, single):
        engine.advance(5)
    assert sorted(m.body for m in batched.receive_message(STD, 10, long_poll=True)) == sorted(
        m.body for m in single.receive_message(STD, 10, long_poll=True)
    )
    assert batched.metrics(STD)["totals"]["sent"] == 3


def test_a_send_batch_to_a_missing_queue_fails_as_a_whole() -> None:
    engine = Engine(FakeClock(), random.Random(3), course_config())
    with pytest.raises(SqsError) as caught:
        engine.send_message_batch("nope", [Outgoing("m")])
    assert caught.value.query_code == "AWS.SimpleQueueService.NonExistentQueue"


def test_a_receipt_handle_names_its_queue_and_message(engine: Engine) -> None:
    engine.send_message(STD, "m")
    (m,) = engine.receive_message(STD, long_poll=True)
    nonce, queue, message_id = (
        base64.urlsafe_b64decode(m.receipt_handle.encode()).decode().split("|")
    )
    assert (queue, message_id) == (STD, m.message_id)
    assert len(nonce) == 24 and int(nonce, 16) >= 0
    assert set(m.receipt_handle) <= set(string.ascii_letters + string.digits + "-_=")
    engine.change_message_visibility(STD, m.receipt_handle, 0)
    (again,) = engine.receive_message(STD, long_poll=True)
    assert again.receipt_handle != m.receipt_handle  # each receive gets its own handle


def test_delays_per_message_and_per_queue(engine: Engine, clock) -> None:
    engine.send_message(STD, "late", delay_seconds=30)
    attrs = engine.get_queue_attributes(STD, ["ApproximateNumberOfMessagesDelayed"])
    assert attrs == {"ApproximateNumberOfMessagesDelayed": "1"}
    assert engine.receive_message(STD, long_poll=True) == []
    clock.tick(30)
    assert [m.body for m in engine.receive_message(STD, long_poll=True)] == ["late"]
    engine.set_queue_attributes(FIFO, {"DelaySeconds": "5"})
    engine.send_message(FIFO, "f", group_id="g")
    assert engine.receive_message(FIFO) == []
    clock.tick(5)
    assert [m.body for m in engine.receive_message(FIFO)] == ["f"]


def test_next_due_tells_a_waiter_when_to_look_again(engine: Engine, clock) -> None:
    engine.send_message(STD, "late", delay_seconds=7)
    assert engine.next_due(STD) == clock.t + 7


def test_retention_expires_old_messages(engine: Engine, clock) -> None:
    engine.set_queue_attributes(STD, {"MessageRetentionPeriod": "60"})
    engine.send_message(STD, "old")
    clock.tick(30)
    engine.send_message(STD, "young")
    clock.tick(31)
    assert [m.body for m in drain(engine, STD)] == ["young"]
    assert engine.metrics(STD)["totals"]["expired"] == 1


def test_size_limit_is_in_bytes(engine: Engine) -> None:
    engine.set_queue_attributes(STD, {"MaximumMessageSize": "1024"})
    engine.send_message(STD, "é" * 512)  # 1,024 bytes: fits
    with pytest.raises(SqsError) as exc:
        engine.send_message(STD, "é" * 513)  # 513 characters but 1,026 bytes
    assert error_code(exc) == "InvalidParameterValue"


def test_attribute_bytes_count_towards_the_limit(engine: Engine) -> None:
    engine.set_queue_attributes(STD, {"MaximumMessageSize": "1024"})
    attrs = {"k": {"DataType": "String", "StringValue": "v"}}
    with pytest.raises(SqsError):
        engine.send_message(STD, "x" * 1020, message_attributes=attrs)


# ----- FIFO ---------------------------------------------------------------------------------------
def test_fifo_needs_a_group(engine: Engine) -> None:
    with pytest.raises(SqsError) as exc:
        engine.send_message(FIFO, "m")
    assert error_code(exc) == "MissingParameter"


def test_fifo_rejects_per_message_delay(engine: Engine) -> None:
    with pytest.raises(SqsError) as exc:
        engine.send_message(FIFO, "m", group_id="g", delay_seconds=5)
    assert error_code(exc) == "InvalidParameterValue"


def test_fifo_without_content_dedup_needs_an_id(engine: Engine) -> None:
    engine.create_queue("plain.fifo", {"FifoQueue": "true"})
    with pytest.raises(SqsError) as exc:
        engine.send_message("plain.fifo", "m", group_id="g")
    assert error_code(exc) == "InvalidParameterValue"


def test_fifo_order_and_several_of_one_group_per_receive(engine: Engine) -> None:
    for i in range(25):
        engine.send_message(FIFO, f"Message {i}", group_id="g")
    first = engine.receive_message(FIFO, 10)
    assert numbers(first) == list(range(10))
    assert engine.receive_message(FIFO, 10) == []  # group blocked while in flight
    for m in first:
        engine.delete_message(FIFO, m.receipt_handle)
    assert numbers(engine.receive_message(FIFO, 10)) == list(range(10, 20))


def test_fifo_other_groups_flow_while_one_is_blocked(engine: Engine) -> None:
    engine.send_message(FIFO, "a0", group_id="a")
    engine.send_message(FIFO, "a1", group_id="a")
    engine.send_message(FIFO, "b0", group_id="b")
    (a0,) = engine.receive_message(FIFO, 1)
    assert a0.body == "a0"
    assert [m.body for m in engine.receive_message(FIFO, 10)] == ["b0"]


def test_fifo_redelivers_in_order_after_visibility_timeout(engine: Engine, clock) -> None:
    for i in range(3):
        engine.send_message(FIFO, f"Message {i}", group_id="g")
    assert numbers(engine.receive_message(FIFO, 2)) == [0, 1]
    clock.tick(30)
    assert numbers(engine.receive_message(FIFO, 10)) == [0, 1, 2]


def test_content_dedup_survives_deletion_and_expires_after_5_minutes(engine: Engine) -> None:
    first = engine.send_message(FIFO, "Message 0", group_id="g")
    (m,) = engine.receive_message(FIFO)
    engine.delete_message(FIFO, m.receipt_handle)
    again = engine.send_message(FIFO, "Message 0", group_id="g")
    assert again.message_id == first.message_id
    assert engine.receive_message(FIFO) == []
    engine.advance(300)
    engine.send_message(FIFO, "Message 0", group_id="g")
    assert [m.body for m in engine.receive_message(FIFO)] == ["Message 0"]


def test_explicit_dedup_id_wins_over_content(engine: Engine) -> None:
    engine.send_message(FIFO, "same", group_id="g", dedup_id="one")
    engine.send_message(FIFO, "same", group_id="g", dedup_id="two")
    engine.send_message(FIFO, "other", group_id="g", dedup_id="one")
    assert [m.body for m in engine.receive_message(FIFO, 10)] == ["same", "same"]


def test_dedup_scope_message_group(engine: Engine) -> None:
    engine.create_queue(
        "scoped.fifo",
        {
            "FifoQueue": "true",
            "DeduplicationScope": "messageGroup",
            "FifoThroughputLimit": "perMessageGroupId",
        },
    )
    engine.send_message("scoped.fifo", "x", group_id="a", dedup_id="d")
    engine.send_message("scoped.fifo", "x", group_id="b", dedup_id="d")
    engine.send_message("scoped.fifo", "x", group_id="a", dedup_id="d")
    assert (
        len(engine.receive_message("scoped.fifo", 10))
        + len(engine.receive_message("scoped.fifo", 10))
        == 2
    )


def test_per_group_throughput_needs_group_scope(engine: Engine) -> None:
    with pytest.raises(SqsError) as exc:
        engine.create_queue(
            "bad.fifo", {"FifoQueue": "true", "FifoThroughputLimit": "perMessageGroupId"}
        )
    assert error_code(exc) == "InvalidAttributeValue"


def test_sequence_numbers_increase(engine: Engine) -> None:
    seqs = [
        int(engine.send_message(FIFO, f"m{i}", group_id="g").sequence_number) for i in range(20)
    ]
    assert seqs == sorted(seqs) and len(set(seqs)) == 20


def test_receive_request_attempt_id_returns_the_same_messages(engine: Engine) -> None:
    for i in range(3):
        engine.send_message(FIFO, f"Message {i}", group_id=f"g{i}")
    first = engine.receive_message(FIFO, 2, attempt_id="try-1")
    retry = engine.receive_message(FIFO, 2, attempt_id="try-1")
    assert [(m.message_id, m.receipt_handle) for m in retry] == [
        (m.message_id, m.receipt_handle) for m in first
    ]
    other = engine.receive_message(FIFO, 2, attempt_id="try-2")
    assert {m.message_id for m in other}.isdisjoint({m.message_id for m in first})


# ----- dead-letter queues -------------------------------------------------------------------------
def test_redrive_moves_after_max_receive_count(engine: Engine, clock) -> None:
    engine.create_queue("dlq")
    policy = json.dumps({"deadLetterTargetArn": engine.arn("dlq"), "maxReceiveCount": 2})
    engine.create_queue("work", {"RedrivePolicy": policy, "VisibilityTimeout": "1"})
    engine.send_message("work", "poison")
    for _ in range(2):
        assert len(engine.receive_message("work", long_poll=True)) == 1
        clock.tick(1)
    assert engine.receive_message("work", long_poll=True) == []
    (dead,) = engine.receive_message("dlq", long_poll=True)
    assert dead.body == "poison"
    assert dead.system["DeadLetterQueueSourceArn"] == engine.arn("work")
    assert engine.list_dead_letter_source_queues("dlq") == (["work"], None)


def test_a_changed_redrive_policy_applies_from_the_next_receive(
    engine: Engine, clock: FakeClock
) -> None:
    engine.create_queue("dlq")
    engine.create_queue("dlq2")

    def policy(target: str, count: int) -> str:
        return json.dumps({"deadLetterTargetArn": engine.arn(target), "maxReceiveCount": count})

    engine.create_queue("work", {"RedrivePolicy": policy("dlq", 3), "VisibilityTimeout": "1"})
    engine.send_message("work", "poison")
    for _ in range(2):
        assert len(engine.receive_message("work", long_poll=True)) == 1
        clock.tick(1)
    # received twice: under maxReceiveCount 3 it would come back once more; under 2, not
    engine.set_queue_attributes("work", {"RedrivePolicy": policy("dlq2", 2)})
    assert engine.receive_message("work", long_poll=True) == []
    assert engine.receive_message("dlq", long_poll=True) == []
    (dead,) = engine.receive_message("dlq2", long_poll=True)
    assert dead.body == "poison"
    # a policy taken away stops dead-lettering at once
    engine.send_message("work", "survivor")
    assert len(engine.receive_message("work", long_poll=True)) == 1
    engine.set_queue_attributes("work", {"RedrivePolicy": ""})
    for _ in range(3):
        clock.tick(1)
        assert [m.body for m in engine.receive_message("work", long_poll=True)] == ["survivor"]


def test_dlq_must_exist_and_be_of_the_same_type(engine: Engine) -> None:
    policy = json.dumps({"deadLetterTargetArn": engine.arn(STD), "maxReceiveCount": 2})
    with pytest.raises(SqsError) as exc:
        engine.create_queue("x.fifo", {"FifoQueue": "true", "RedrivePolicy": policy})
    assert error_code(exc) == "InvalidParameterValue"
    missing = json.dumps({"deadLetterTargetArn": engine.arn("nope"), "maxReceiveCount": 2})
    with pytest.raises(SqsError):
        engine.create_queue("y", {"RedrivePolicy": missing})


# ----- queues, attributes, tags, purge, lab extensions ---------------------------------------------
def test_configured_queues_exist_at_start_and_after_reset(engine: Engine) -> None:
    declared = sorted(name for name, _ in COURSE_QUEUES)
    assert {STD, FIFO} <= set(declared)
    assert engine.list_queues() == (declared, None)
    assert engine.get_queue_attributes(FIFO, ["ContentBasedDeduplication"]) == {
        "ContentBasedDeduplication": "true"
    }
    engine.create_queue("extra")
    engine.delete_queue(STD)
    engine.reset()
    assert engine.list_queues() == (declared, None)


def test_an_engine_without_configured_queues_starts_with_none(clock: FakeClock) -> None:
    engine = Engine(clock, random.Random(1), EngineConfig())
    assert engine.list_queues() == ([], None)
    engine.create_queue("mine")
    engine.reset()
    assert engine.list_queues() == ([], None)


def test_configured_dead_letter_queues_come_first(clock: FakeClock) -> None:
    config = EngineConfig(
        initial_queues=(
            ("dlq", ()),
            (
                "work",
                (
                    (
                        "RedrivePolicy",
                        json.dumps(
                            {"deadLetterTargetArn": EngineConfig().arn("dlq"), "maxReceiveCount": 1}
                        ),
                    ),
                ),
            ),
        )
    )
    engine = Engine(clock, random.Random(1), config)
    assert engine.list_dead_letter_source_queues("dlq") == (["work"], None)


def test_create_existing_queue_with_other_attributes_is_refused(engine: Engine) -> None:
    assert engine.create_queue(STD, {"VisibilityTimeout": "30"}) == STD
    with pytest.raises(SqsError) as exc:
        engine.create_queue(STD, {"VisibilityTimeout": "31"})
    assert error_code(exc) == "QueueAlreadyExists"


def test_fifo_attribute_must_match_name(engine: Engine) -> None:
    with pytest.raises(SqsError):
        engine.create_queue("nofifo", {"FifoQueue": "true"})
    with pytest.raises(SqsError):
        engine.create_queue("yes.fifo")


def test_list_queues_prefix_and_paging(engine: Engine) -> None:
    for i in range(5):
        engine.create_queue(f"page-{i}")
    page, token = engine.list_queues("page-", 2)
    assert page == ["page-0", "page-1"] and token
    page, token = engine.list_queues("page-", 2, token)
    assert page == ["page-2", "page-3"]
    page, token = engine.list_queues("page-", 2, token)
    assert page == ["page-4"] and token is None


def test_missing_queue(engine: Engine) -> None:
    with pytest.raises(SqsError) as exc:
        engine.send_message("nope", "m")
    assert error_code(exc) == "AWS.SimpleQueueService.NonExistentQueue"


def test_approximate_counts(engine: Engine) -> None:
    engine.send_message(STD, "a")
    engine.send_message(STD, "b")
    engine.send_message(STD, "c", delay_seconds=10)
    engine.receive_message(STD, 1, long_poll=True)
    attrs = engine.get_queue_attributes(STD, ["All"])
    assert attrs["ApproximateNumberOfMessages"] == "1"
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"
    assert attrs["ApproximateNumberOfMessagesDelayed"] == "1"
    assert attrs["QueueArn"] == "arn:aws:sqs:us-east-1:000000000000:csse6400_prac"


def test_unknown_attribute_name(engine: Engine) -> None:
    with pytest.raises(SqsError) as exc:
        engine.get_queue_attributes(STD, ["Colour"])
    assert error_code(exc) == "InvalidAttributeName"


def test_purge_and_purge_in_progress(engine: Engine, clock) -> None:
    for i in range(5):
        engine.send_message(STD, f"m{i}")
    engine.purge_queue(STD)
    assert engine.receive_message(STD, 10, long_poll=True) == []
    with pytest.raises(SqsError) as exc:
        engine.purge_queue(STD)
    assert error_code(exc) == "AWS.SimpleQueueService.PurgeQueueInProgress"
    clock.tick(60)
    engine.purge_queue(STD)


def test_tags(engine: Engine) -> None:
    engine.tag_queue(STD, {"course": "csse6400", "week": "6"})
    engine.untag_queue(STD, ["week"])
    assert engine.list_queue_tags(STD) == {"course": "csse6400"}


def test_metrics_count_what_the_console_shows(engine: Engine) -> None:
    engine.send_message(STD, "a")
    engine.receive_message(STD, long_poll=True, count_empty=True)
    engine.receive_message(STD, long_poll=True, count_empty=True)
    totals = engine.metrics(STD)["totals"]
    assert totals["sent"] == 1 and totals["received"] == 1 and totals["empty_receives"] == 1


def test_reset_restores_the_initial_state(engine: Engine) -> None:
    engine.create_queue("extra")
    engine.send_message(STD, "a")
    engine.advance(100)
    engine.reset()
    assert engine.list_queues()[0] == sorted(name for name, _ in COURSE_QUEUES)
    assert engine.offset == 0
    assert engine.get_queue_attributes(STD, ["ApproximateNumberOfMessages"]) == {
        "ApproximateNumberOfMessages": "0"
    }


def test_deleting_the_blocking_fifo_message_wakes_waiters(engine: Engine) -> None:
    woken: list[str] = []
    engine.send_message(FIFO, "first", group_id="g")
    engine.send_message(FIFO, "second", group_id="g")
    (m,) = engine.receive_message(FIFO, 1)
    engine.on_visible = woken.append
    engine.delete_message(FIFO, m.receipt_handle)
    assert woken == [FIFO]


def test_visibility_cap_counts_from_the_latest_receive(engine: Engine, clock) -> None:
    engine.send_message(STD, "m")
    engine.receive_message(STD, long_poll=True)
    clock.tick(30)
    (m,) = engine.receive_message(STD, long_poll=True)
    engine.change_message_visibility(STD, m.receipt_handle, 43_200)  # 12 h from this receive
    clock.tick(1)
    with pytest.raises(SqsError) as exc:
        engine.change_message_visibility(STD, m.receipt_handle, 43_200)
    assert error_code(exc) == "InvalidParameterValue"


def test_fifo_receive_cost_does_not_depend_on_the_number_of_groups(engine: Engine) -> None:
    # 5,000 one-message groups: a receive must not walk them all (checked by counting visits).
    for i in range(5000):
        engine.send_message(FIFO, f"Message {i}", group_id=f"g{i}")
    store = engine.queues[FIFO].store
    visited = []

    class CountingDict(dict):
        def __iter__(self):
            for key in super().__iter__():
                visited.append(key)
                yield key

    store.ready = CountingDict(store.ready)
    assert numbers(engine.receive_message(FIFO, 10)) == list(range(10))
    assert len(visited) <= 11


def test_deleted_messages_are_not_kept_until_retention_ends(engine: Engine) -> None:
    for i in range(3000):
        engine.send_message(STD, f"Message {i}")
    drain(engine, STD, polls=1000)
    assert len(engine.queues[STD].retention) < 1500


def test_deleted_messages_leave_the_timer_heap_and_live_timers_still_fire() -> None:
    clock = FakeClock()
    # no duplicates: a copy left behind would stay visible and blur the counts below
    engine = Engine(clock, random.Random(5), course_config(duplicate_rate=0.0))
    engine.create_queue("heap", {"VisibilityTimeout": "30"})
    # one message stays in flight throughout; its timer must survive every compaction
    engine.send_message("heap", "kept")
    (kept,) = engine.receive_message("heap", max_number=1, long_poll=True)
    for n in range(5_000):  # receive and delete well within the visibility timeout
        engine.send_message("heap", f"m{n}")
        clock.tick(0.001)
        got = engine.receive_message("heap", max_number=1, long_poll=True)
        assert len(got) == 1
        assert engine.delete_message_batch("heap", [got[0].receipt_handle]) == [None]
    queue = engine.queues["heap"]
    # the heap no longer holds an entry per message ever received: at most the stale ones
    # since the last pass, never more than the live ones twice over plus the threshold
    assert len(queue.timers) <= 2 * 1025
    assert queue.inflight == 1 and queue.visible == 0
    clock.tick(30)  # the kept message's visibility timeout ends: it comes back, once
    again = engine.receive_message("heap", max_number=10, long_poll=True)
    assert [m.message_id for m in again] == [kept.message_id]
    assert again[0].receive_count == 2


def test_deleting_from_the_front_drops_entries_at_once_and_keeps_arrival_order(
    engine: Engine,
) -> None:
    """Entries of departed messages at the front go as they leave (no compaction pass needed);
    one left behind in the middle keeps its place in arrival order until it goes too."""
    for i in range(50):
        engine.send_message(STD, f"Message {i}")
    retention = engine.queues[STD].retention
    got = drain(engine, STD, polls=200)
    assert len(got) == 50
    assert len(retention) == 0 and retention.gone == 0
    for i in range(5):
        engine.send_message(STD, f"Again {i}")
    kept = [m for _, m in retention.by_arrival()]
    received = []
    for _ in range(50):
        received += engine.receive_message(STD, 10, long_poll=True)
    middle = next(m for m in received if m.body == "Again 2")
    for m in received:
        if m is not middle:
            engine.delete_message(STD, m.receipt_handle)
    assert [m.body for _, m in retention.by_arrival() if m.state != GONE] == ["Again 2"]
    assert [m.body for _, m in retention.by_arrival()][:3] == [m.body for m in kept[2:5]]
    engine.delete_message(STD, middle.receipt_handle)
    assert len(retention) == 0 and retention.gone == 0


def test_more_declared_queues_leave_the_seeded_story_as_it_was(clock: FakeClock) -> None:
    """Terraform may declare more queues; a lesson's seeded order on its own queue stays put."""

    def story(queues: tuple) -> list[list[str]]:
        engine = Engine(FakeClock(clock.t), random.Random(9), EngineConfig(initial_queues=queues))
        for i in range(40):
            engine.send_message(STD, f"m{i}")
        return [[m.body for m in engine.receive_message(STD, 10)] for _ in range(8)]

    alone = ((STD, ()),)
    more = ((STD, ()), ("other", ()), ("other.fifo", (("FifoQueue", "true"),)), ("last", ()))
    assert story(alone) == story(more)
    assert any(len(batch) < 10 for batch in story(more))  # short polls: the model is still there
