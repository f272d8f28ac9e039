"""Engine-level conformance with behaviours recorded on AWS (issue 10), exact and instant.

The FIFO "visible again" rule, from the AWS FIFO docs: in-flight messages block delivery of the
available messages *behind* them in their group; a message whose visibility timeout ran out or was
set to 0 is available again in its original place. So a receive takes a group's visible messages
from its front up to the first one still in flight.
"""

from __future__ import annotations

import pytest

from labkit.sqslocal.engine import Engine
from labkit.sqslocal.errors import SqsError

FIFO = "csse6400_prac.fifo"
STD = "csse6400_prac"


def bodies(received) -> list[str]:
    return [m.body for m in received]


def send(engine: Engine, *items: tuple[str, str]) -> None:
    for group, body in items:
        engine.send_message(FIFO, body, group_id=group)


def test_terminated_visibility_returns_the_message_first(engine: Engine, clock) -> None:
    send(engine, ("g", "g1"), ("g", "g2"), ("h", "h1"))
    assert bodies(engine.receive_message(FIFO, 1, visibility_timeout=10)) == ["g1"]
    assert bodies(engine.receive_message(FIFO, 10)) == ["h1"]  # g blocked behind g1
    clock.tick(11)
    assert bodies(engine.receive_message(FIFO, 10)) == ["g1", "g2"]


def test_changed_visibility_returns_the_message_with_other_groups(engine: Engine) -> None:
    send(engine, ("g", "g1"), ("h", "h1"))
    (g1,) = engine.receive_message(FIFO, 1)
    engine.change_message_visibility(FIFO, g1.receipt_handle, 0)
    assert sorted(bodies(engine.receive_message(FIFO, 10))) == ["g1", "h1"]


def test_one_of_two_in_flight_visible_again(engine: Engine) -> None:
    send(engine, ("g", "g1"), ("g", "g2"), ("g", "g3"))
    g1, _g2, _g3 = engine.receive_message(FIFO, 10)
    engine.change_message_visibility(FIFO, g1.receipt_handle, 0)
    # g1 is in front of everything in flight: returned, but not g3 behind in-flight g2
    assert bodies(engine.receive_message(FIFO, 10)) == ["g1"]


def test_a_later_message_visible_again_stays_behind_an_in_flight_one(engine: Engine) -> None:
    send(engine, ("g", "g1"), ("g", "g2"))
    _g1, g2 = engine.receive_message(FIFO, 10)
    engine.change_message_visibility(FIFO, g2.receipt_handle, 0)
    assert engine.receive_message(FIFO, 10) == []


def test_two_visible_again_come_back_in_order(engine: Engine) -> None:
    send(engine, ("g", "g1"), ("g", "g2"), ("g", "g3"))
    g1, g2 = engine.receive_message(FIFO, 2)
    assert engine.receive_message(FIFO, 10) == []  # g3 waits behind them
    engine.change_message_visibility(FIFO, g2.receipt_handle, 0)
    engine.change_message_visibility(FIFO, g1.receipt_handle, 0)
    assert bodies(engine.receive_message(FIFO, 10)) == ["g1", "g2", "g3"]


def test_fifo_delay_zero_is_accepted_other_delays_refused(engine: Engine) -> None:
    engine.send_message(FIFO, "m", group_id="g", delay_seconds=0)
    with pytest.raises(SqsError) as err:
        engine.send_message(FIFO, "n", group_id="g", delay_seconds=1)
    assert err.value.query_code == "InvalidParameterValue"


def test_fifo_delete_with_an_expired_handle_is_refused_and_the_message_stays(
    engine: Engine, clock
) -> None:
    send(engine, ("g", "m"))
    (m,) = engine.receive_message(FIFO, visibility_timeout=5)
    clock.tick(6)
    with pytest.raises(SqsError) as err:
        engine.delete_message(FIFO, m.receipt_handle)
    assert err.value.message == (
        f"Value {m.receipt_handle} for parameter ReceiptHandle is invalid. Reason: The receipt "
        "handle has expired."
    )
    assert bodies(engine.receive_message(FIFO)) == ["m"]


def test_purge_clears_the_deduplication_cache(engine: Engine, clock) -> None:
    engine.send_message(FIFO, "before", group_id="g", dedup_id="same")
    clock.tick(61)
    engine.purge_queue(FIFO)
    engine.send_message(FIFO, "after", group_id="g", dedup_id="same")
    assert bodies(engine.receive_message(FIFO)) == ["after"]


def test_standard_visibility_change_through_an_older_handle_applies(engine: Engine, clock) -> None:
    engine.send_message(STD, "m")
    (first,) = engine.receive_message(STD, visibility_timeout=0, long_poll=True)
    (second,) = engine.receive_message(STD, visibility_timeout=5, long_poll=True)
    engine.change_message_visibility(STD, first.receipt_handle, 100)
    clock.tick(50)
    assert engine.receive_message(STD, long_poll=True) == []
    assert second.message_id == first.message_id


def test_visibility_change_of_a_deleted_message(engine: Engine) -> None:
    engine.send_message(STD, "m")
    (m,) = engine.receive_message(STD, long_poll=True)
    engine.delete_message(STD, m.receipt_handle)
    with pytest.raises(SqsError) as err:
        engine.change_message_visibility(STD, m.receipt_handle, 10)
    assert err.value.query_code == "InvalidParameterValue"
    assert err.value.message.endswith(
        "Reason: Message does not exist or is not available for visibility timeout change."
    )


