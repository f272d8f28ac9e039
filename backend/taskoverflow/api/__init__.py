"""The JSON API under /api/v1: one blueprint per resource, plus the request-body helper."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from quart import request
from werkzeug.routing import IntegerConverter

from taskoverflow.errors import ApiError
from taskoverflow.schemas import explain

M = TypeVar("M", bound=BaseModel)


class CanonicalId(IntegerConverter):
    """`<id:…>` in a route: ASCII digits without leading zeros, else the route does not match (404).

    Werkzeug's `int` matches `\\d+`, which takes any Unicode digit (`/todos/٣` was todo 3) and
    leading zeros (`/todos/0001` was todo 1): one todo under many URLs. An id has one spelling.
    """

    regex = r"(?:0|[1-9][0-9]*)"


_JSON_NAMES = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


async def json_object() -> dict[str, Any]:
    """The body as a JSON object, whatever the Content-Type says (curl users forget it)."""
    raw = await request.get_data()
    if not raw.strip():
        raise ApiError(400, "request body must be a JSON object, got an empty body")
    try:
        data = json.loads(raw, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, f"request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, f"request body must be a JSON object, got {_JSON_NAMES[type(data)]}")
    return data


def validate(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(400, explain(exc)) from None
