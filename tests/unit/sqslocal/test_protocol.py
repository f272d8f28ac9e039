"""The wire translation without HTTP: request checking against the model, errors, attribute selection."""

from __future__ import annotations

import asyncio
import json
import random

import pytest

from labkit.sqslocal.engine import Engine
from labkit.sqslocal.protocol import Dispatcher, Waiters, queue_name_from_url
from tests.unit.sqslocal.conftest import FakeClock, course_config


@pytest.fixture
def dispatcher() -> Dispatcher:
    return Dispatcher(Engine(FakeClock(), random.Random(3), course_config()))


async def call(d: Dispatcher, action: str, payload: object) -> tuple[int, dict, dict]:
    status, headers, body = await d.handle(
        f"AmazonSQS.{action}", json.dumps(payload).encode(), "h:1"
    )
    return status, {k.decode(): v.decode() for k, v in headers}, json.loads(body)


@pytest.mark.parametrize(
    "url",
    ["http://h:1/000000000000/q", "https://sqs.eu-west-1.amazonaws.com/1/q", "/0/q", "q", "q/"],
)
def test_queue_url_forms(url: str) -> None:
    assert queue_name_from_url(url) == "q"


async def test_receive_on_empty_queue_returns_an_empty_object(dispatcher: Dispatcher) -> None:
    status, headers, body = await call(dispatcher, "ReceiveMessage", {"QueueUrl": "csse6400_prac"})
    assert (status, body) == (200, {})
    assert headers["content-type"] == "application/x-amz-json-1.0"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"QueueUrl": "csse6400_prac", "MessageBody": ["x"]}, "InvalidParameterValue"),
        (
            {"QueueUrl": "csse6400_prac", "MessageBody": "x", "DelaySeconds": True},
            "InvalidParameterValue",
        ),
        (
            {"QueueUrl": "csse6400_prac", "MessageBody": "x", "DelaySeconds": 2**40},
            "InvalidParameterValue",
        ),
        (
            {"QueueUrl": "csse6400_prac", "MessageBody": "x", "MessageAttributes": []},
            "InvalidParameterValue",
        ),
        ({"QueueUrl": "csse6400_prac"}, "MissingParameter"),
        ({"MessageBody": "x"}, "MissingParameter"),
    ],
)
async def test_model_checks(dispatcher: Dispatcher, payload: dict, code: str) -> None:
    status, headers, body = await call(dispatcher, "SendMessage", payload)
    assert status == 400
    assert headers["x-amzn-query-error"] == f"{code};Sender"
    assert body["message"]


async def test_unknown_members_are_ignored_like_aws(dispatcher: Dispatcher) -> None:
    status, _, body = await call(
        dispatcher, "SendMessage", {"QueueUrl": "csse6400_prac", "MessageBody": "x", "Colour": 1}
    )
    assert status == 200 and body["MessageId"]


async def test_selected_attributes_and_their_md5(dispatcher: Dispatcher) -> None:
    attrs = {
        "a.one": {"DataType": "String", "StringValue": "1"},
        "a.two": {"DataType": "Binary", "BinaryValue": "AAE="},
        "b": {"DataType": "Number", "StringValue": "2"},
    }
    await call(
        dispatcher,
        "SendMessage",
        {"QueueUrl": "csse6400_prac", "MessageBody": "x", "MessageAttributes": attrs},
    )
    _, _, body = await call(
        dispatcher,
        "ReceiveMessage",
        {"QueueUrl": "csse6400_prac", "WaitTimeSeconds": 1, "MessageAttributeNames": ["a.*"]},
    )
    (message,) = body["Messages"]
    assert set(message["MessageAttributes"]) == {"a.one", "a.two"}
    assert message["MessageAttributes"]["a.two"]["BinaryValue"] == "AAE="
    assert "Attributes" not in message


async def test_batch_with_a_bad_entry_reports_it(dispatcher: Dispatcher) -> None:
    _, _, body = await call(
        dispatcher,
        "SendMessageBatch",
        {
            "QueueUrl": "csse6400_prac",
            "Entries": [{"Id": "1", "MessageBody": "x\u0000"}, {"Id": "2", "MessageBody": "ok"}],
        },
    )
    assert [e["Id"] for e in body["Successful"]] == ["2"]
    assert body["Failed"][0]["Code"] == "InvalidMessageContents"


async def test_lone_surrogates_in_tags_do_not_break_replies(dispatcher: Dispatcher) -> None:
    status, _, _ = await call(
        dispatcher, "TagQueue", {"QueueUrl": "csse6400_prac", "Tags": {"k": "\ud800"}}
    )
    assert status == 200
    status, _, body = await call(dispatcher, "ListQueueTags", {"QueueUrl": "csse6400_prac"})
    assert status == 200 and body["Tags"] == {"k": "\ud800"}


@pytest.mark.parametrize("label", ["\ud800", "a\u0001", "a\x00b", "\ufffe"])
@pytest.mark.parametrize("action", ["SendMessage", "SendMessageBatch"])
async def test_a_type_label_a_body_could_not_hold_is_refused(
    dispatcher: Dispatcher, action: str, label: str
) -> None:
    message = {
        "MessageBody": "x",
        "MessageAttributes": {"a": {"DataType": f"String.{label}", "StringValue": "v"}},
    }
    request = {"QueueUrl": "csse6400_prac"}
    request |= {"Entries": [{"Id": "1", **message}]} if action == "SendMessageBatch" else message
    status, _, body = await call(dispatcher, action, request)
    error = body["Failed"][0] if action == "SendMessageBatch" else body
    assert status == (200 if action == "SendMessageBatch" else 400)
    assert "invalid message attribute type" in (error.get("Message") or error["message"])


async def test_an_internal_bug_is_an_aws_style_500(dispatcher: Dispatcher, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise KeyError("bug")

    monkeypatch.setattr(dispatcher.engine, "list_queues", broken)
    status, _headers, body = await call(dispatcher, "ListQueues", {})
    assert status == 500
    assert body["__type"].endswith("#InternalFailure")


async def test_a_cancelled_long_poll_stays_cancelled_when_a_message_arrives_at_once() -> None:
    # The server cancels the poll of a client that left; a notify in the same turn of the loop
    # must not undo that (asyncio.wait_for on Python 3.11 returned normally: the poll went on).
    waiters = Waiters()
    poll = asyncio.create_task(waiters.wait("q", 10))
    await asyncio.sleep(0)  # the poll is waiting
    waiters.notify("q")
    poll.cancel()
    with pytest.raises(asyncio.CancelledError):
        await poll
