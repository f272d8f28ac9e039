"""boto3 SQS clients for the local service or real AWS, and errors a student can act on.

Local by default: the endpoint comes from `labkit.config.endpoints().sqs`, credentials are
dummies (the local service ignores them) and botocore's timeouts and retries are cut short,
so a service that is not running fails in about a second instead of a minute of retries.
Real AWS with `aws=True` (the usual credential chain) or `env_file=PATH` (the course's env
file). Secrets never reach a repr, a log line or an error message.
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
from botocore.config import Config

from labkit.config import endpoints
from labkit.errors import LabError

DUMMY_KEY = "queue-lab"
#: AWS returns this query-compatible code for a missing queue; boto3 maps it to QueueDoesNotExist.
NON_EXISTENT_QUEUE_CODES = frozenset(
    {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}
)

_LOCAL_CONFIG = Config(
    connect_timeout=2,
    read_timeout=30,  # longer than the longest long poll (20 s)
    retries={"total_max_attempts": 1, "mode": "standard"},  # no retries: fail fast
)
_AWS_CONFIG = Config(
    connect_timeout=5,
    read_timeout=30,
    retries={"max_attempts": 3, "mode": "standard"},
    # `--aws` means AWS, even when AWS_ENDPOINT_URL_SQS points at the local service.
    ignore_configured_endpoint_urls=True,
)

_ENV_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*[=:]\s*(.*?)\s*$")


def redact(secret: str | None) -> str:
    """Show just enough of a key to recognise it (`ASIA…WXYZ`), never the whole."""
    if not secret:
        return "<none>"
    if len(secret) <= 8:
        return "****"
    return f"{secret[:4]}…{secret[-4:]}"


@dataclass(frozen=True, repr=False)
class Credentials:
    """AWS credentials; the repr redacts them so a notebook cell or traceback cannot leak them."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def __repr__(self) -> str:
        token = "set" if self.session_token else "none"
        return (
            f"Credentials(access_key_id={redact(self.access_key_id)!r}, "
            f"secret_access_key='****', session_token={token})"
        )

    __str__ = __repr__


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    # an unquoted value may carry a trailing comment: `KEY=value # note`
    return re.sub(r"\s+#.*$", "", value)


def parse_env_text(text: str) -> dict[str, str]:
    """Read `KEY=value` lines as shells and `~/.aws/credentials` write them.

    Accepts `export ` prefixes, single or double quotes, comments, blank lines, `[section]`
    headers and lower-case keys (`aws_access_key_id = …`, as the AWS Academy page shows them).
    Keys come back upper-cased.
    """
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        match = _LINE.match(line)
        if match:
            values[match.group(1).upper()] = _unquote(match.group(2))
    return values


