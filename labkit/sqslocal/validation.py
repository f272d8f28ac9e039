"""SQS's input rules (names, bodies, attributes, limits), kept apart so the engine reads as semantics.

Every rule raises the error code AWS answers with. Sizes are counted in UTF-8 bytes, as AWS does.
Every pattern must match the whole value (`fullmatch`: `$` would let a trailing newline through),
and numbers given as text are ASCII digits only (`int()` also takes "٣", "1_000" and " 7").
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from labkit.sqslocal.errors import SqsError, invalid, missing

__all__ = [
    "ALL_QUEUE_ATTRIBUTES",
    "DEDUP_INTERVAL",
    "DEFAULT_ATTRIBUTES",
    "FIFO_ONLY",
    "INT_ATTRIBUTES",
    "MAX_BATCH_BYTES",
    "MAX_BATCH_ENTRIES",
    "MAX_INFLIGHT_FIFO",
    "MAX_INFLIGHT_STANDARD",
    "MAX_MESSAGE_ATTRIBUTES",
    "MAX_POLICY_ACTIONS",
    "OWNER_ONLY_ACTIONS",
    "PURGE_INTERVAL",
    "QUEUE_DELETE_INTERVAL",
    "READ_ONLY",
    "RECEIVE_ATTEMPT_INTERVAL",
    "RECEIVE_RANGE",
    "SETTABLE",
    "SHAREABLE_ACTIONS",
    "SYSTEM_ATTRIBUTES",
    "ascii_int",
    "batch_entry_ids",
    "body",
    "dedup_id",
    "int_in",
    "message_attributes",
    "permission",
    "queue_attributes",
    "queue_name",
    "redrive_policy",
]

MAX_BATCH_ENTRIES = 10
MAX_BATCH_BYTES = 1_048_576
MAX_MESSAGE_ATTRIBUTES = 10
DEDUP_INTERVAL = 300.0
PURGE_INTERVAL = 60.0
QUEUE_DELETE_INTERVAL = 60.0
RECEIVE_ATTEMPT_INTERVAL = 300.0
MAX_INFLIGHT_STANDARD = 120_000
MAX_INFLIGHT_FIFO = 120_000

_QUEUE_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
_BATCH_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
# AWS documents A-Z a-z 0-9 _ - . but accepts letters beyond ASCII (`attr.1øßä` is a valid name).
_ATTR_NAME = re.compile(r"[\w.-]{1,256}")
_DEDUP_ID = re.compile(r"[!-~]{1,128}")  # alphanumerics and punctuation, ASCII 33-126
#: A character XML 1.0 cannot carry: SQS refuses these in bodies and string values (its query
#: protocol answers in XML), and the query replies replace any that came in elsewhere.
NOT_XML_CHAR = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# A custom type label: no white space, and only characters a body may hold.
_DATA_TYPE = re.compile(
    r"(String|Number|Binary)(\.[^\s\x00-\x1f\ud800-\udfff\ufffe\uffff]{1,255})?"
)
_LABEL = re.compile(r"[A-Za-z0-9_-]{1,80}")
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_ASCII_INT = re.compile(r"-?[0-9]{1,18}")
_ASCII_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")

# queue attribute -> (min, max) for the integer ones
INT_ATTRIBUTES: dict[str, tuple[int, int]] = {
    "DelaySeconds": (0, 900),
    "MaximumMessageSize": (1024, 1_048_576),
    "MessageRetentionPeriod": (60, 1_209_600),
    "ReceiveMessageWaitTimeSeconds": (0, 20),
    "VisibilityTimeout": (0, 43_200),
    "KmsDataKeyReusePeriodSeconds": (60, 86_400),
}
DEFAULT_ATTRIBUTES: dict[str, str] = {
    "DelaySeconds": "0",
    "MaximumMessageSize": "1048576",
    "MessageRetentionPeriod": "345600",
    "ReceiveMessageWaitTimeSeconds": "0",
    "VisibilityTimeout": "30",
    "SqsManagedSseEnabled": "true",
}
FIFO_ONLY = {"ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"}
SETTABLE = {
    *INT_ATTRIBUTES,
    "Policy",
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "KmsMasterKeyId",
    "SqsManagedSseEnabled",
    *FIFO_ONLY,
}
READ_ONLY = {
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
}
ALL_QUEUE_ATTRIBUTES = SETTABLE | READ_ONLY | {"FifoQueue"}

# AddPermission: the actions a queue can share with another account (AWS lists the ones it cannot:
# AddPermission, CreateQueue, DeleteQueue, ListQueues, ListQueueTags, RemovePermission,
# SetQueueAttributes, TagQueue, UntagQueue and the message move tasks), and "*".
SHAREABLE_ACTIONS = frozenset(
    {
        "*",
        "SendMessage",
        "SendMessageBatch",
        "ReceiveMessage",
        "DeleteMessage",
        "DeleteMessageBatch",
        "ChangeMessageVisibility",
        "ChangeMessageVisibilityBatch",
        "GetQueueAttributes",
        "GetQueueUrl",
        "ListDeadLetterSourceQueues",
        "PurgeQueue",
    }
)
OWNER_ONLY_ACTIONS = frozenset(
    {
        "AddPermission",
        "CancelMessageMoveTask",
        "CreateQueue",
        "DeleteQueue",
        "ListMessageMoveTasks",
        "ListQueues",
        "ListQueueTags",
        "RemovePermission",
        "SetQueueAttributes",
        "StartMessageMoveTask",
        "TagQueue",
        "UntagQueue",
    }
)
MAX_POLICY_ACTIONS = 7

SYSTEM_ATTRIBUTES = (
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageDeduplicationId",
    "MessageGroupId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
)


def queue_name(name: str) -> str:
    base = name.removesuffix(".fifo")
    if len(name) > 80 or not _QUEUE_NAME.fullmatch(base):  # a FIFO name's suffix counts too
        raise invalid(
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
        )
    return name


def batch_entry_ids(ids: list[str], entry_type: str) -> None:
    """The batch-level rules, checked before any entry runs (AWS rejects the whole batch).
    `entry_type` names the entry shape in messages, e.g. "SendMessageBatchRequestEntry"."""
    if not ids:
        raise SqsError(
            "EmptyBatchRequest", f"There should be at least one {entry_type} in the request."
        )
    if len(ids) > MAX_BATCH_ENTRIES:
        raise SqsError(
            "TooManyEntriesInBatchRequest",
            f"Maximum number of entries per request are {MAX_BATCH_ENTRIES}. You have sent {len(ids)}.",
        )
    for entry_id in ids:
        if not _BATCH_ID.fullmatch(entry_id):
            raise SqsError(
                "InvalidBatchEntryId",
                "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
                "It can be at most 80 letters long.",
            )
    seen: set[str] = set()
    for entry_id in ids:
        if entry_id in seen:
            raise SqsError("BatchEntryIdsNotDistinct", f"Id {entry_id} repeated.")
        seen.add(entry_id)


def body(text: str) -> None:
    if not text:
        raise missing("The request must contain the parameter MessageBody.")
    bad = NOT_XML_CHAR.search(text)
    if bad:
        raise SqsError(
            "InvalidMessageContents",
            f"Invalid binary character '#x{ord(bad.group()):X}' was found in the message body, the "
            "set of allowed characters is #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | "
            "[#x10000-#x10FFFF].",
        )


def dedup_id(value: str, what: str = "MessageDeduplicationId") -> None:
    if not _DEDUP_ID.fullmatch(value):
        raise invalid(
            f"Value {value} for parameter {what} is invalid. Reason: {what} can only include "
            "alphanumeric and punctuation characters. 1 to 128 in length."
        )


def message_attributes(attrs: Mapping[str, Mapping[str, Any]], *, system: bool = False) -> int:
    """Validate message attributes; return their size in bytes (name + type + value)."""
    if len(attrs) > MAX_MESSAGE_ATTRIBUTES and not system:
        raise invalid(
            f"Number of message attributes [{len(attrs)}] exceeds the allowed maximum [{MAX_MESSAGE_ATTRIBUTES}]."
        )
    size = 0
    for name, attr in attrs.items():
        if system:
            if name != "AWSTraceHeader":
                raise invalid(f"Message system attribute name '{name}' is invalid.")
        elif (
            not _ATTR_NAME.fullmatch(name)
            or name.startswith(".")
            or name.endswith(".")
            or ".." in name
            or name.lower().startswith(("aws.", "amazon."))
        ):
            raise invalid(f"Message attribute name '{name}' is invalid.")
        data_type = attr.get("DataType")
        if not data_type:
            raise invalid(
                f"The message attribute '{name}' must contain non-empty message attribute type."
            )
        if not _DATA_TYPE.fullmatch(data_type):
            raise invalid(
                f"The message attribute '{name}' has an invalid message attribute type, the set of "
                "supported type prefixes is Binary, Number, and String."
            )
        if system and data_type != "String":
            raise invalid(f"The type of message system attribute '{name}' must be String.")
        if data_type.startswith("Binary"):
            value = attr.get("BinaryValue")
            if value is None or len(value) == 0:
                raise invalid(
                    f"Message (user) attribute '{name}' must contain a non-empty value of type "
                    "'Binary'."
                )
            value_size = len(value)
            if attr.get("StringValue") is not None:
                raise invalid(
                    f"The message attribute '{name}' with type 'Binary' must use field 'Binary'."
                )
        else:
            value = attr.get("StringValue")
            if value is None or value == "":
                raise invalid(
                    f"Message (user) attribute '{name}' must contain a non-empty value of type "
                    "'String'."
                )
            if attr.get("BinaryValue") is not None:
                raise invalid(
                    f"The message attribute '{name}' with type 'String' must use field 'String'."
                )
            if NOT_XML_CHAR.search(value):
                raise invalid(f"The message attribute '{name}' contains invalid characters.")
            if data_type.startswith("Number"):
                _number(name, value)
            value_size = len(value.encode("utf-8"))
        size += len(name.encode("utf-8")) + len(data_type.encode("utf-8")) + value_size
    return size


def _number(name: str, value: str) -> None:
    text = value.strip(" ")
    try:
        number = Decimal(text) if _ASCII_NUMBER.fullmatch(text) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise invalid(f"Can't cast the value of message (user) attribute '{name}' to a number.")
    digits = number.as_tuple().digits
    if len(digits) > 38 or not Decimal("-1e128") <= number <= Decimal("1e126"):
        raise invalid(
            f"Value of message attribute '{name}' is outside the range supported for Number "
            "(38 significant digits, -10^128 to 10^126)."
        )


# How AWS words a range error, for the request parameters whose wording differs from the default
# (as SQS answers: SendMessage's DelaySeconds names itself again; ReceiveMessage's parameters add
# "if provided"). `{low}` and `{high}` are the bounds.
#: ReceiveMessage's WaitTimeSeconds and VisibilityTimeout (ChangeMessageVisibility's
#: VisibilityTimeout keeps the default wording, so that one is passed to `int_in` by name).
RECEIVE_RANGE = "Must be >= {low} and <= {high}, if provided."
_RANGE_REASONS = {
    "MaxNumberOfMessages": "Must be between {low} and {high}, if provided.",
    "WaitTimeSeconds": RECEIVE_RANGE,
    "DelaySeconds": "DelaySeconds must be >= {low} and <= {high}.",
}


def int_in(name: str, value: Any, low: int, high: int, reason: str | None = None) -> int:
    """An integer request parameter within [low, high] (wrong type or range → InvalidParameterValue).
    `reason`: the wording of the range, if not the parameter's usual one."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        wording = reason or _RANGE_REASONS.get(name, "Must be between {low} and {high}.")
        raise invalid(
            f"Value {value} for parameter {name} is invalid. "
            f"Reason: {wording.format(low=low, high=high)}"
        )
    return value


