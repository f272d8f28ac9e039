"""Notebook 00's checks: right, wrong and not done, each one printed line."""

from __future__ import annotations

import pytest

from labkit import checks

URL = "http://127.0.0.1:9324"
HELLO = "hello from notebook 00"


def _message(body: str = HELLO, handle: str = "AQEB-handle") -> dict:
    return {"MessageId": "m-1", "ReceiptHandle": handle, "Body": body, "MD5OfBody": "x"}


def test_sqs_endpoint_right_even_with_a_trailing_slash_or_capitals():
    for url in (URL, URL + "/", "HTTP://127.0.0.1:9324"):
        outcome = checks.sqs_endpoint.outcome(url, expected=URL)
        assert outcome.ok, outcome
        assert "AWS_ENDPOINT_URL_SQS" in outcome.text


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("redis://127.0.0.1:6379/0", "boto3 does not send SQS calls there"),
        ("http://127.0.0.1:6400", "take the URL on the `sqs` row"),
        (9324, "that is not a URL"),
    ],
)
def test_sqs_endpoint_wrong_says_what_and_how(url: object, says: str):
    outcome = checks.sqs_endpoint.outcome(url, expected=URL)
    assert outcome.mark == checks.WRONG
    assert says in str(outcome) and "Hint:" in str(outcome)


def test_sqs_endpoint_not_done_for_the_placeholder(capsys: pytest.CaptureFixture[str]):
    checks.sqs_endpoint(..., expected=URL)
    printed = capsys.readouterr().out
    assert printed.startswith("… not done yet") and printed.count("\n") == 1


def test_first_message_right(capsys: pytest.CaptureFixture[str]):
    checks.first_message(_message(), sent=HELLO)
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 1 and printed[0].startswith("✓")
    assert "ReceiptHandle" in printed[0]


@pytest.mark.parametrize(
    ("message", "says"),
    [
        ({"Messages": [_message()]}, "the whole response"),
        ({"Messages": []}, "the whole response"),
        ("hello from notebook 00", "not a received message"),
        ({"MessageId": "m-1"}, "not a received message"),
        (_message(body="hello"), "a different message came back"),
        (_message(handle=""), "no receipt handle"),
    ],
)
def test_first_message_wrong_says_what_and_how(message: object, says: str):
    outcome = checks.first_message.outcome(message, sent=HELLO)
    assert outcome.mark == checks.WRONG, outcome
    assert says in outcome.text and "Hint:" in outcome.text


def test_first_message_not_done_for_the_placeholder():
    outcome = checks.first_message.outcome(..., sent=HELLO)
    assert outcome.mark == checks.TODO
    assert str(outcome).startswith("… not done yet")


def test_a_check_never_raises_on_odd_input(capsys: pytest.CaptureFixture[str]):
    class Odd(dict):
        def __contains__(self, key: object) -> bool:
            raise RuntimeError("odd")

    checks.first_message(Odd(), sent=HELLO)
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 1 and printed[0].startswith("✗ the check could not read your answer")
