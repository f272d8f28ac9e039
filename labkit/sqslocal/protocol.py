"""The AWS JSON 1.0 wire format of SQS: turn `X-Amz-Target: AmazonSQS.<Action>` requests into engine
calls and engine results (or `SqsError`s) into the bodies and headers boto3 and the AWS CLI expect.

Requests are checked against botocore's own SQS service model (shipped with boto3), so required
members, types and integer ranges are enforced the way the API defines them without a hand-copied
schema; wrong input is a 400 with an AWS error code, never a 500.

The only asynchronous part is long polling: a ReceiveMessage that finds nothing waits on a per-queue
`Waiters` object that the engine pokes the moment a message becomes visible, with a timed wake-up for
the next delayed or in-flight message that comes due.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from functools import cache
from typing import Any

import orjson

from labkit.sqslocal import query
from labkit.sqslocal import validation as check
from labkit.sqslocal.engine import Engine, Outgoing, Received, SendResult
from labkit.sqslocal.errors import SqsError, invalid, missing, no_queue
from labkit.sqslocal.md5 import md5_of_attributes
from labkit.sqslocal.message import body_of, md5_body_of
from labkit.sqslocal.model import ServiceModel, Shape, load_service_model
from labkit.sqslocal.request_id import new_request_id

__all__ = [
    "CONTENT_TYPE",
    "TARGET_PREFIX",
    "TRACE_KEY",
    "Dispatcher",
    "Reply",
    "Waiters",
    "error_reply",
    "ok_reply",
    "queue_name_from_url",
    "service_model",
]


CONTENT_TYPE = "application/x-amz-json-1.0"
TRACE_KEY = "__trace"  # where a request's X-Amzn-Trace-Id header travels to the send handlers
TARGET_PREFIX = "AmazonSQS."
INT32 = (-(2**31), 2**31 - 1)

Reply = tuple[int, list[tuple[bytes, bytes]], bytes]
logger = logging.getLogger(__name__)


@cache
def service_model() -> ServiceModel:
    """botocore's SQS model (loaded once; it is what boto3 itself serialises from)."""
    return load_service_model("sqs")


# Where a value sits in the request: "" (the request itself), a member name, or (parent, name).
# Joined into dotted text ("Entries.2.MessageBody") only when an error message needs it, so a valid
# request pays for no path strings.
Where = str | tuple[Any, Any]
Check = Callable[[Any, Where], Any]


def _path(where: Where) -> str:
    names: list[str] = []
    while isinstance(where, tuple):
        where, name = where
        names.append(str(name))
    if where:
        names.append(where)
    return ".".join(reversed(names))


@cache
def _checker(shape: Shape) -> Check:
    """A validator for one model shape, built once (requests are checked on the hot path).

    It checks the parsed request in place, returning the same objects when they need no change
    (the usual case: no copies on the hot path); members with no value or not in the model are
    dropped (then a structure is copied), and base64 blobs are decoded."""
    kind = shape.type_name
    if kind == "structure":
        required = tuple(shape.required_members)
        members = {name: _checker(member) for name, member in shape.members.items()}
        # Text members that hold text need no call: the common case, checked inline first.
        texts = frozenset(n for n, m in shape.members.items() if m.type_name == "string")

        def check_structure(value: Any, where: Where) -> dict[str, Any]:
            if not isinstance(value, dict):
                raise invalid(f"{_path(where) or 'The request'} must be an object.")
            for name in required:
                if value.get(name) is None:
                    raise missing(f"The request must contain the parameter {name}.")
            dropped = False
            for name, item in value.items():
                if type(item) is str and name in texts:
                    continue
                check = members.get(name)
                if item is None or check is None:
                    dropped = True
                    continue
                checked = check(item, (where, name) if where else name)
                if checked is not item:
                    value[name] = checked  # replacing a value while iterating is allowed
            if dropped:
                return {k: v for k, v in value.items() if v is not None and k in members}
            return value

        return check_structure
    if kind == "list":
        item_check = _checker(shape.member)

        def check_list(value: Any, where: Where) -> list[Any]:
            if not isinstance(value, list):
                raise invalid(f"Value for parameter {_path(where)} must be a list.")
            for i, item in enumerate(value):
                checked = item_check(item, (where, i + 1))
                if checked is not item:
                    value[i] = checked
            return value

        return check_list
    if kind == "map":
        key_check, value_check = _checker(shape.key), _checker(shape.value)
        text_keys = shape.key.type_name == "string"  # JSON keys are text: nothing to check

        def check_map(value: Any, where: Where) -> dict[Any, Any]:
            if not isinstance(value, dict):
                raise invalid(f"Value for parameter {_path(where)} must be a map.")
            out: dict[Any, Any] | None = None
            for k, v in value.items():
                checked_key = k if text_keys and type(k) is str else key_check(k, (where, "key"))
                checked = value_check(v, (where, k))
                if out is None and (checked_key is not k or checked is not v):
                    out = {}  # something changed: build a new map (keys may differ)
                    for earlier, item in value.items():
                        if earlier is k:
                            break
                        out[earlier] = item
                if out is not None:
                    out[checked_key] = checked
            return value if out is None else out

        return check_map
    return _SCALARS.get(kind, lambda value, where: value)