def ascii_int(text: object) -> int | None:
    """The integer a text holds, ASCII digits only ("²", "٣", "1_000", " 7" are not numbers)."""
    return int(text) if isinstance(text, str) and _ASCII_INT.fullmatch(text) else None


def queue_attributes(attrs: Mapping[str, str], *, fifo: bool, creating: bool) -> dict[str, str]:
    """Check queue attributes as CreateQueue/SetQueueAttributes receive them; return them normalised."""
    out: dict[str, str] = {}
    for name, raw in attrs.items():
        if not isinstance(raw, str):
            raise SqsError("InvalidAttributeValue", f"Invalid value for the parameter {name}.")
        value = raw
        if name == "FifoQueue":
            if value.lower() not in ("true", "false"):
                raise SqsError(
                    "InvalidAttributeValue", "Invalid value for the parameter FifoQueue."
                )
            value = value.lower()
            if not fifo and (not creating or value == "false"):
                # A standard queue has no such attribute, not even set to false.
                raise SqsError("InvalidAttributeName", f"Unknown Attribute {name}.")
            if fifo and value == "false":
                raise (
                    SqsError(
                        "InvalidAttributeValue",
                        "Invalid value for the parameter FifoQueue. Reason: Modifying queue type "
                        "is not supported.",
                    )
                    if not creating
                    else invalid(
                        "Can only include alphanumeric characters, hyphens, or underscores. "
                        "1 to 80 in length"
                    )
                )
            if not fifo:  # creating a standard-named queue with FifoQueue=true
                raise invalid(
                    "The name of a FIFO queue can only include alphanumeric characters, hyphens, "
                    "or underscores, must end with .fifo suffix and be 1 to 80 in length."
                )
            out[name] = value
            continue
        if name not in SETTABLE:
            raise SqsError("InvalidAttributeName", f"Unknown Attribute {name}.")
        if name in FIFO_ONLY and not fifo:
            if name == "ContentBasedDeduplication":
                raise SqsError("InvalidAttributeName", f"Unknown Attribute {name}.")
            raise SqsError(
                "InvalidAttributeName",
                f"You can specify the {name} only when FifoQueue is set to true.",
            )
        if name in INT_ATTRIBUTES:
            low, high = INT_ATTRIBUTES[name]
            number = ascii_int(value)
            if number is None or not low <= number <= high:
                raise SqsError("InvalidAttributeValue", f"Invalid value for the parameter {name}.")
            value = str(number)
        elif name in ("ContentBasedDeduplication", "SqsManagedSseEnabled"):
            if value.lower() not in ("true", "false"):
                raise SqsError("InvalidAttributeValue", f"Invalid value for the parameter {name}.")
            value = value.lower()
        elif name == "DeduplicationScope":
            if value not in ("queue", "messageGroup"):
                raise SqsError(
                    "InvalidAttributeValue", "Invalid value for the parameter DeduplicationScope."
                )
        elif name == "FifoThroughputLimit":
            if value not in ("perQueue", "perMessageGroupId"):
                raise SqsError(
                    "InvalidAttributeValue", "Invalid value for the parameter FifoThroughputLimit."
                )
        elif name == "RedrivePolicy":
            value = redrive_policy(value)
        elif name in ("Policy", "RedriveAllowPolicy") and value:
            try:
                json.loads(value)
            except ValueError:
                raise SqsError(
                    "InvalidAttributeValue", f"Invalid value for the parameter {name}."
                ) from None
        out[name] = value
    return out


