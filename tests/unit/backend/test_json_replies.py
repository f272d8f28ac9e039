"""The app's JSON replies (orjson) read exactly as the standard library's did, and replies that
skip quart-schema's conversion are exactly the replies it would have made."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import quart_schema.conversion
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel
from quart import Quart
from quart.json.provider import DefaultJSONProvider
from quart_schema import QuartSchema
from taskoverflow.json_replies import OrjsonReplies, skip_plain_conversion


def providers() -> tuple[OrjsonReplies, DefaultJSONProvider]:
    app = Quart(__name__)
    ours, theirs = OrjsonReplies(app), DefaultJSONProvider(app)
    ours.sort_keys = theirs.sort_keys = False
    return ours, theirs


OURS, STDLIB = providers()
COMPACT = {"separators": (",", ":")}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)  # beyond 64 bits too
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_any_reply_reads_as_the_standard_librarys(value: object) -> None:
    assert json.loads(OURS.dumps(value, **COMPACT)) == json.loads(STDLIB.dumps(value, **COMPACT))


def test_keys_keep_their_order_and_ascii_replies_are_byte_identical() -> None:
    todo = {"id": 7, "title": "Demo", "description": None, "completed": False}
    assert OURS.dumps(todo, **COMPACT) == STDLIB.dumps(todo, **COMPACT)
    assert OURS.dumps([todo], **COMPACT).startswith('[{"id":7,"title":')
    huge = {"id": 2**70}  # orjson refuses it; the standard library writes it
    assert OURS.dumps(huge, **COMPACT) == STDLIB.dumps(huge, **COMPACT)


def test_dates_and_pretty_replies_are_the_standard_librarys() -> None:
    when = {"at": datetime(2026, 12, 1, 9, 0)}
    assert OURS.dumps(when, **COMPACT) == STDLIB.dumps(when, **COMPACT)  # Flask's HTTP date
    assert OURS.dumps(when, indent=2) == STDLIB.dumps(when, indent=2)


class Point(BaseModel):
    x: int
    label: str


def schema_app(skip: bool) -> Quart:
    """A Quart app with quart-schema, replying in every shape a route may return."""
    app = Quart(__name__)
    QuartSchema(app)
    if skip:
        skip_plain_conversion(app)
    app.json = OrjsonReplies(app)
    app.json.sort_keys = False

    @app.get("/dict")
    async def a_dict() -> object:
        return {"b": 1, "a": [1, "é", None], "when": "2026-12-01T09:00:00"}

    @app.get("/list")
    async def a_list() -> object:
        return [{"id": 2, "done": False}, {"id": 1, "done": True}], 201

    @app.get("/model")
    async def a_model() -> object:
        return Point(x=3, label="p"), 200

    @app.get("/headers")
    async def with_headers() -> object:
        return {"ok": True}, 202, {"x_custom_thing": "1"}

    @app.get("/empty")
    async def empty() -> object:
        return {}, 200

    return app


async def replies(app: Quart) -> dict[str, tuple[int, bytes, dict[str, str]]]:
    client = app.test_client()
    out = {}
    for path in ("/dict", "/list", "/model", "/headers", "/empty"):
        response = await client.get(path)
        out[path] = (response.status_code, await response.get_data(), dict(response.headers))
    return out


async def test_skipping_the_conversion_changes_no_reply() -> None:
    assert await replies(schema_app(skip=True)) == await replies(schema_app(skip=False))


async def test_plain_replies_skip_the_conversion_and_models_do_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    converted: list[type] = []
    original = quart_schema.conversion.model_dump

    def counting(raw: object, **kwargs: object) -> object:
        if raw is not None:
            converted.append(type(raw))
        return original(raw, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(quart_schema.conversion, "model_dump", counting)
    await replies(schema_app(skip=True))
    assert converted == [Point, dict, dict]  # the model; the three-part reply: body and headers