def _check_string(value: Any, where: Where) -> str:
    if not isinstance(value, str):
        raise invalid(
            f"Value {_short(value)} for parameter {_path(where)} is invalid: must be a string."
        )
    return value


def _check_integer(value: Any, where: Where) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(
            f"Value {_short(value)} for parameter {_path(where)} is invalid: must be an integer."
        )
    if not INT32[0] <= value <= INT32[1]:
        raise invalid(
            f"Value {_short(value)} for parameter {_path(where)} is invalid: out of range."
        )
    return value


def _check_boolean(value: Any, where: Where) -> bool:
    if not isinstance(value, bool):
        raise invalid(
            f"Value {_short(value)} for parameter {_path(where)} is invalid: must be a boolean."
        )
    return value


def _check_blob(value: Any, where: Where) -> bytes:
    if not isinstance(value, str):
        raise invalid(f"Value for parameter {_path(where)} must be base64 text.")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise invalid(f"Value for parameter {_path(where)} is not valid base64.") from None


_SCALARS: dict[str, Check] = {
    "string": _check_string,
    "integer": _check_integer,
    "long": _check_integer,
    "boolean": _check_boolean,
    "blob": _check_blob,
}


@cache
def _request_checker(action: str) -> Check | None:
    shape = service_model().operation_model(action).input_shape
    return _checker(shape) if shape is not None else None


def _members(shape: Shape | None) -> Any:
    return shape.members if shape is not None else {}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def queue_name_from_url(url: str) -> str:
    """The queue name from any usual form of QueueUrl (full URL, path, or AWS host URL)."""
    name = url.rstrip("/").rsplit("/", 1)[-1]
    if not name:
        raise no_queue()
    return name


class Waiters:
    """Long-poll waiters per queue: woken the moment the engine reports a visible message."""

    def __init__(self) -> None:
        self._by_queue: dict[str, set[asyncio.Future[None]]] = {}

    def notify(self, name: str) -> None:
        waiting = self._by_queue.get(name)
        if waiting:
            for future in waiting:
                if not future.done():
                    future.set_result(None)

    def notify_all(self) -> None:
        for name in list(self._by_queue):
            self.notify(name)

    async def wait(self, name: str, timeout: float) -> None:
        """Until `notify(name)` or `timeout` seconds. A cancellation always wins: the server
        cancels the long poll of a client that has left, and a poll that went on waiting would
        take messages for nobody. (`asyncio.wait_for` on Python 3.11 returns normally instead
        when the cancel and a notify arrive in the same turn of the loop.)"""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._by_queue.setdefault(name, set()).add(future)
        try:
            async with asyncio.timeout(timeout):
                await future
        except TimeoutError:
            pass
        finally:
            waiting = self._by_queue.get(name)
            if waiting is not None:
                waiting.discard(future)
                if not waiting:
                    del self._by_queue[name]


