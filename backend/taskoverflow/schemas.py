"""Request/response shapes (pydantic), used both to validate input and to document the API.

Inputs are strict: a number is not a title, "yes" is not a boolean, and deadlines must be
ISO 8601 strings. Text must be storable by every database (no NUL, valid Unicode), so a bad
value is a 400 here and never a database error later.
"""

from __future__ import annotations

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


def _parse_deadline(value: Any) -> Any:
    """ISO 8601 string -> naive UTC datetime; zones are converted to UTC, `Z` allowed."""
    if not isinstance(value, str):
        if value is None:
            return value
        raise ValueError(f"must be an ISO 8601 date-time string like {DATETIME_EXAMPLE}")
    try:
        parsed = datetime.fromisoformat(value.strip().upper())
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise ValueError(
            f"is not a valid ISO 8601 date-time: {value[:40]!r} (expected e.g. {DATETIME_EXAMPLE})"
        ) from None
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
    Field(description=f"ISO 8601, e.g. {DATETIME_EXAMPLE}; a zone is converted to UTC"),
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
    completed: bool = None  # type: ignore[assignment]
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
    status: Literal["ok"]


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
