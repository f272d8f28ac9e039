"""Input rules answer with the AWS error codes, and sizes are counted in bytes."""

import json

import pytest

from labkit.sqslocal import validation as check
from labkit.sqslocal.errors import SqsError


def code(exc: pytest.ExceptionInfo[SqsError]) -> str:
    return exc.value.query_code


@pytest.mark.parametrize("name", ["a", "A-b_9", "x" * 80, "x" * 75 + ".fifo"])
def test_good_queue_names(name: str) -> None:
    assert check.queue_name(name) == name


# the .fifo suffix counts towards the 80 characters (SQS Developer Guide, FIFO queue quotas)
@pytest.mark.parametrize(
    "name", ["", "x" * 81, "x" * 76 + ".fifo", "has space", "dot.name", "ü", ".fifo"]
)
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


ENTRY = "SendMessageBatchRequestEntry"


def test_batch_rules_in_aws_order() -> None:
    with pytest.raises(SqsError) as exc:
        check.batch_entry_ids([], ENTRY)
    assert code(exc) == "AWS.SimpleQueueService.EmptyBatchRequest"
    assert exc.value.message == (
        "There should be at least one SendMessageBatchRequestEntry in the request."
    )
    with pytest.raises(SqsError) as exc:
        check.batch_entry_ids([str(i) for i in range(11)], ENTRY)
    assert code(exc) == "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
    with pytest.raises(SqsError) as exc:
        check.batch_entry_ids(["id_1", "id_2", "id_2"], ENTRY)
    assert code(exc) == "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
    assert exc.value.message == "Id id_2 repeated."
    for bad in ("no spaces", "abc\n", ""):
        with pytest.raises(SqsError) as exc:
            check.batch_entry_ids([bad], ENTRY)
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
        ("VisibilityTimeout", "3\n"),
        ("VisibilityTimeout", "²"),
        ("VisibilityTimeout", "٣"),  # Arabic-Indic three: int() takes it, SQS does not
        ("VisibilityTimeout", "1_0"),
        ("VisibilityTimeout", " 10"),
    ],
)
def test_bad_queue_attribute_values(name: str, value: str) -> None:
    with pytest.raises(SqsError) as exc:
        check.queue_attributes({name: value}, fifo=False, creating=True)
    assert code(exc) == "InvalidAttributeValue"


@pytest.mark.parametrize(
    "policy",
    [
        {"maxReceiveCount": 3},
        {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq"},
        {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq", "maxReceiveCount": 0},
        {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq", "maxReceiveCount": 1001},
        {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq", "maxReceiveCount": "²"},
        {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq", "maxReceiveCount": "٣"},
        {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq", "maxReceiveCount": "3\n"},
    ],
)
def test_bad_redrive_policies_are_invalid_parameter_values(policy: dict) -> None:
    with pytest.raises(SqsError) as exc:
        check.queue_attributes({"RedrivePolicy": json.dumps(policy)}, fifo=False, creating=True)
    assert code(exc) == "InvalidParameterValue"


def test_redrive_policy_count_may_be_ascii_text() -> None:
    arn = "arn:aws:sqs:us-east-1:000000000000:dlq"
    got = check.queue_attributes(
        {"RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "5"})},
        fifo=False,
        creating=True,
    )
    assert json.loads(got["RedrivePolicy"])["maxReceiveCount"] == 5


@pytest.mark.parametrize("name", ["abc\n", "abc\n.fifo", "abc.fifo\n"])
def test_queue_names_with_a_trailing_newline_are_refused(name: str) -> None:
    with pytest.raises(SqsError):
        check.queue_name(name)


@pytest.mark.parametrize("value", ["g\n", "", "x" * 129, "tab\there", "é"])
def test_bad_group_and_dedup_ids(value: str) -> None:
    with pytest.raises(SqsError) as exc:
        check.dedup_id(value, "MessageGroupId")
    assert exc.value.message == (
        f"Value {value} for parameter MessageGroupId is invalid. Reason: MessageGroupId can only "
        "include alphanumeric and punctuation characters. 1 to 128 in length."
    )


def test_attribute_names_beyond_ascii_are_allowed_but_not_newlines() -> None:
    check.message_attributes({"attr.1øßä": {"DataType": "String", "StringValue": "v"}})
    for bad in ("name\n", "a b"):
        with pytest.raises(SqsError):
            check.message_attributes({bad: {"DataType": "String", "StringValue": "v"}})
    with pytest.raises(SqsError):
        check.message_attributes({"n": {"DataType": "String\n", "StringValue": "v"}})
    with pytest.raises(SqsError):
        check.message_attributes({"n": {"DataType": "Number", "StringValue": "٣"}})


def test_empty_string_attribute_wording() -> None:
    with pytest.raises(SqsError) as exc:
        check.message_attributes({"X": {"DataType": "String", "StringValue": ""}})
    assert exc.value.message == (
        "Message (user) attribute 'X' must contain a non-empty value of type 'String'."
    )


def test_fifo_only_attribute_on_standard_queue_is_unknown() -> None:
    with pytest.raises(SqsError) as exc:
        check.queue_attributes({"ContentBasedDeduplication": "true"}, fifo=False, creating=True)
    assert code(exc) == "InvalidAttributeName"