def error_reply(err: SqsError) -> Reply:
    body = _encode({"__type": err.type_name, "message": err.message})
    headers = [_CONTENT_TYPE_HEADER, (b"x-amzn-requestid", new_request_id().encode())]
    if err.has_query_code:
        headers.append((b"x-amzn-query-error", f"{err.query_code};{err.fault}".encode()))
    return err.status, headers, body


_CONTENT_TYPE_HEADER = (b"content-type", CONTENT_TYPE.encode())


_ENCODER = json.JSONEncoder(ensure_ascii=False)  # built once: json.dumps(...) makes one per call


def _decode(body: bytes) -> tuple[Any, bool]:
    """A request body parsed, and whether exactly as `json.loads` parses it.

    orjson is several times faster and parses JSON to the same values, with two exceptions: it
    refuses some input `json.loads` takes (NaN, a lone surrogate escape, a byte order mark,
    UTF-16), which then goes to `json.loads`; and it reads an integer beyond 64 bits as a float.
    No SQS request member takes a float, so such a value can only make validation fail: then the
    request is parsed again with `json.loads` and validated again (see `Dispatcher._run`), and
    answers exactly as before."""
    try:
        return orjson.loads(body), False
    except orjson.JSONDecodeError:
        return json.loads(body), True


def _encode(payload: dict[str, Any]) -> bytes:
    """A reply body as UTF-8 JSON. orjson writes the same JSON as the standard library, less
    whitespace, several times faster; what it refuses (a lone surrogate in a tag, an integer over
    64 bits, a non-text key) the standard library writes as before. Requests are still parsed with
    `json.loads`: orjson reads an integer over 64 bits as a float, which would change error texts."""
    try:
        return orjson.dumps(payload)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        pass
    try:
        return _ENCODER.encode(payload).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate somewhere (e.g. in a tag): JSON can escape it
        return json.dumps(payload).encode("ascii")


def ok_reply(payload: dict[str, Any]) -> Reply:
    body = _encode(payload)
    return 200, [_CONTENT_TYPE_HEADER, (b"x-amzn-requestid", new_request_id().encode())], body


def _failed(exc: Exception, target: str | None) -> Reply:
    """The reply to a request that raised: its AWS error, or InternalFailure for a bug."""
    if isinstance(exc, SqsError):
        return error_reply(exc)
    if isinstance(exc, RecursionError):
        return error_reply(SqsError("SerializationException", "The request is nested too deeply."))
    # a bug: answer like AWS would (and log it), never drop the connection
    logger.error("internal error handling %s", target, exc_info=exc)
    return error_reply(SqsError("InternalFailure", "The request processing has failed."))


