"""SQS errors as the engine raises them, with what the wire needs to make boto3 raise the right class.

SQS moved from the query protocol to AWS JSON 1.0 but kept its old error codes: a JSON error names the
modelled shape in `__type` and carries the legacy code in the `x-amzn-query-error` header. botocore
puts that legacy code in `Error.Code` and uses the shape name (`QueryErrorCode`) to pick the exception
class (botocore/handlers.py `_handle_sqs_compatible_error`), so both must be right.
"""

from __future__ import annotations

from dataclasses import dataclass

# shape name -> (legacy query code, HTTP status, fault); from the SQS service model's awsQueryError traits.
_WIRE: dict[str, tuple[str, int, str]] = {
    "BatchEntryIdsNotDistinct": ("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400, "Sender"),
    "BatchRequestTooLong": ("AWS.SimpleQueueService.BatchRequestTooLong", 400, "Sender"),
    "EmptyBatchRequest": ("AWS.SimpleQueueService.EmptyBatchRequest", 400, "Sender"),
    "InvalidAddress": ("InvalidAddress", 404, "Sender"),
    "InvalidAttributeName": ("InvalidAttributeName", 400, "Sender"),
    "InvalidAttributeValue": ("InvalidAttributeValue", 400, "Sender"),
    "InvalidBatchEntryId": ("AWS.SimpleQueueService.InvalidBatchEntryId", 400, "Sender"),
    "InvalidMessageContents": ("InvalidMessageContents", 400, "Sender"),
    "MessageNotInflight": ("AWS.SimpleQueueService.MessageNotInflight", 400, "Sender"),
    "OverLimit": ("OverLimit", 403, "Sender"),
    "PurgeQueueInProgress": ("AWS.SimpleQueueService.PurgeQueueInProgress", 403, "Sender"),
    "QueueDeletedRecently": ("AWS.SimpleQueueService.QueueDeletedRecently", 400, "Sender"),
    "QueueDoesNotExist": ("AWS.SimpleQueueService.NonExistentQueue", 400, "Sender"),
    "QueueNameExists": ("QueueAlreadyExists", 400, "Sender"),
    "ReceiptHandleIsInvalid": ("ReceiptHandleIsInvalid", 404, "Sender"),
    "ResourceNotFoundException": ("ResourceNotFoundException", 404, "Sender"),
    "RequestThrottled": ("RequestThrottled", 403, "Sender"),
    "TooManyEntriesInBatchRequest": (
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        400,
        "Sender",
    ),
    "UnsupportedOperation": ("AWS.SimpleQueueService.UnsupportedOperation", 400, "Sender"),
    # Not modelled as shapes; AWS answers them as coral validation errors with these query codes.
    "InvalidParameterValueException": ("InvalidParameterValue", 400, "Sender"),
    "MissingRequiredParameterException": ("MissingParameter", 400, "Sender"),
    "UnknownOperationException": ("", 400, "Sender"),
    "SerializationException": ("", 400, "Sender"),
    "InternalFailure": ("", 500, "Receiver"),
}

_NAMESPACE = {
    "InvalidParameterValueException": "com.amazon.coral.service",
    "MissingRequiredParameterException": "com.amazon.coral.service",
    "UnknownOperationException": "com.amazon.coral.service",
    "SerializationException": "com.amazon.coral.service",
    "InternalFailure": "com.amazon.coral.service",
}


@dataclass
class SqsError(Exception):
    """A request SQS refuses; `shape` is the modelled error name (e.g. "QueueDoesNotExist")."""

    shape: str
    message: str

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def query_code(self) -> str:
        """The legacy code boto3 reports as Error.Code (and batch results carry as Code)."""
        return _WIRE[self.shape][0] or self.shape

    @property
    def has_query_code(self) -> bool:
        """Whether replies carry `x-amzn-query-error` (SQS sends it for every modelled error)."""
        return bool(_WIRE[self.shape][0])

    @property
    def status(self) -> int:
        return _WIRE[self.shape][1]

    @property
    def fault(self) -> str:
        return _WIRE[self.shape][2]

    @property
    def type_name(self) -> str:
        return f"{_NAMESPACE.get(self.shape, 'com.amazonaws.sqs')}#{self.shape}"

    @property
    def sender_fault(self) -> bool:
        return self.fault == "Sender"


def invalid(message: str) -> SqsError:
    return SqsError("InvalidParameterValueException", message)


def missing(message: str) -> SqsError:
    return SqsError("MissingRequiredParameterException", message)


def no_queue() -> SqsError:
    return SqsError(
        "QueueDoesNotExist", "The specified queue does not exist for this wsdl version."
    )
