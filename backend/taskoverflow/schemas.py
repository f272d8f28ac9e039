"""Request/response shapes (pydantic), used both to validate input and to document the API.

Inputs are strict: a number is not a title, "yes" is not a boolean, and deadlines must be
ISO 8601 strings. Text must be storable by every database (no NUL, valid Unicode), so a bad
value is a 400 here and never a database error later.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    ValidationError,
    WithJsonSchema,
)

DATETIME_EXAMPLE = "2023-02-27T00:00:00"


def _storable_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    return value


def _date(year: str) -> str:
    """A calendar date (month lengths and leap days included) for years matching `year`."""
    month_day = (
        "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
        "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
        "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    )
    leap_year = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
    return f"(?:{year}-{month_day}|{leap_year}-02-29)"


_ANY_YEAR = "(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"  # 0001-9999
_INNER_YEAR = (  # 0002-9998: a zone offset cannot move the instant out of 0001-9999
    "(?:000[2-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
)
_TIME = "[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.][0-9]{1,6})?)?"
_UTC = "(?:[Zz]|[+-]00:00)"
_OFFSET = "[+-](?:[01][0-9]|2[0-3]):[0-5][0-9]"
#: Every deadline the API accepts, and nothing else: a date, optionally a time, optionally a zone
#: (converted to UTC). A non-zero offset is allowed in years 0002-9998, so the UTC instant always
#: exists (`0001-01-01T00:00:52+23:24` would be in year 0). The OpenAPI schema publishes this
#: very pattern, so schema and validation cannot disagree.
#: `$(?![\s\S])` ends it in every regex dialect: `$` alone also matches before a final newline in
#: Python's `re` (which jsonschema and schemathesis use), not in ECMA-262.
DEADLINE_PATTERN = (
    f"^(?:{_date(_ANY_YEAR)}(?:{_TIME}{_UTC}?)?|{_date(_INNER_YEAR)}{_TIME}{_OFFSET})$(?![\\s\\S])"
)
_DEADLINE = re.compile(DEADLINE_PATTERN)


def _parse_deadline(value: Any) -> Any:
    """ISO 8601 string (DEADLINE_PATTERN) -> naive UTC datetime; zones are converted to UTC."""
    if not isinstance(value, str):
        if value is None:
            return value
        raise ValueError(f"must be an ISO 8601 date-time string like {DATETIME_EXAMPLE}")
    problem = ValueError(
        f"is not a valid ISO 8601 date-time: {value[:40]!r} (expected e.g. {DATETIME_EXAMPLE}"
        "; with a zone offset other than Z, years 0002-9998)"
    )
    if not _DEADLINE.fullmatch(value):
        raise problem
    try:
        parsed = datetime.fromisoformat(value.upper())
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):  # pragma: no cover - the pattern admits valid dates only
        raise problem from None
    return parsed


# The pattern documents "no NUL" for clients/fuzzers; the validator enforces it with a clear message.
_NO_NUL = {"pattern": "^[^\\u0000]*$"}
Title = Annotated[
    str,
    Field(min_length=1, max_length=80, json_schema_extra=_NO_NUL),
    AfterValidator(_storable_text),
]
Description = Annotated[
    str, Field(max_length=120, json_schema_extra=_NO_NUL), AfterValidator(_storable_text)
]
Deadline = Annotated[
    datetime,
    BeforeValidator(_parse_deadline),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": DEADLINE_PATTERN,
            "description": f"ISO 8601, e.g. {DATETIME_EXAMPLE} or 2023-02-27; a zone is "
            "converted to UTC (offsets other than Z in years 0002-9998)",
        }
    ),
]

TODO_FIELDS = ("title", "description", "completed", "deadline_at")


class TodoCreate(BaseModel):
    """POST /todos body: only these keys; `title` required."""

    model_config = ConfigDict(extra="forbid", strict=True)

    title: Title
    description: Description | None = None
    completed: bool = False
    deadline_at: Deadline | None = None


class TodoUpdate(BaseModel):
    """PUT /todos/<id> body: any subset of the keys (partial update)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    title: Title = None  # type: ignore[assignment]  # absent is fine, null is not
    description: Description | None = None
    completed: bool = None  # type: ignore[assignment]  # absent is fine, null is not
    deadline_at: Deadline | None = None


class TodoOut(BaseModel):
    id: int
    title: str
    description: str | None
    completed: bool
    deadline_at: str | None = Field(description=f"ISO 8601 without zone, e.g. {DATETIME_EXAMPLE}")
    created_at: str = Field(description="ISO 8601 without zone (UTC)")
    updated_at: str = Field(description="ISO 8601 without zone (UTC)")


class Empty(BaseModel):
    """`{}`: what DELETE answers for a todo that does not exist (the course's quirk)."""

    model_config = ConfigDict(extra="forbid")


class Deleted(RootModel[TodoOut | Empty]):
    """DELETE's answer: the deleted todo, or `{}` if there was none."""


class TodoList(RootModel[list[TodoOut]]):
    pass


class TodoQuery(BaseModel):
    completed: Literal["true", "false"] | None = None
    window: int | None = Field(
        default=None, ge=0, le=100_000, description="deadline at most N days from now"
    )


class Error(BaseModel):
    error: str


class Health(BaseModel):
    """`ok`: the API, its database and its job queue answer; `degraded`: one of them does not."""

    status: Literal["ok", "degraded"]
    database: str | None = Field(default=None, description="only when degraded: ok or why not")
    job_queue: str | None = Field(default=None, description="only when degraded: ok or why not")


class TaskCreated(BaseModel):
    task_id: str
    task_url: str


class TaskStatus(BaseModel):
    task_id: str
    task_status: Literal["PENDING", "STARTED", "SUCCESS", "FAILURE"]
    result_url: str
    reason: Literal["error", "timeout", "canceled", "lost"] | None = Field(
        default=None, description="only when FAILURE"
    )
    detail: str | None = Field(default=None, description="only when FAILURE: the last error line")


def explain(error: ValidationError) -> str:
    """One readable sentence per problem, naming the field (pydantic's own texts otherwise)."""
    parts: list[str] = []
    for item in error.errors(include_url=False):
        field = ".".join(str(p) for p in item["loc"]) or "body"
        kind = item["type"]
        if kind == "extra_forbidden":
            parts.append(f"unknown field '{field}' (allowed: {', '.join(TODO_FIELDS)})")
        elif kind == "missing":
            parts.append(f"missing required field '{field}'")
        else:
            message = str(item["msg"]).removeprefix("Value error, ")
            parts.append(f"'{field}': {message}")
    return "; ".join(parts)
