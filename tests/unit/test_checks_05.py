"""Notebook 05's checks: right, wrong (with a hint) and not done yet, as one printed line each."""

from __future__ import annotations

import pytest

from labkit import checks
from labkit.checks import WORKER_STEPS

POISON = "0123456789abcdef0123456789abcdef"


def verdict(check, *args, **kwargs) -> checks.Outcome:
    return check.outcome(*args, **kwargs)


# --- worker_step_order ----------------------------------------------------------------------


def test_worker_steps_in_the_safe_order_are_right():
    outcome = verdict(checks.worker_step_order, list(WORKER_STEPS))
    assert outcome.ok and "only then delete" in outcome.text


def test_worker_steps_placeholder_is_not_done():
    assert verdict(checks.worker_step_order, ...).mark == checks.TODO


def test_deleting_before_the_commit_is_wrong_and_says_why():
    order = list(WORKER_STEPS)
    order[3], order[4] = order[4], order[3]  # delete, then commit
    outcome = verdict(checks.worker_step_order, order)
    assert outcome.mark == checks.WRONG
    assert "loses the job" in outcome.text


@pytest.mark.parametrize(
    ("order", "hint"),
    [
        (
            [WORKER_STEPS[1], WORKER_STEPS[0], *WORKER_STEPS[2:]],
            "only from the message",
        ),
        (
            [WORKER_STEPS[0], WORKER_STEPS[2], WORKER_STEPS[1], *WORKER_STEPS[3:]],
            "before the slow part",
        ),
    ],
)
def test_other_wrong_orders_get_their_own_hint(order, hint):
    outcome = verdict(checks.worker_step_order, order)
    assert outcome.mark == checks.WRONG and hint in outcome.text


@pytest.mark.parametrize(
    "steps", [list(WORKER_STEPS[:4]), [*WORKER_STEPS, "sleep"], "receive, build", None]
)
def test_missing_extra_or_not_a_list_of_steps_is_wrong(steps):
    outcome = verdict(checks.worker_step_order, steps)
    assert outcome.mark == checks.WRONG and "exactly once" in outcome.text


# --- visibility_fix ---------------------------------------------------------------------------


def test_a_timeout_longer_than_the_job_that_ran_once_is_right():
    outcome = verdict(checks.visibility_fix, 3, 1, work_seconds=1.5)
    assert outcome.ok and "ran once" in outcome.text


def test_visibility_placeholder_is_not_done():
    assert verdict(checks.visibility_fix, ..., ..., work_seconds=1.5).mark == checks.TODO
    assert verdict(checks.visibility_fix, 3, ..., work_seconds=1.5).mark == checks.TODO


@pytest.mark.parametrize("timeout", [1, 0])
def test_a_timeout_not_longer_than_the_job_is_wrong(timeout):
    outcome = verdict(checks.visibility_fix, timeout, 2, work_seconds=1.5)
    assert outcome.mark == checks.WRONG
    assert "more than 1.5 s" in outcome.text and "visible again" in outcome.text


@pytest.mark.parametrize("timeout", [2.5, "3", True])
def test_a_timeout_that_is_not_whole_seconds_is_wrong(timeout):
    outcome = verdict(checks.visibility_fix, timeout, 1, work_seconds=1.5)
    assert outcome.mark == checks.WRONG and "whole seconds" in outcome.text


def test_a_long_enough_timeout_whose_job_still_ran_twice_is_wrong():
    outcome = verdict(checks.visibility_fix, 3, 2, work_seconds=1.5)
    assert outcome.mark == checks.WRONG and "expected 1, got 2" in outcome.text


# --- failed_jobs ------------------------------------------------------------------------------


def test_the_poison_job_with_its_attempts_and_error_is_right():
    rows = [(POISON, 3, "ValueError: Invalid isoformat string: 'not a date'")]
    outcome = verdict(checks.failed_jobs, rows, poison_id=POISON, attempts=3)
    assert outcome.ok and "tried 3 times" in outcome.text


def test_failed_jobs_placeholder_is_not_done():
    assert verdict(checks.failed_jobs, ..., poison_id=POISON, attempts=3).mark == checks.TODO


def test_every_job_instead_of_the_failed_ones_is_wrong():
    rows = [("a" * 32, 1, None), (POISON, 3, "boom")]
    outcome = verdict(checks.failed_jobs, rows, poison_id=POISON, attempts=3)
    assert outcome.mark == checks.WRONG and "WHERE status = 'FAILURE'" in outcome.text


def test_fetchone_instead_of_fetchall_is_wrong():
    outcome = verdict(checks.failed_jobs, None, poison_id=POISON, attempts=3)
    assert outcome.mark == checks.WRONG and "fetchall" in outcome.text


def test_other_columns_are_wrong():
    outcome = verdict(checks.failed_jobs, [(POISON, "boom")], poison_id=POISON, attempts=3)
    assert outcome.mark == checks.WRONG and "SELECT id, attempts, error" in outcome.text


def test_a_check_prints_one_line_and_never_raises(capsys: pytest.CaptureFixture[str]):
    checks.failed_jobs([object()], poison_id=POISON, attempts=3)  # rows that cannot be indexed
    checks.worker_step_order(list(WORKER_STEPS))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(checks.WRONG) and lines[1].startswith(checks.RIGHT)
