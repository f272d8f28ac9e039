"""Notebook 02's checks: right, wrong (with what was expected and a hint) and not done yet."""

from __future__ import annotations

import json

import pytest

from labkit import checks
from labkit.checks import RIGHT, TODO, WRONG

MESSAGES = 5
DLQ_ARN = "arn:aws:sqs:us-east-1:000000000000:lab02-orders-dlq.fifo"


def bodies(numbers, prefix: str = "") -> list[str]:
    return [f"{prefix}Message {n}" for n in numbers]


# --- resent_messages_arrived -------------------------------------------------------------------
resent = checks.resent_messages_arrived.outcome


def test_resend_not_done_while_the_placeholder_stays():
    outcome = resent(..., messages=MESSAGES)
    assert outcome.mark == TODO and "not done yet" in str(outcome)


@pytest.mark.parametrize("prefix", ["", "A-", "run 2: "])
def test_resend_right_when_every_body_came_once_in_order(prefix: str):
    outcome = resent(bodies(range(MESSAGES), prefix), messages=MESSAGES)
    assert outcome.ok, outcome


def test_resend_nothing_arrived_points_at_the_deduplication_interval():
    outcome = resent([], messages=MESSAGES)
    assert outcome.mark == WRONG
    assert "expected 5 messages, got 0" in outcome.text
    assert "MessageDeduplicationId" in outcome.text and "5 minutes" in outcome.text


def test_resend_one_shared_deduplication_id_delivers_only_the_first():
    outcome = resent(bodies([0]), messages=MESSAGES)
    assert outcome.mark == WRONG and "own de-duplication id" in outcome.text


def test_resend_out_of_order_and_twice_are_told_apart():
    shuffled = resent(bodies([1, 0, 2, 3, 4]), messages=MESSAGES)
    assert shuffled.mark == WRONG and "MessageGroupId" in shuffled.text
    twice = resent(bodies([0, 1, 1, 2, 3, 4]), messages=MESSAGES)
    assert twice.mark == WRONG and "twice" in twice.text


def test_resend_wrong_type_is_a_verdict_not_a_crash(capsys):
    checks.resent_messages_arrived("Message 0", messages=MESSAGES)
    line = capsys.readouterr().out
    assert line.startswith(WRONG) and line.count("\n") == 1


# --- visibility_covers_job ---------------------------------------------------------------------
covers = checks.visibility_covers_job.outcome


def test_visibility_not_done_while_the_placeholder_stays():
    assert covers(..., ..., job_seconds=20).mark == TODO


def test_visibility_right_when_only_consumer_a_got_the_message():
    outcome = covers(30, [(0, "A", 1)], job_seconds=20)
    assert outcome.ok and "30 s" in outcome.text


def test_visibility_too_short_names_the_duplicate_and_the_job_time():
    outcome = covers(5, [(0, "A", 1), (5, "B", 2), (10, "B", 3)], job_seconds=20)
    assert outcome.mark == WRONG
    assert "consumer B got the message at 5 s" in outcome.text
    assert "expected 1 delivery (to A), got 3 deliveries" in outcome.text
    assert "longer than the job" in outcome.text


def test_visibility_just_longer_than_the_job_asks_for_a_margin():
    outcome = covers(21, [(0, "A", 1), (20, "B", 2)], job_seconds=20)
    assert outcome.mark == WRONG and "leave a margin" in outcome.text


@pytest.mark.parametrize("value", ["30", True, None])
def test_visibility_must_be_a_number(value):
    outcome = covers(value, [(0, "A", 1)], job_seconds=20)
    assert outcome.mark == WRONG and "43,200" in outcome.text


def test_visibility_without_an_experiment_is_wrong_not_right():
    assert covers(30, [], job_seconds=20).mark == WRONG


# --- poison_reaches_dlq ------------------------------------------------------------------------
poison = checks.poison_reaches_dlq.outcome
POLICY = {"deadLetterTargetArn": DLQ_ARN, "maxReceiveCount": 3}


def moved(receives: int) -> dict:
    return {"error": None, "dead": ["order 2"], "poison_receives": receives}


def test_poison_not_done_while_the_placeholder_stays():
    assert poison(..., ..., max_receives=3).mark == TODO


@pytest.mark.parametrize("policy", [POLICY, json.dumps(POLICY)])
def test_poison_right_as_a_dict_or_as_json_text(policy):
    assert poison(policy, moved(3), max_receives=3).ok


def test_poison_policy_needs_both_keys():
    outcome = poison({"maxReceiveCount": 3}, moved(3), max_receives=3)
    assert outcome.mark == WRONG and "deadLetterTargetArn" in outcome.text
    assert poison("not json", moved(3), max_receives=3).mark == WRONG


def test_poison_moved_after_the_wrong_number_of_receives():
    outcome = poison({**POLICY, "maxReceiveCount": 5}, moved(5), max_receives=3)
    assert outcome.mark == WRONG and "expected 3, got 5" in outcome.text


def test_poison_never_moved_points_at_the_arn():
    stuck = {"error": None, "dead": [], "poison_receives": 19}
    outcome = poison(POLICY, stuck, max_receives=3)
    assert outcome.mark == WRONG and "dlq_arn" in outcome.text


def test_poison_refused_policy_shows_what_sqs_said():
    refused = {"error": "InvalidParameterValue: Value 0 for parameter RedrivePolicy is invalid."}
    outcome = poison({**POLICY, "maxReceiveCount": 0}, refused, max_receives=3)
    assert outcome.mark == WRONG and "InvalidParameterValue" in outcome.text


def test_every_02_check_prints_one_line(capsys):
    checks.visibility_covers_job(..., ..., job_seconds=20)
    checks.poison_reaches_dlq(POLICY, moved(3), max_receives=3)
    lines = capsys.readouterr().out.splitlines()
    assert [line[0] for line in lines] == [TODO, RIGHT]
