"""Todo CRUD with the course's contract, its quirks included (unknown keys are a 400 even before a
404 on PUT; DELETE of a missing todo answers 200 `{}`)."""

from __future__ import annotations

import typing
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import annotated_types
from quart import Blueprint, request
from quart.typing import ResponseReturnValue
from quart_schema import document_querystring, document_request, document_response, tag_blueprint
from sqlalchemy import DateTime, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from taskoverflow.api import json_object, validate
from taskoverflow.clock import whole_seconds
from taskoverflow.db import MAX_ID, Todo
from taskoverflow.errors import ApiError
from taskoverflow.schemas import (
    Deleted,
    Error,
    TodoCreate,
    TodoList,
    TodoOut,
    TodoQuery,
    TodoUpdate,
)
from taskoverflow.state import state

bp = Blueprint("todos", __name__, url_prefix="/api/v1")
tag_blueprint(bp, ["todos"])


#: The answer's fields, in contract order: the response schema is their one declaration.
_TODO_FIELDS = tuple(TodoOut.model_fields)


#: The same fields as columns: a listing selects them as plain rows. Building an ORM object per
#: todo (identity map, instrumented attributes) was a third of a long list's time.
_TODO_COLUMNS = tuple(getattr(Todo, name) for name in _TODO_FIELDS)


#: The fields stored as datetimes: `TodoOut` has them as ISO 8601 text.
_DATETIME_FIELDS = tuple(
    name
    for name, column in zip(_TODO_FIELDS, _TODO_COLUMNS, strict=True)
    if isinstance(column.type, DateTime)
)


def row_json(values: Iterable[Any]) -> dict[str, Any]:
    """A todo's values, in `_TODO_FIELDS` order, as `TodoOut` declares it (built by hand:
    validating every row is measurable). A long listing spends most of its time here, so the
    dict is made in one call and only the datetime fields are looked at (half the time of a
    comprehension that tests every value, measured)."""
    todo = dict(zip(_TODO_FIELDS, values, strict=True))
    for name in _DATETIME_FIELDS:
        value = todo[name]
        if value is not None:
            todo[name] = value.isoformat()
    return todo


def todo_json(todo: Todo) -> dict[str, Any]:
    """One loaded todo as `TodoOut` declares it."""
    return row_json(getattr(todo, name) for name in _TODO_FIELDS)


def todo_rows() -> Select[Any]:
    """Every todo's `TodoOut` values in id order, as plain rows for `row_json`."""
    return select(*_TODO_COLUMNS).order_by(Todo.id)


def _one_arg(name: str) -> str | None:
    values = request.args.getlist(name)
    if len(values) > 1:
        raise ApiError(400, f"query parameter '{name}' given more than once")
    return values[0] if values else None


def _window_bounds() -> tuple[int, int]:
    """`window`'s range as `TodoQuery` declares it (the OpenAPI document shows the same)."""
    metadata = TodoQuery.model_fields["window"].metadata
    low = next(m.ge for m in metadata if isinstance(m, annotated_types.Ge))
    high = next(m.le for m in metadata if isinstance(m, annotated_types.Le))
    return typing.cast(int, low), typing.cast(int, high)


_COMPLETED = typing.get_args(typing.get_args(TodoQuery.model_fields["completed"].annotation)[0])
_WINDOW_LOW, _WINDOW_HIGH = _window_bounds()


def parse_query() -> TodoQuery:
    """The query string checked against `TodoQuery`, with messages that name the parameter
    (pydantic's own would not say which key or echo a safe prefix of the value)."""
    completed = _one_arg("completed")
    if completed is not None and completed not in _COMPLETED:
        raise ApiError(400, f"'completed' must be true or false, got {completed[:40]!r}")
    window_raw = _one_arg("window")
    window = None
    if window_raw is not None:
        # thousands of digits are out of range, and more than int() reads (a 500, not a 400)
        digits = window_raw.lstrip("0")[: len(str(_WINDOW_HIGH)) + 1] or "0"
        if (
            not window_raw.isascii()
            or not window_raw.isdigit()
            or not _WINDOW_LOW <= int(digits) <= _WINDOW_HIGH
        ):
            raise ApiError(
                400,
                f"'window' must be a whole number of days {_WINDOW_LOW}..{_WINDOW_HIGH}, "
                f"got {window_raw[:40]!r}",
            )
        window = int(digits)
    return TodoQuery.model_validate({"completed": completed, "window": window})


@bp.get("/todos")
@document_querystring(TodoQuery)
@document_response(TodoList, 200)
@document_response(Error, 400)
async def list_todos() -> ResponseReturnValue:
    """All todos in id order; `completed` filters, `window=N` keeps deadlines ≤ N days away."""
    query = parse_query()
    st = state()
    stmt = todo_rows()
    if query.completed is not None:
        stmt = stmt.where(Todo.completed == (query.completed == "true"))
    if query.window is not None:
        horizon = st.clock() + timedelta(days=query.window)
        stmt = stmt.where(Todo.deadline_at.is_not(None), Todo.deadline_at <= horizon)
    async with st.db.session() as session:
        rows = (await session.execute(stmt)).all()
    return [row_json(row) for row in rows], 200


async def _get(session: AsyncSession, todo_id: int) -> Todo | None:
    if todo_id > MAX_ID:
        return None
    return await session.get(Todo, todo_id)


@bp.get("/todos/<id:todo_id>")
@document_response(TodoOut, 200)
@document_response(Error, 404)
async def get_todo(todo_id: int) -> ResponseReturnValue:
    async with state().db.session() as session:
        todo = await _get(session, todo_id)
    if todo is None:
        raise ApiError(404, f"todo {todo_id} not found")
    return todo_json(todo), 200


@bp.post("/todos")
@document_request(TodoCreate)
@document_response(TodoOut, 201)
@document_response(Error, 400)
async def create_todo() -> ResponseReturnValue:
    data = validate(TodoCreate, await json_object())
    st = state()
    now = whole_seconds(st.clock())
    todo = Todo(
        title=data.title,
        description=data.description,
        completed=data.completed,
        deadline_at=data.deadline_at,
        created_at=now,
        updated_at=now,
    )
    async with st.db.session() as session:
        session.add(todo)
        await session.commit()
    return todo_json(todo), 201


@bp.put("/todos/<id:todo_id>")
@document_request(TodoUpdate)
@document_response(TodoOut, 200)
@document_response(Error, 400)
@document_response(Error, 404)
async def update_todo(todo_id: int) -> ResponseReturnValue:
    """Partial update. The body is validated first: a bad body is 400 even for a missing todo."""
    data = validate(TodoUpdate, await json_object())
    st = state()
    async with st.db.session() as session:
        todo = await _get(session, todo_id)
        if todo is None:
            raise ApiError(404, f"todo {todo_id} not found")
        changes = data.model_dump(include=data.model_fields_set)
        if changes:
            for key, value in changes.items():
                setattr(todo, key, value)
            todo.updated_at = whole_seconds(st.clock())
            await session.commit()
    return todo_json(todo), 200


@bp.delete("/todos/<id:todo_id>")
@document_response(Deleted, 200)
async def delete_todo(todo_id: int) -> ResponseReturnValue:
    """Deletes and returns the todo; a missing one answers 200 `{}` (the course's contract)."""
    async with state().db.session() as session:
        todo = await _get(session, todo_id)
        if todo is None:
            return {}, 200
        await session.delete(todo)
        await session.commit()
    return todo_json(todo), 200
