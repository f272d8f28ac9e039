"""Input rules answer with the AWS error codes, and sizes are counted in bytes."""

import pytest

from labkit.sqslocal import validation as check
from labkit.sqslocal.errors import SqsError


def code(exc: pytest.ExceptionInfo[SqsError]) -> str:
    return exc.value.query_code


@pytest.mark.parametrize("name", ["a", "A-b_9", "x" * 80, "x" * 80 + ".fifo"])
def test_good_queue_names(name: str) -> None:
    assert check.queue_name(name) == name


@pytest.mark.parametrize("name", ["", "x" * 81, "has space", "dot.name", "ü", ".fifo"])
def test_bad_queue_names(name: str) -> None:
    with pytest.raises(SqsError) as exc:
        check.queue_name(name)
    assert code(exc) == "InvalidParameterValue"


@pytest.mark.parametrize("body", ["\t\n\r ok", "\ud7ff\ue000\ufffd", "😀 \U0010ffff"])
def test_allowed_body_characters(body: str) -> None:
    check.body(body)


@pytest.mark.parametrize("body", ["\x00", "a\x08b", "\ufffe", "\ud800"])
def test_disallowed_body_characters(body: str) -> None:
    with pytest.raises(SqsError) as exc:
        check.body(body)
    assert code(exc) == "InvalidMessageContents"


def test_empty_body_is_a_missing_parameter() -> None:
    with pytest.raises(SqsError) as exc:
        check.body("")
    assert code(exc) == "MissingParameter"


def test_attribute_size_counts_utf8_bytes_of_name_type_and_value() -> None:
    size = check.message_attributes({"ab": {"DataType": "String", "StringValue": "ü€"}})
    assert size == 2 + len("String") + 2 + 3


@pytest.mark.parametrize(
    "attrs",
    [
        {"AWS.x": {"DataType": "String", "StringValue": "v"}},
        {"a..b": {"DataType": "String", "StringValue": "v"}},
        {"a": {"DataType": "Text", "StringValue": "v"}},
        {"a": {"DataType": "String", "StringValue": ""}},
        {"a": {"DataType": "Number", "StringValue": "12x"}},
        {"a": {"DataType": "Number", "StringValue": "1" * 39}},
        {"a": {"DataType": "Binary"}},
        {f"k{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)},
    ],
)
def test_bad_message_attributes(attrs: dict) -> None:
    with pytest.raises(SqsError) as exc:
        check.message_attributes(attrs)
    assert code(exc) == "InvalidParameterValue"


def test_batch_rules_in_aws_order() -> None:
    with pytest.raises(SqsError) as exc:
        check.batch_entry_ids([])
    assert code(exc) == "AWS.SimpleQueueService.EmptyBatchRequest"
    with pytest.raises(SqsError) as exc:
        check.batch_entry_ids([str(i) for i in range(11)])
    assert code(exc) == "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
    with pytest.raises(SqsError) as exc:
        check.batch_entry_ids(["a", "a"])
    assert code(exc) == "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
    with pytest.raises(SqsError) as exc:
        check.batch_entry_ids(["no spaces"])
    assert code(exc) == "AWS.SimpleQueueService.InvalidBatchEntryId"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("VisibilityTimeout", "43201"),
        ("DelaySeconds", "-1"),
        ("MaximumMessageSize", "1023"),
        ("MessageRetentionPeriod", "59"),
        ("ReceiveMessageWaitTimeSeconds", "21"),
        ("VisibilityTimeout", "ten"),
        ("RedrivePolicy", '{"maxReceiveCount": 3}'),
        ("RedrivePolicy", '{"deadLetterTargetArn": "arn:x", "maxReceiveCount": 0}'),
    ],
)
def test_bad_queue_attribute_values(name: str, value: str) -> None:
    with pytest.raises(SqsError) as exc:
        check.queue_attributes({name: value}, fifo=False, creating=True)
    assert code(exc) == "InvalidAttributeValue"


def test_fifo_only_attribute_on_standard_queue_is_unknown() -> None:
    with pytest.raises(SqsError) as exc:
        check.queue_attributes({"ContentBasedDeduplication": "true"}, fifo=False, creating=True)
    assert code(exc) == "InvalidAttributeName"
