"""The legacy query protocol of SQS: form-encoded `Action=…&Version=2012-11-05`, XML replies.

Older clients speak it: botocore before 1.34.90, Debian 12's `python3-boto3` and `awscli`, the Java
v1 SDK, and the curl examples of many tutorials. A query request is turned into the same request
dict an AWS JSON request parses to, run through the same validation and handlers, and the handler's
reply is written back as the namespaced XML AWS sends (`<CreateQueueResponse xmlns=…>
<CreateQueueResult>…</CreateQueueResult><ResponseMetadata>…`), errors as `<ErrorResponse>` with the
query codes (`AWS.SimpleQueueService.NonExistentQueue`, "… for this wsdl version.").

Shapes and types come from botocore's SQS model, as for JSON. What that model no longer carries since
SQS moved to JSON are the query names of its members (`Attribute.1.Name`, `SendMessageBatchRequest
Entry.2.Id`, `<QueueUrl>` repeated…): they are the table below, copied from the query-era model
(botocore 1.33, `tests/integration/sqs/test_query_protocol.py` checks it against that model). Written
by hand because no maintained library serialises AWS query/XML from a botocore model on the server
side (botocore only does the client side).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape  # with quote=False: &, < and > only, as xml.sax.saxutils.escape
from typing import Any

from labkit.sqslocal.errors import SqsError, invalid, missing
from labkit.sqslocal.model import Shape
from labkit.sqslocal.request_id import new_request_id
from labkit.sqslocal.validation import NOT_XML_CHAR

__all__ = [
    "ENTRY_NAMES",
    "ITEM_NAMES",
    "MEMBER_NAMES",
    "NAMESPACE",
    "OTHER_REQUEST_NAMES",
    "error_reply",
    "ok_reply",
    "parse_request",
    "unknown_operation_reply",
]


NAMESPACE = "http://queue.amazonaws.com/doc/2012-11-05/"
XML_TYPE = b"text/xml"

# structure member -> its query name, where it differs from the member name
MEMBER_NAMES: dict[tuple[str, str], str] = {
    ("CreateQueueRequest", "Attributes"): "Attribute",
    ("CreateQueueRequest", "tags"): "Tag",
    ("GetQueueAttributesResult", "Attributes"): "Attribute",
    ("ListQueueTagsResult", "Tags"): "Tag",
    ("Message", "Attributes"): "Attribute",
    ("Message", "MessageAttributes"): "MessageAttribute",
    ("MessageAttributeValue", "StringListValues"): "StringListValue",
    ("MessageAttributeValue", "BinaryListValues"): "BinaryListValue",
    ("MessageSystemAttributeValue", "StringListValues"): "StringListValue",
    ("MessageSystemAttributeValue", "BinaryListValues"): "BinaryListValue",
    ("SendMessageBatchRequestEntry", "MessageAttributes"): "MessageAttribute",
    ("SendMessageBatchRequestEntry", "MessageSystemAttributes"): "MessageSystemAttribute",
    ("SendMessageRequest", "MessageAttributes"): "MessageAttribute",
    ("SendMessageRequest", "MessageSystemAttributes"): "MessageSystemAttribute",
    ("SetQueueAttributesRequest", "Attributes"): "Attribute",
    ("TagQueueRequest", "Tags"): "Tag",  # named by its shape (a flattened TagMap), not the member
}
# request members that clients name in more than one way: botocore's query-era model sends
# `Tag.N.Key`, the AWS SDK for Java v1 `Tags.N.Key` (for TagQueue). Each name is read.
OTHER_REQUEST_NAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("TagQueueRequest", "Tags"): ("Tags",),
    ("CreateQueueRequest", "tags"): ("Tags",),
}
# list shape -> the name of each item (lists are flattened: `AttributeName.1`, `<QueueUrl>`…)
ITEM_NAMES: dict[str, str] = {
    "AWSAccountIdList": "AWSAccountId",
    "ActionNameList": "ActionName",
    "AttributeNameList": "AttributeName",
    "BatchResultErrorEntryList": "BatchResultErrorEntry",
    "BinaryList": "BinaryListValue",
    "ChangeMessageVisibilityBatchRequestEntryList": "ChangeMessageVisibilityBatchRequestEntry",
    "ChangeMessageVisibilityBatchResultEntryList": "ChangeMessageVisibilityBatchResultEntry",
    "DeleteMessageBatchRequestEntryList": "DeleteMessageBatchRequestEntry",
    "DeleteMessageBatchResultEntryList": "DeleteMessageBatchResultEntry",
    "ListMessageMoveTasksResultEntryList": "ListMessageMoveTasksResultEntry",
    "MessageAttributeNameList": "MessageAttributeName",
    "MessageList": "Message",
    "MessageSystemAttributeList": "MessageSystemAttributeName",  # newer than the query era
    "QueueUrlList": "QueueUrl",
    "SendMessageBatchRequestEntryList": "SendMessageBatchRequestEntry",
    "SendMessageBatchResultEntryList": "SendMessageBatchResultEntry",
    "StringList": "StringListValue",
    "TagKeyList": "TagKey",
}
# map shape -> (key name, value name) of each flattened entry (`Attribute.1.Name`, `Tag.1.Key`…)
ENTRY_NAMES: dict[str, tuple[str, str]] = {
    "MessageBodyAttributeMap": ("Name", "Value"),
    "MessageBodySystemAttributeMap": ("Name", "Value"),
    "MessageSystemAttributeMap": ("Name", "Value"),
    "QueueAttributeMap": ("Name", "Value"),
    "TagMap": ("Key", "Value"),
}

# error shape -> the query code where the JSON shape has none of its own
_QUERY_CODES = {
    "UnknownOperationException": "InvalidAction",
    "SerializationException": "MalformedQueryString",
    "InternalFailure": "InternalFailure",
}
_INDEX = re.compile(r"[1-9][0-9]{0,5}")
_INT = re.compile(r"-?[0-9]{1,19}")


def _member_name(parent: Shape, member: str) -> str:
    return MEMBER_NAMES.get((parent.name, member), member)


# ----- requests -----------------------------------------------------------------------------------
class _Params:
    """The request's parameters, indexed once by the dotted prefixes of their names: a member's
    lookup and a list's indices then cost O(1), where scanning every parameter for each member
    made a batch of thousands of entries take quadratic time (seconds, with the loop held)."""

    def __init__(self, params: Mapping[str, str]) -> None:
        self.values = dict(params)
        self._prefixes: set[str] = set()  # every `a`, `a.b`, … that some longer name starts with
        self._indices: dict[str, set[int]] = {}  # prefix -> the N of each `prefix.N…`
        for key in self.values:
            # no member of the model is nested deeper than this: deeper names match nothing
            parts = key.split(".", _MAX_DEPTH)[:_MAX_DEPTH]
            prefix = parts[0]
            for part in parts[1:]:
                self._prefixes.add(prefix)
                if _INDEX.fullmatch(part):
                    self._indices.setdefault(prefix, set()).add(int(part))
                prefix = f"{prefix}.{part}"

    def indices(self, prefix: str) -> list[int]:
        """The N of every `prefix.N…` parameter, in order (gaps allowed, as AWS allows them)."""
        return sorted(self._indices.get(prefix, ()))

    def has_prefix(self, prefix: str) -> bool:
        return prefix in self.values or prefix in self._prefixes


_MAX_DEPTH = 8  # parts of a parameter name worth indexing (the model's deepest names have 6)


def parse_request(shape: Shape | None, params: Mapping[str, str]) -> dict[str, Any]:
    """Form parameters → the request dict the AWS JSON protocol would have carried."""
    if shape is None:
        return {}
    return _parse_structure(shape, "", _Params(params))


def _parse(shape: Shape, name: str, params: _Params) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return _parse_structure(shape, name + ".", params)
    if kind == "list":  # `name` is already the items' prefix (see _parse_structure)
        return [_parse(shape.member, f"{name}.{i}", params) for i in params.indices(name)]
    if kind == "map":
        key_name, value_name = ENTRY_NAMES.get(shape.name, ("key", "value"))
        out = {}
        for i in params.indices(name):
            key = _parse(shape.key, f"{name}.{i}.{key_name}", params)
            if key is None:
                raise invalid(f"The request must contain the parameter {name}.{i}.{key_name}.")
            value = _parse(shape.value, f"{name}.{i}.{value_name}", params)
            if value is None:
                raise missing(f"The request must contain the parameter {name}.{i}.{value_name}.")
            out[key] = value
        return out
    raw = params.values.get(name)
    if raw is None:
        return None
    if kind in ("integer", "long"):
        if not _INT.fullmatch(raw):
            raise invalid(
                f"Value {raw} for parameter {name} is invalid. Reason: must be an integer."
            )
        return int(raw)
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise invalid(
                f"Value {raw} for parameter {name} is invalid. Reason: must be a boolean."
            )
        return raw == "true"
    return raw  # strings, and blobs as base64 text (the JSON checker decodes them)


def _parse_structure(shape: Shape, prefix: str, params: _Params) -> dict[str, Any]:
    out = {}
    for member, member_shape in shape.members.items():
        name = prefix + _member_name(shape, member)
        if member_shape.type_name == "list":  # flattened: items are `<item name>.N`
            name = prefix + ITEM_NAMES.get(member_shape.name, _member_name(shape, member))
        other = OTHER_REQUEST_NAMES.get((shape.name, member))
        if other and not params.has_prefix(name):  # the same member, as another client names it
            name = next((prefix + n for n in other if params.has_prefix(prefix + n)), name)
        if member_shape.type_name in ("list", "map", "structure") and not params.has_prefix(name):
            continue
        value = _parse(member_shape, name, params)
        if value is not None:
            out[member] = value
    return out


# ----- replies ------------------------------------------------------------------------------------
def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    # XML parsers turn a bare CR into LF: escape it, as SQS does, so bodies come back unchanged.
    # A character XML cannot carry at all (a control character in a tag set over JSON, say)
    # becomes U+FFFD: the reply stays well-formed for every client of the queue.
    text = NOT_XML_CHAR.sub("\ufffd", str(value))
    return escape(text, quote=False).replace("\r", "&#xD;")


def _write(shape: Shape, value: Any, name: str, out: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        out.append(f"<{name}>")
        _write_members(shape, value, out)
        out.append(f"</{name}>")
    elif kind == "list":
        item = ITEM_NAMES.get(shape.name, name)
        for element in value:
            _write(shape.member, element, item, out)
    elif kind == "map":
        key_name, value_name = ENTRY_NAMES.get(shape.name, ("key", "value"))
        for key, element in value.items():
            out.append(f"<{name}><{key_name}>{_text(key)}</{key_name}>")
            _write(shape.value, element, value_name, out)
            out.append(f"</{name}>")
    else:
        out.append(f"<{name}>{_text(value)}</{name}>")


def _write_members(shape: Shape, value: Mapping[str, Any], out: list[str]) -> None:
    for member, member_shape in shape.members.items():
        if member in value and value[member] is not None:
            _write(member_shape, value[member], _member_name(shape, member), out)


def ok_reply(
    action: str, shape: Shape | None, payload: Mapping[str, Any]
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    request_id = new_request_id()
    out = [f'<?xml version="1.0"?><{action}Response xmlns="{NAMESPACE}">']
    if shape is not None:
        out.append(f"<{action}Result>")
        _write_members(shape, payload, out)
        out.append(f"</{action}Result>")
    out.append(f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>")
    out.append(f"</{action}Response>")
    return 200, _headers(request_id), "".join(out).encode("utf-8", "replace")


def error_reply(err: SqsError) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    request_id = new_request_id()
    code = _QUERY_CODES.get(err.shape) or err.query_code
    message = err.message
    if err.shape == "QueueDoesNotExist":
        message = message.rstrip(".") + " for this wsdl version."  # the query protocol's wording
    body = (
        f'<?xml version="1.0"?><ErrorResponse xmlns="{NAMESPACE}"><Error>'
        f"<Type>{err.fault}</Type><Code>{_text(code)}</Code><Message>{_text(message)}</Message>"
        f"<Detail/></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return err.status, _headers(request_id), body.encode("utf-8", "replace")


def unknown_operation_reply() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """A request that names no action at all (e.g. a browser's GET of a queue URL): as SQS answers
    it, 404 and a bare `<UnknownOperationException/>` (recorded on AWS in LocalStack's tests)."""
    return 404, _headers(new_request_id()), b"<UnknownOperationException/>"


def _headers(request_id: str) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", XML_TYPE), (b"x-amzn-requestid", request_id.encode())]
