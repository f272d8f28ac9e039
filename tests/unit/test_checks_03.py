"""The checks of notebook 03 (worker queues with RQ): right, wrong and not done, each one line."""

from __future__ import annotations

import pytest
from rq.job import JobStatus

from labkit import checks

polled = checks.rq_job_polled.outcome
fixed = checks.job_timeout_fixed.outcome


def test_polled_to_the_end_with_the_result_is_right():
    outcome = polled(["queued", "started", "finished"], 5, expected_result=5)
    assert outcome.ok and "'finished'" in outcome.text and "5" in outcome.text


def test_rq_status_enums_count_as_their_names():
    assert polled([JobStatus.QUEUED, JobStatus.FINISHED], 5, expected_result=5).ok


def test_a_single_final_poll_is_enough():
    assert polled(["finished"], 5, expected_result=5).ok


@pytest.mark.parametrize(
    ("statuses", "result", "says"),
    [
        ([], 5, "list of statuses"),
        ("finished", 5, "list of statuses"),
        (["queued", "started"], 5, "stopped before the job ended"),
        (["finished", "finished"], 5, "after the job had ended"),
        (["queued", "failed"], None, "did not finish"),
        (["queued", "finished"], "5", "not what it returned"),
    ],
)
def test_wrong_answers_say_what_was_expected_and_hint(statuses, result, says):
    outcome = polled(statuses, result, expected_result=5)
    assert outcome.mark == checks.WRONG
    assert says in outcome.text and "expected" in outcome.text and "Hint:" in outcome.text


def test_placeholders_are_not_done():
    assert polled(..., ..., expected_result=5).mark == checks.TODO
    assert polled(["finished"], ..., expected_result=5).mark == checks.TODO


def test_timeout_longer_than_the_job_and_finished_is_right():
    outcome = fixed(3, "finished", work_seconds=1.5)
    assert outcome.ok and "3 s" in outcome.text


@pytest.mark.parametrize(
    ("timeout", "status", "says"),
    [
        (1, "failed", "needs longer"),
        (1.5, "failed", "needs longer"),
        ("3", "finished", "number of seconds"),
        (True, "finished", "number of seconds"),
        (2, "failed", "still did not finish"),
    ],
)
def test_timeout_wrong_answers(timeout, status, says):
    outcome = fixed(timeout, status, work_seconds=1.5)
    assert outcome.mark == checks.WRONG and says in outcome.text and "Hint:" in outcome.text


def test_timeout_placeholder_is_not_done():
    assert fixed(..., None, work_seconds=1.5).mark == checks.TODO


def test_checks_print_one_line(capsys):
    checks.rq_job_polled(["queued", "finished"], 5, expected_result=5)
    checks.job_timeout_fixed(..., None, work_seconds=1.5)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("✓ ") and lines[1].startswith("… not done yet")