class Dispatcher:
    """Translates one AWS JSON request into engine calls. `host` builds the queue URLs."""

    def __init__(self, engine: Engine, waiters: Waiters | None = None) -> None:
        self.engine = engine
        self.waiters = waiters or Waiters()
        engine.on_visible = self.waiters.notify
        self._handlers: dict[
            str, Callable[[dict[str, Any], str], Awaitable[dict[str, Any]] | dict[str, Any]]
        ] = {
            "CreateQueue": self.create_queue,
            "GetQueueUrl": self.get_queue_url,
            "ListQueues": self.list_queues,
            "DeleteQueue": self.delete_queue,
            "PurgeQueue": self.purge_queue,
            "GetQueueAttributes": self.get_queue_attributes,
            "SetQueueAttributes": self.set_queue_attributes,
            "TagQueue": self.tag_queue,
            "UntagQueue": self.untag_queue,
            "ListQueueTags": self.list_queue_tags,
            "SendMessage": self.send_message,
            "SendMessageBatch": self.send_message_batch,
            "ReceiveMessage": self.receive_message,
            "DeleteMessage": self.delete_message,
            "DeleteMessageBatch": self.delete_message_batch,
            "ChangeMessageVisibility": self.change_message_visibility,
            "ChangeMessageVisibilityBatch": self.change_message_visibility_batch,
            "ListDeadLetterSourceQueues": self.list_dead_letter_source_queues,
            "AddPermission": self.add_permission,
            "RemovePermission": self.remove_permission,
            "StartMessageMoveTask": self.start_message_move_task,
            "ListMessageMoveTasks": self.list_message_move_tasks,
            "CancelMessageMoveTask": self.cancel_message_move_task,
        }

    def warm_up(self) -> None:
        """Load the service model and build every validator now, not on the first request."""
        for action in self._handlers:
            _request_checker(action)

    async def handle(
        self, target: str | None, body: bytes, host: str, trace: str | None = None
    ) -> Reply:
        """One AWS JSON request; `trace` is its X-Amzn-Trace-Id header (kept on sent messages)."""
        outcome = self.respond(target, body, host, trace)
        return outcome if isinstance(outcome, tuple) else await outcome

    def respond(
        self, target: str | None, body: bytes, host: str, trace: str | None = None
    ) -> Reply | Awaitable[Reply]:
        """`handle`, answering at once whatever need not wait: only a long poll that finds no
        message returns an awaitable (of its reply). The server then needs no task, and no turns
        of its event loop, for the other requests."""
        try:
            action = (target or "").removeprefix(TARGET_PREFIX)
            if not target or not target.startswith(TARGET_PREFIX) or not action:
                raise SqsError("UnknownOperationException", "Missing or malformed X-Amz-Target.")
            handler = self._handler(action)
            try:
                payload, exact = _decode(body or b"{}")
            except (ValueError, UnicodeDecodeError):
                raise SqsError(
                    "SerializationException", "The request body is not valid JSON."
                ) from None
            if not isinstance(payload, dict):
                raise SqsError("SerializationException", "The request body must be a JSON object.")
            reparse = None if exact else lambda: json.loads(body or b"{}")
            result = self._run(action, handler, payload, host, trace, reparse)
            if isinstance(result, dict):
                return ok_reply(result)
            return self._finish(result, target)
        except Exception as exc:  # every error is answered (see `_failed`)
            return _failed(exc, target)

    @staticmethod
    async def _finish(pending: Awaitable[dict[str, Any]], target: str) -> Reply:
        try:
            return ok_reply(await pending)
        except Exception as exc:  # every error is answered (see `_failed`)
            return _failed(exc, target)

    async def handle_query(
        self, params: dict[str, str], path: str, host: str, trace: str | None = None
    ) -> Reply:
        """One query-protocol request (form or URL parameters; `path` may be the queue's URL)."""
        action = params.get("Action", "")
        try:
            if not action:
                raise SqsError("MissingAction", "The request must contain the parameter Action.")
            if action not in service_model().operation_names:
                raise SqsError(
                    "UnknownOperationException",
                    f"The action {action} is not valid for this endpoint.",  # as SQS words it
                )
            handler = self._handler(action)
            operation = service_model().operation_model(action)
            payload = query.parse_request(operation.input_shape, params)
            shape = operation.input_shape
            if shape is not None:
                for member in shape.required_members:
                    if member not in payload and shape.members[member].type_name == "list":
                        payload[member] = []  # the query protocol cannot send an empty list
            if (
                "QueueUrl" not in payload
                and "QueueUrl" in _members(operation.input_shape)
                and path.strip("/")
            ):  # POSTed to the queue's own URL, as the query protocol allows
                payload["QueueUrl"] = path
            result = self._run(action, handler, payload, host, trace)
            if not isinstance(result, dict):
                result = await result
            return query.ok_reply(action, operation.output_shape, result)
        except SqsError as err:
            return query.error_reply(err)
        except RecursionError:
            return query.error_reply(SqsError("MalformedQueryString", "The request is malformed."))
        except Exception:  # a bug: answer like AWS would (and log it), never drop the connection
            logger.exception("internal error handling query action %s", action)
            return query.error_reply(
                SqsError("InternalFailure", "The request processing has failed.")
            )

    def _handler(
        self, action: str
    ) -> Callable[[dict[str, Any], str], Awaitable[dict[str, Any]] | dict[str, Any]]:
        handler = self._handlers.get(action)
        if handler is None:
            if action in service_model().operation_names:
                raise SqsError(
                    "UnsupportedOperation", f"{action} is not supported by the local service."
                )
            raise SqsError("UnknownOperationException", f"Unknown operation {action}.")
        return handler

    def _run(
        self,
        action: str,
        handler: Callable[[dict[str, Any], str], Awaitable[dict[str, Any]] | dict[str, Any]],
        payload: dict[str, Any],
        host: str,
        trace: str | None,
        reparse: Callable[[], Any] | None = None,
    ) -> dict[str, Any] | Awaitable[dict[str, Any]]:
        """Validate a request against the model and run it: the part both protocols share.
        `reparse`: the payload was parsed by orjson; on a validation error, parse it the
        standard library's way and validate again (see `_decode`)."""
        checker = _request_checker(action)
        if checker is None:
            request: dict[str, Any] = {}
        else:
            try:
                request = checker(payload, "")
            except SqsError:
                if reparse is None:
                    raise
                request = checker(reparse(), "")
        if trace:
            request[TRACE_KEY] = trace
        return handler(request, host)

    # ----- helpers ---------------------------------------------------------------------------
    def _url(self, host: str, name: str) -> str:
        return f"http://{host}/{self.engine.config.account_id}/{name}"

    def _name(self, request: dict[str, Any]) -> str:
        name = queue_name_from_url(request["QueueUrl"])
        self.engine.get_queue(name)
        return name

    # ----- queues ----------------------------------------------------------------------------
    def create_queue(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        name = self.engine.create_queue(r["QueueName"], r.get("Attributes"), r.get("tags"))
        return {"QueueUrl": self._url(host, name)}

    def get_queue_url(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        return {"QueueUrl": self._url(host, self.engine.get_queue(r["QueueName"]))}

    def list_queues(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        names, token = self.engine.list_queues(
            r.get("QueueNamePrefix", ""), r.get("MaxResults"), r.get("NextToken")
        )
        out: dict[str, Any] = {}
        if names:
            out["QueueUrls"] = [self._url(host, n) for n in names]
        if token:
            out["NextToken"] = token
        return out

    def delete_queue(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        self.engine.delete_queue(self._name(r))
        return {}

    def purge_queue(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        self.engine.purge_queue(self._name(r))
        return {}

    def get_queue_attributes(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        names = r.get("AttributeNames")
        attrs = self.engine.get_queue_attributes(self._name(r), names)
        # asked for attributes it does not have (e.g. a Policy never set), SQS answers an empty map
        return {"Attributes": attrs} if attrs or names else {}

    def set_queue_attributes(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        self.engine.set_queue_attributes(self._name(r), r["Attributes"])
        return {}

    def tag_queue(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        self.engine.tag_queue(self._name(r), r["Tags"])
        return {}

    def untag_queue(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        self.engine.untag_queue(self._name(r), r["TagKeys"])
        return {}

    def list_queue_tags(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        return {"Tags": self.engine.list_queue_tags(self._name(r))}  # {} too, as SQS answers

    def list_dead_letter_source_queues(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        names, token = self.engine.list_dead_letter_source_queues(
            self._name(r), r.get("MaxResults"), r.get("NextToken")
        )
        out: dict[str, Any] = {"queueUrls": [self._url(host, n) for n in names]}
        if token:
            out["NextToken"] = token
        return out

    def add_permission(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        self.engine.add_permission(self._name(r), r["Label"], r["AWSAccountIds"], r["Actions"])
        return {}

    def remove_permission(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        self.engine.remove_permission(self._name(r), r["Label"])
        return {}

    # ----- message move tasks ----------------------------------------------------------------
    def start_message_move_task(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        handle = self.engine.start_message_move_task(
            r["SourceArn"], r.get("DestinationArn"), r.get("MaxNumberOfMessagesPerSecond")
        )
        return {"TaskHandle": handle}

    def list_message_move_tasks(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        return {"Results": self.engine.list_message_move_tasks(r["SourceArn"], r.get("MaxResults"))}

    def cancel_message_move_task(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        moved = self.engine.cancel_message_move_task(r["TaskHandle"])
        return {"ApproximateNumberOfMessagesMoved": moved}

    # ----- messages --------------------------------------------------------------------------
    def _send(self, name: str, entry: dict[str, Any], trace: str | None) -> dict[str, Any]:
        body, delay, attributes, system, group_id, dedup_id = _outgoing(entry)
        result = self.engine.send_message(  # keywords: a journal keeps only those not None
            name,
            body,
            delay_seconds=delay,
            message_attributes=attributes,
            system_attributes=system,
            group_id=group_id,
            dedup_id=dedup_id,
            trace_header=trace,
        )
        return _sent_out(result)

    def send_message(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        return self._send(self._name(r), r, r.get(TRACE_KEY))

    def send_message_batch(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        name = self._name(r)
        entries = r["Entries"]
        check.batch_entry_ids([e["Id"] for e in entries], "SendMessageBatchRequestEntry")
        queue = self.engine.queues[name]
        if queue.fifo:
            # On a FIFO queue a missing group or de-duplication id fails the whole request.
            content_dedup = queue.attributes.get("ContentBasedDeduplication") == "true"
            for entry in entries:
                if not entry.get("MessageGroupId"):
                    raise invalid("The request must contain the parameter MessageGroupId.")
                if not content_dedup and entry.get("MessageDeduplicationId") is None:
                    raise invalid(
                        "The queue should either have ContentBasedDeduplication enabled or "
                        "MessageDeduplicationId provided explicitly"
                    )
        total = _batch_size(entries)
        if total > check.MAX_BATCH_BYTES:
            raise SqsError(
                "BatchRequestTooLong",
                f"Batch requests cannot be longer than {check.MAX_BATCH_BYTES} bytes. "
                f"You have sent {total} bytes.",
            )
        # one engine step for the whole batch (each entry still succeeds or fails on its own)
        results = self.engine.send_message_batch(
            name, [_outgoing(e) for e in entries], trace_header=r.get(TRACE_KEY)
        )
        return _batch_reply(
            entries, [r if isinstance(r, SqsError) else _sent_out(r) for r in results]
        )

    def receive_message(
        self, r: dict[str, Any], host: str
    ) -> dict[str, Any] | Awaitable[dict[str, Any]]:
        """The first attempt runs at once; only a long poll that found nothing waits (async)."""
        name = self._name(r)
        queue = self.engine.queues[name]
        wait = r.get("WaitTimeSeconds")
        if wait is None:
            wait = queue.int_attr("ReceiveMessageWaitTimeSeconds")
        check.int_in("WaitTimeSeconds", wait, 0, 20)
        max_number = r.get("MaxNumberOfMessages", 1)
        check.int_in("MaxNumberOfMessages", max_number, 1, 10)
        visibility_timeout = r.get("VisibilityTimeout")
        attempt_id = r.get("ReceiveRequestAttemptId")

        def attempt(last: bool) -> list[Received]:
            """One receive attempt; only the last of a request counts as an empty receive."""
            return self.engine.receive_message(
                name,
                max_number=max_number,
                visibility_timeout=visibility_timeout,
                long_poll=wait > 0,
                attempt_id=attempt_id,
                count_empty=last,
            )

        deadline = time.monotonic() + wait
        got = attempt(wait <= 0)
        if got or wait <= 0:
            return _received(r, got)
        return self._long_poll(r, name, deadline, attempt)

    async def _long_poll(
        self,
        r: dict[str, Any],
        name: str,
        deadline: float,
        attempt: Callable[[bool], list[Received]],
    ) -> dict[str, Any]:
        """Wait until a message may have become visible and try again, until the deadline."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining > 0:
                due = self.engine.next_due(name)
                if due is not None:
                    remaining = min(remaining, max(0.0, due - self.engine.now()) + 0.001)
                await self.waiters.wait(name, remaining)
                if name not in self.engine.queues:
                    raise no_queue()
                remaining = deadline - time.monotonic()
            got = attempt(remaining <= 0)
            if got or remaining <= 0:
                return _received(r, got)

    def delete_message(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        self.engine.delete_message(self._name(r), r["ReceiptHandle"])
        return {}

    def delete_message_batch(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        name = self._name(r)
        entries = r["Entries"]
        check.batch_entry_ids([e["Id"] for e in entries], "DeleteMessageBatchRequestEntry")
        # one engine step for the whole batch (each entry still succeeds or fails on its own)
        errors = self.engine.delete_message_batch(name, [e["ReceiptHandle"] for e in entries])
        return _batch_reply(entries, errors)

    def change_message_visibility(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        self.engine.change_message_visibility(
            self._name(r), r["ReceiptHandle"], r["VisibilityTimeout"]
        )
        return {}

    def change_message_visibility_batch(self, r: dict[str, Any], host: str) -> dict[str, Any]:
        name = self._name(r)
        entries = r["Entries"]
        check.batch_entry_ids(
            [e["Id"] for e in entries], "ChangeMessageVisibilityBatchRequestEntry"
        )

        def one(e: dict[str, Any]) -> dict[str, Any]:
            if e.get("VisibilityTimeout") is None:
                raise missing("The request must contain the parameter VisibilityTimeout.")
            self.engine.change_message_visibility(name, e["ReceiptHandle"], e["VisibilityTimeout"])
            return {}

        return self._batch(entries, one)

    @staticmethod
    def _batch(
        entries: list[dict[str, Any]], run: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any]:
        results: list[dict[str, Any] | SqsError | None] = []
        for entry in entries:
            try:
                results.append(run(entry))
            except SqsError as err:
                results.append(err)
        return _batch_reply(entries, results)


def _batch_reply(
    entries: list[dict[str, Any]], results: Sequence[dict[str, Any] | SqsError | None]
) -> dict[str, Any]:
    """A batch reply: each entry's result is what its Successful item adds to its Id (None:
    nothing) or the error that failed it."""
    successful, failed = [], []
    for entry, result in zip(entries, results, strict=True):
        if isinstance(result, SqsError):
            failed.append(
                {
                    "Id": entry["Id"],
                    "SenderFault": result.sender_fault,
                    "Code": result.query_code,
                    "Message": result.message,
                }
            )
        elif result is None:  # the usual item of a delete or visibility batch: its Id alone
            successful.append({"Id": entry["Id"]})
        else:
            successful.append({"Id": entry["Id"], **result})
    if failed:  # AWS leaves Failed out when nothing failed
        return {"Successful": successful, "Failed": failed}
    return {"Successful": successful}


def _outgoing(entry: dict[str, Any]) -> Outgoing:
    """A SendMessage request or SendMessageBatch entry as the engine takes it."""
    return Outgoing(
        entry["MessageBody"],
        entry.get("DelaySeconds"),
        _attributes_in(entry.get("MessageAttributes")),
        _attributes_in(entry.get("MessageSystemAttributes")),
        entry.get("MessageGroupId"),
        entry.get("MessageDeduplicationId"),
    )


def _sent_out(result: SendResult) -> dict[str, Any]:
    """What a reply says of a sent message (a batch's `_batch_reply` puts the entry's Id first)."""
    out: dict[str, Any] = {"MessageId": result.message_id, "MD5OfMessageBody": result.md5_body}
    if result.md5_attributes:
        out["MD5OfMessageAttributes"] = result.md5_attributes
    if result.md5_system:
        out["MD5OfMessageSystemAttributes"] = result.md5_system
    if result.sequence_number:
        out["SequenceNumber"] = result.sequence_number
    return out


def _received(r: dict[str, Any], got: list[Received]) -> dict[str, Any]:
    """A ReceiveMessage reply, with the attributes the request asked for."""
    if not got:
        return {}
    system_names = set(r.get("AttributeNames", ())) | set(r.get("MessageSystemAttributeNames", ()))
    attribute_names = r.get("MessageAttributeNames") or []
    return {"Messages": [_message_out(m, system_names, attribute_names) for m in got]}


def _attributes_in(attrs: dict[str, dict[str, Any]] | None) -> dict[str, dict[str, Any]] | None:
    """Keep the fields SQS stores (the list values are reserved and ignored). The usual map,
    already as stored (the checker dropped members set to null), is returned as it is."""
    if not attrs:
        return None
    for attr in attrs.values():
        if "DataType" not in attr or not attr.keys() <= _STORED_FIELDS:
            break
    else:
        return attrs
    out = {}
    for name, attr in attrs.items():
        kept = {"DataType": attr.get("DataType", "")}
        for key in ("StringValue", "BinaryValue"):
            if attr.get(key) is not None:
                kept[key] = attr[key]
        out[name] = kept
    return out


_STORED_FIELDS = frozenset({"DataType", "StringValue", "BinaryValue"})


def _batch_size(entries: list[dict[str, Any]]) -> int:
    """The bytes a batch counts against its limit. A text has at most 4 UTF-8 bytes per character,
    so the exact count (an encode of every text) is needed only when that bound is over the limit."""
    bound = 0
    for entry in entries:
        bound += len(entry.get("MessageBody", ""))
        for name, attr in (entry.get("MessageAttributes") or {}).items():
            value = attr.get("StringValue")
            bound += len(name) + len(str(attr.get("DataType", ""))) + len(value or b"")
            if not isinstance(value, str):
                bound += len(attr.get("BinaryValue") or b"")
    if 4 * bound <= check.MAX_BATCH_BYTES:
        return bound  # a lower bound: only ever compared with the limit, which it is under
    return sum(_entry_size(e) for e in entries)


def _entry_size(entry: dict[str, Any]) -> int:
    size = len(entry.get("MessageBody", "").encode("utf-8"))
    for name, attr in (entry.get("MessageAttributes") or {}).items():
        size += len(name.encode()) + len(str(attr.get("DataType", "")).encode())
        value = attr.get("StringValue")
        size += (
            len(value.encode()) if isinstance(value, str) else len(attr.get("BinaryValue") or b"")
        )
    return size


def _select_message_attributes(
    attrs: dict[str, dict[str, Any]], wanted: list[str]
) -> dict[str, dict[str, Any]]:
    """`All`, `.*` and `*` select every attribute; `Prefix.*` every name starting with `Prefix`
    (`Hel.*` selects `Hello` and `Help.Me`); anything else is an exact name."""
    if not attrs or not wanted:
        return {}
    if "All" in wanted or ".*" in wanted or "*" in wanted:
        return attrs
    exact = {w for w in wanted if not w.endswith(".*")}
    prefixes = tuple(w[:-2] for w in wanted if w.endswith(".*"))
    return {n: a for n, a in attrs.items() if n in exact or (prefixes and n.startswith(prefixes))}


def _message_out(m: Received, system_names: set[str], attribute_names: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "MessageId": m.message_id,
        "ReceiptHandle": m.receipt_handle,
        "MD5OfBody": md5_body_of(m.data),
        "Body": body_of(m.data),
    }
    if system_names:
        if "All" in system_names:
            chosen = dict(m.system)
        else:
            chosen = {k: v for k, v in m.system.items() if k in system_names}
        if chosen:
            out["Attributes"] = chosen
    if not attribute_names or m.attrs is None or not m.attributes:  # the usual receive
        return out
    selected = _select_message_attributes(m.attributes, attribute_names)
    if not selected:  # it has attributes, none of them asked for: SQS shows an empty map
        out["MessageAttributes"] = {}
    else:
        out["MD5OfMessageAttributes"] = md5_of_attributes(selected)
        out["MessageAttributes"] = {
            name: (
                {
                    "DataType": a["DataType"],
                    "BinaryValue": base64.b64encode(a["BinaryValue"]).decode(),
                }
                if "BinaryValue" in a
                else {"DataType": a["DataType"], "StringValue": a["StringValue"]}
            )
            for name, a in selected.items()
        }
    return out