def test_queue_deleted_recently_on_the_service_clock(engine: Engine, clock) -> None:
    engine.create_queue("q")
    engine.delete_queue("q")
    with pytest.raises(SqsError) as err:
        engine.create_queue("q")
    assert err.value.query_code == "AWS.SimpleQueueService.QueueDeletedRecently"
    clock.tick(60)
    engine.create_queue("q")
    engine.delete_queue("q")
    engine.reset()
    engine.create_queue("q")


def test_kms_attributes(engine: Engine) -> None:
    engine.set_queue_attributes(STD, {"KmsMasterKeyId": "alias/aws/sqs"})
    attrs = engine.get_queue_attributes(STD, ["All"])
    assert attrs["KmsDataKeyReusePeriodSeconds"] == "300"
    assert attrs["SqsManagedSseEnabled"] == "false"
    engine.set_queue_attributes(STD, {"KmsMasterKeyId": ""})
    assert "KmsDataKeyReusePeriodSeconds" not in engine.get_queue_attributes(STD, ["All"])
    with pytest.raises(SqsError) as err:
        engine.create_queue("k", {"KmsMasterKeyId": "alias/x", "SqsManagedSseEnabled": "true"})
    assert err.value.query_code == "InvalidAttributeName"


def test_fifo_queue_attribute_rules(engine: Engine) -> None:
    with pytest.raises(SqsError) as err:
        engine.create_queue("std", {"FifoQueue": "false"})
    assert (err.value.query_code, err.value.message) == (
        "InvalidAttributeName",
        "Unknown Attribute FifoQueue.",
    )
    for name in ("DeduplicationScope", "FifoThroughputLimit"):
        value = "queue" if name == "DeduplicationScope" else "perQueue"
        with pytest.raises(SqsError) as err:
            engine.create_queue("std", {name: value})
        assert (
            err.value.message == f"You can specify the {name} only when FifoQueue is set to true."
        )
    engine.set_queue_attributes(FIFO, {"FifoQueue": "true"})
    assert engine.get_queue_attributes(FIFO, ["FifoQueue"]) == {"FifoQueue": "true"}
    with pytest.raises(SqsError) as err:
        engine.set_queue_attributes(FIFO, {"FifoQueue": "false"})
    assert err.value.query_code == "InvalidAttributeValue"
    assert "Modifying queue type is not supported." in err.value.message


def test_empty_tag_requests_are_refused(engine: Engine) -> None:
    with pytest.raises(SqsError):
        engine.tag_queue(STD, {})
    with pytest.raises(SqsError):
        engine.untag_queue(STD, [])


def test_dead_lettered_fifo_copy_takes_the_message_id_as_dedup_id(engine: Engine) -> None:
    import json

    engine.create_queue("dlq.fifo", {"FifoQueue": "true"})
    policy = json.dumps({"deadLetterTargetArn": engine.arn("dlq.fifo"), "maxReceiveCount": 1})
    engine.create_queue("src.fifo", {"FifoQueue": "true", "RedrivePolicy": policy})
    engine.send_message("src.fifo", "m", group_id="g", dedup_id="d1")
    (m,) = engine.receive_message("src.fifo")
    engine.change_message_visibility("src.fifo", m.receipt_handle, 0)
    assert engine.receive_message("src.fifo") == []
    (dead,) = engine.receive_message("dlq.fifo")
    assert dead.system["MessageDeduplicationId"] == m.message_id


def test_trace_header_becomes_the_system_attribute(engine: Engine) -> None:
    sent = engine.send_message(STD, "traced", trace_header="Root=1-abc-def")
    assert sent.md5_system is None  # nothing was sent as a system attribute
    (m,) = engine.receive_message(STD, long_poll=True)
    assert m.system["AWSTraceHeader"] == "Root=1-abc-def"


def test_an_expired_message_goes_back_to_its_place_not_behind_later_ones(
    make_engine, clock
) -> None:
    engine = make_engine(strict_order=True)
    for i in range(5):
        engine.send_message(STD, f"m{i}")
    assert bodies(engine.receive_message(STD, 2, visibility_timeout=5)) == ["m0", "m1"]
    clock.tick(6)
    assert bodies(engine.receive_message(STD, 10)) == ["m0", "m1", "m2", "m3", "m4"]


@pytest.mark.parametrize("fifo", [False, True])
def test_dead_letter_retention_runs_on_for_standard_restarts_for_fifo(engine, clock, fifo) -> None:
    import json

    suffix, extra = (
        (".fifo", {"FifoQueue": "true", "ContentBasedDeduplication": "true"}) if fifo else ("", {})
    )
    engine.create_queue("dlq" + suffix, {**extra, "MessageRetentionPeriod": "100"})
    policy = json.dumps({"deadLetterTargetArn": engine.arn("dlq" + suffix), "maxReceiveCount": 1})
    engine.create_queue("src" + suffix, {**extra, "RedrivePolicy": policy})
    engine.send_message("src" + suffix, "m", group_id="g" if fifo else None)
    clock.tick(60)
    (m,) = engine.receive_message("src" + suffix, long_poll=True)
    engine.change_message_visibility("src" + suffix, m.receipt_handle, 0)
    assert engine.receive_message("src" + suffix, long_poll=True) == []  # dead-lettered now
    clock.tick(50)  # 110 s after the send, 50 s after the move
    kinds = [e["event"] for e in engine.events("dlq" + suffix)]
    assert ("expired" in kinds) is (not fifo)
