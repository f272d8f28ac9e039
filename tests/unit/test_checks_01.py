"""Notebook 01's checks: right, wrong and not done, each read from the one line a check prints."""

from __future__ import annotations

import pytest

from labkit import checks

ALL = [f"Message {i}" for i in range(100)]


def verdict(check, *args, **kwargs) -> checks.Outcome:
    return check.outcome(*args, **kwargs)


def printed(capsys, check, *args, **kwargs) -> str:
    check(*args, **kwargs)
    out = capsys.readouterr().out
    assert out.count("\n") == 1, "a check prints exactly one line"
    return out.strip()


class TestReceiveLoop:
    def test_all_received_and_deleted_is_right(self):
        outcome = verdict(checks.receive_loop, list(reversed(ALL)), sent=100, left=0)
        assert outcome.ok
        assert "100 deliveries: no duplicates" in outcome.text

    def test_a_duplicate_delivery_is_still_right_and_named(self):
        outcome = verdict(checks.receive_loop, [*ALL, "Message 7"], sent=100, left=0)
        assert outcome.ok
        assert "101 deliveries: 1 duplicate delivery" in outcome.text

    def test_whole_message_dicts_are_accepted(self):
        messages = [{"Body": body, "ReceiptHandle": "r"} for body in ALL]
        assert verdict(checks.receive_loop, messages, sent=100, left=0).ok

    def test_missing_messages_are_wrong_with_the_numbers_and_a_hint(self, capsys):
        line = printed(capsys, checks.receive_loop, ALL[:90], sent=100, left=10)
        assert line.startswith("✗ some messages never reached your loop")
        assert "expected all 100 numbers 0–99" in line
        assert "90 of them (10 missing: 90, 91, 92, 93, 94 …)" in line
        assert "Hint:" in line and "WaitTimeSeconds" in line

    def test_messages_left_in_the_queue_are_wrong(self, capsys):
        line = printed(capsys, checks.receive_loop, ALL, sent=100, left=100)
        assert line.startswith("✗ not every message was deleted")
        assert "got 100 left" in line and "delete_message" in line

    def test_a_single_body_instead_of_a_list_is_wrong(self, capsys):
        line = printed(capsys, checks.receive_loop, "Message 0", sent=100, left=0)
        assert line.startswith("✗ `received` should be a list")

    def test_nothing_received_is_wrong(self):
        outcome = verdict(checks.receive_loop, [], sent=100, left=100)
        assert outcome.mark == checks.WRONG
        assert "0 of them (100 missing" in outcome.text

    def test_the_placeholder_is_not_done(self, capsys):
        line = printed(capsys, checks.receive_loop, ..., sent=100, left=100)
        assert line.startswith("… not done yet")


class TestIdlePolling:
    def test_long_polling_is_right_with_its_counts(self):
        outcome = verdict(checks.idle_polling, 20, [(2.0, 1)])
        assert outcome.ok
        assert "WaitTimeSeconds=20): 1 ReceiveMessage request, 0 empty" in outcome.text

    def test_a_short_long_poll_counts_its_empty_replies(self):
        outcome = verdict(checks.idle_polling, 1, [(1.0, 0), (2.0, 1)])
        assert outcome.ok
        assert "2 ReceiveMessage requests, 1 empty" in outcome.text

    def test_short_polling_is_wrong(self, capsys):
        replies = [(i / 100, 0) for i in range(300)] + [(3.0, 1)]
        line = printed(capsys, checks.idle_polling, 0, replies)
        assert line.startswith("✗ still short polling")
        assert "got 0, which made 300 empty (billed) receives" in line
        assert "Hint:" in line

    def test_a_run_without_the_message_is_wrong(self):
        outcome = verdict(checks.idle_polling, 20, [(20.0, 0)])
        assert outcome.mark == checks.WRONG
        assert "never arrived" in outcome.text

    @pytest.mark.parametrize("args", [(..., ...), (20, ...), (..., [(2.0, 1)])])
    def test_the_placeholder_is_not_done(self, capsys, args):
        line = printed(capsys, checks.idle_polling, *args)
        assert line.startswith("… not done yet")


def test_a_check_given_garbage_prints_a_wrong_line_instead_of_raising(capsys):
    line = printed(capsys, checks.idle_polling, 20, 42)
    assert line.startswith("✗ the check could not read your answer")