# An SQS queue's ARN (arn:partition:sqs:region:account:name): what a RedrivePolicy must name.
_SQS_ARN = re.compile(r"arn:[a-z-]+:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,80}", re.ASCII)


def redrive_policy(value: str) -> str:
    """Normalise a RedrivePolicy (empty string clears it)."""
    if value == "":
        return ""
    try:
        policy = json.loads(value)
    except ValueError:
        policy = None
    if not isinstance(policy, dict):
        raise SqsError("InvalidAttributeValue", "Invalid value for the parameter RedrivePolicy.")
    for key in ("deadLetterTargetArn", "maxReceiveCount"):
        if key not in policy:
            raise invalid(
                f"Value {value} for parameter RedrivePolicy is invalid. Reason: Redrive policy "
                f"does not contain mandatory attribute: {key}."
            )
    arn = policy["deadLetterTargetArn"]
    count = policy["maxReceiveCount"]
    if isinstance(count, str):
        count = ascii_int(count)
    if not isinstance(arn, str) or not _SQS_ARN.fullmatch(arn):  # checked before any lookup
        raise invalid(
            f"Value {value} for parameter RedrivePolicy is invalid. Reason: Invalid value for "
            "deadLetterTargetArn."
        )
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 1000:
        raise invalid(
            f"Value {value} for parameter RedrivePolicy is invalid. Reason: Invalid value for "
            f"maxReceiveCount: {policy['maxReceiveCount']}, valid values are from 1 to 1000 "
            "both inclusive."
        )
    return json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": count}, separators=(",", ":"))