def read_env_file(path: str | Path) -> Credentials:
    """The course's env file → Credentials; a clear LabError (naming keys, never values) if unusable."""
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LabError(
            f"env file {str(path)!r} not found",
            hint="pass the file holding AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LabError(f"cannot read env file {str(path)!r}: {exc.__class__.__name__}") from None
    values = parse_env_text(text)
    missing = [key for key in _ENV_KEYS[:2] if not values.get(key)]
    if missing:
        raise LabError(
            f"env file {str(path)!r} lacks {' and '.join(missing)}",
            hint="copy the credentials block from your AWS account page into that file",
        )
    return Credentials(
        access_key_id=values["AWS_ACCESS_KEY_ID"],
        secret_access_key=values["AWS_SECRET_ACCESS_KEY"],
        session_token=values.get("AWS_SESSION_TOKEN") or None,
    )


def sqs_client(
    *,
    aws: bool = False,
    env_file: str | Path | None = None,
    endpoint: str | None = None,
    region: str | None = None,
) -> Any:
    """A boto3 SQS client: the local service unless `aws` or `env_file` is given.

    `endpoint` overrides the resolved local endpoint (tests point it at their own server).
    """
    ends = endpoints()
    region = region or ends.region
    if aws or env_file is not None:
        if endpoint is not None:
            raise LabError("choose either the local endpoint or AWS, not both")
        if env_file is not None:
            creds = read_env_file(env_file)
            session = boto3.session.Session(
                aws_access_key_id=creds.access_key_id,
                aws_secret_access_key=creds.secret_access_key,
                aws_session_token=creds.session_token,
                region_name=region,
            )
        else:
            session = boto3.session.Session(region_name=region)
        return session.client("sqs", config=_AWS_CONFIG)
    # A Session may not make two clients at once; the clients it makes are thread-safe.
    with _LOCAL_SESSION_LOCK:
        return _local_session(region).client(
            "sqs", endpoint_url=endpoint or ends.sqs, config=_LOCAL_CONFIG
        )


#: Guards client creation from the shared local sessions (notebooks make clients in threads).
_LOCAL_SESSION_LOCK = threading.Lock()


@functools.cache
def _local_session(region: str) -> boto3.session.Session:
    """One session per region for the local service: a new Session re-reads botocore's SQS model
    (≈ 0.1–0.25 s), a client from a session that has read it takes ≈ 0.01 s. Local credentials are
    the fixed dummies, so nothing differs between the clients a shared session makes."""
    return boto3.session.Session(
        aws_access_key_id=DUMMY_KEY, aws_secret_access_key=DUMMY_KEY, region_name=region
    )


def is_local(client: Any) -> bool:
    """True when the client talks to something other than AWS (the lab's service, moto, …)."""
    return "amazonaws.com" not in client.meta.endpoint_url


def describe_target(client: Any) -> str:
    """Where a client sends its calls, for messages: the local URL or `AWS (region)`."""
    if is_local(client):
        url: str = client.meta.endpoint_url
        return url
    return f"AWS ({client.meta.region_name})"


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError ('' for anything else)."""
    if isinstance(exc, botocore.exceptions.ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def is_missing_queue(exc: BaseException) -> bool:
    return error_code(exc) in NON_EXISTENT_QUEUE_CODES


def _missing_queue_error(client: Any, name: str) -> LabError:
    where = (
        "on " + client.meta.endpoint_url if is_local(client) else f"in {describe_target(client)}"
    )
    return LabError(
        f"queue {name!r} does not exist {where}",
        hint=f"create it with `labkit queues create {name}`"
        + ("" if is_local(client) else " --aws")
        + " (list them with `labkit queues list`)",
    )


@contextlib.contextmanager
def lab_errors(client: Any, queue: str | None = None) -> Iterator[None]:
    """Turn what botocore raises into one LabError line with a hint; other errors pass through."""
    try:
        yield
    except (
        botocore.exceptions.EndpointConnectionError,
        botocore.exceptions.ConnectTimeoutError,
    ):
        if is_local(client):
            raise LabError(
                f"cannot reach the local SQS service at {client.meta.endpoint_url}",
                hint="start it with `labkit up` or `labkit sqs serve`",
            ) from None
        raise LabError(
            f"cannot reach {describe_target(client)}", hint="check your network connection"
        ) from None
    except botocore.exceptions.ReadTimeoutError:
        raise LabError(f"{describe_target(client)} did not answer in time") from None
    except (botocore.exceptions.NoCredentialsError, botocore.exceptions.PartialCredentialsError):
        raise LabError(
            "no AWS credentials found",
            hint="pass --env-file FILE with the course's credentials, or configure the AWS CLI",
        ) from None
    except botocore.exceptions.ClientError as exc:
        if queue is not None and is_missing_queue(exc):
            raise _missing_queue_error(client, queue) from None
        code = error_code(exc)
        message = exc.response.get("Error", {}).get("Message") or code
        hint = None
        if code in {"ExpiredToken", "InvalidClientTokenId", "UnrecognizedClientException"}:
            hint = "your AWS credentials are expired or wrong: fetch fresh ones"
        raise LabError(f"{code}: {message}", hint=hint) from None


def queue_url(client: Any, name: str) -> str:
    """The URL of queue `name`; a LabError with a `labkit queues create` hint when it is missing."""
    with lab_errors(client, queue=name):
        url: str = client.get_queue_url(QueueName=name)["QueueUrl"]
    return url


def queue_name(url: str) -> str:
    """The queue's name: the last path segment of its URL."""
    return url.rstrip("/").rsplit("/", 1)[-1]