def permission(label: str, accounts: list[str], actions: list[str]) -> None:
    """AddPermission's input rules (the label's uniqueness is the engine's to check)."""
    if not _LABEL.fullmatch(label):
        raise invalid(
            f"Value {label} for parameter Label is invalid. Reason: Can only include alphanumeric "
            "characters, hyphens, or underscores. 1 to 80 in length."
        )
    if not accounts:
        raise missing("The request must contain the parameter AWSAccountIds.")
    if not actions:
        raise missing("The request must contain the parameter Actions.")
    for account in accounts:
        if not _ACCOUNT_ID.fullmatch(account):
            raise invalid(
                f"Value [{account}] for parameter PrincipalId is invalid. Reason: Unable to verify."
            )
    for action in actions:
        if action not in SHAREABLE_ACTIONS:
            raise invalid(
                f"Value SQS:{action} for parameter ActionName is invalid. Reason: Only the queue "
                "owner is allowed to invoke this action."
                if action in OWNER_ONLY_ACTIONS
                else f"Value SQS:{action} for parameter ActionName is invalid. Reason: Please "
                "refer to the appropriate WSDL for a list of valid actions."
            )
    if len(actions) > MAX_POLICY_ACTIONS:
        raise SqsError(
            "OverLimit",
            f"{len(actions)} Actions were found, maximum allowed is {MAX_POLICY_ACTIONS}.",
        )
