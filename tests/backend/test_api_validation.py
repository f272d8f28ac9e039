"""Bad input: every case is a 400 (or 413) with an `error` naming the problem — never a 500,
and nothing is lost or changed. The `client` fixture also asserts that no request reached the
last-resort 500 handler."""

from __future__ import annotations

import json

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

API = "/api/v1"

#: the `client` fixture's app is shared by the module, so are its event loop and its tests'
pytestmark = pytest.mark.asyncio(loop_scope="module")

BAD_BODIES = [
    # (body, a word the error must contain)
    ({}, "title"),
    ({"description": "no title"}, "title"),
    ({"title": None}, "title"),
    ({"title": ""}, "title"),
    ({"title": 5}, "title"),
    ({"title": ["a"]}, "title"),
    ({"title": {"a": 1}}, "title"),
    ({"title": True}, "title"),
    ({"title": "x" * 81}, "80"),
    ({"title": "ok", "description": "x" * 121}, "120"),
    ({"title": "ok", "description": 3}, "description"),
    ({"title": "nul\x00byte"}, "NUL"),
    ({"title": "ok", "completed": "true"}, "completed"),
    ({"title": "ok", "completed": 1}, "completed"),
    ({"title": "ok", "completed": None}, "completed"),
    ({"title": "ok", "deadline_at": "tomorrow"}, "deadline_at"),
    ({"title": "ok", "deadline_at": "2023-02-30T00:00:00"}, "deadline_at"),
    ({"title": "ok", "deadline_at": "2023-13-01"}, "deadline_at"),
    ({"title": "ok", "deadline_at": 1677456000}, "deadline_at"),
    ({"title": "ok", "deadline_at": ""}, "deadline_at"),
    ({"title": "ok", "deadline_at": "0001-01-01T00:00:00+01:00"}, "deadline_at"),
    ({"title": "ok", "id": 1}, "id"),
    ({"title": "ok", "created_at": "2023-02-27T00:00:00"}, "created_at"),
    ({"title": "ok", "updated_at": "2023-02-27T00:00:00"}, "updated_at"),
    ({"title": "ok", "priority": 1}, "priority"),
]


@pytest.mark.parametrize(("body", "word"), BAD_BODIES, ids=[repr(b)[:40] for b, _ in BAD_BODIES])
async def test_post_bad_body_is_400(client, body, word):
    response = await client.post(f"{API}/todos", json=body)
    assert response.status_code == 400
    message = (await response.get_json())["error"]
    assert word in message
    assert await (await client.get(f"{API}/todos")).get_json() == []


# a PUT may omit the title: only the bodies bad for another reason apply
BAD_UPDATES = [b for b, _ in BAD_BODIES if "title" in b]


@pytest.mark.parametrize(
    "body",
    [*BAD_UPDATES, {"title": "ok", "completed": "no"}],
    ids=lambda b: repr(b)[:40],
)
async def test_put_bad_body_is_400_and_changes_nothing(client, body):
    created = await (await client.post(f"{API}/todos", json={"title": "keep"})).get_json()
    response = await client.put(f"{API}/todos/{created['id']}", json=body)
    assert response.status_code == 400
    assert (await response.get_json())["error"]
    assert await (await client.get(f"{API}/todos/{created['id']}")).get_json() == created


RAW_BODIES = [
    (b"", "empty"),
    (b"{", "not valid JSON"),
    (b"{'title': 'single quotes'}", "not valid JSON"),
    (b'{"title": "a",}', "not valid JSON"),
    (b"[]", "array"),
    (b'["title"]', "array"),
    (b'"title"', "string"),
    (b"42", "number"),
    (b"null", "null"),
    (b"true", "boolean"),
    (b'{"title": NaN}', "NaN"),
    (b'{"title": Infinity}', "Infinity"),
    (b"\xff\xfe\x00garbage", "not valid JSON"),
    (b"[" * 100_00 + b"]" * 100_00, "JSON"),
]


@pytest.mark.parametrize(("raw", "word"), RAW_BODIES, ids=[w for _, w in RAW_BODIES])
@pytest.mark.parametrize("method", ["post", "put"])
async def test_malformed_or_non_object_json_is_400(client, raw, word, method):
    await client.post(f"{API}/todos", json={"title": "existing"})
    path = f"{API}/todos" if method == "post" else f"{API}/todos/1"
    response = await getattr(client, method)(
        path, data=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert word in (await response.get_json())["error"]


async def test_json_without_content_type_is_accepted(client):
    # curl -d '{"title": ...}' sends form content-type; the course's users did that.
    response = await client.post(f"{API}/todos", data=json.dumps({"title": "curl"}))
    assert response.status_code == 201


@pytest.mark.parametrize(
    "query",
    [
        "completed=yes",
        "completed=True",
        "completed=",
        "completed=true&completed=false",
        "window=abc",
        "window=-1",
        "window=1.5",
        "window=",
        "window=100001",
        "window=99999999999999999999999",
        "window=%D9%A3",  # Arabic-Indic digit three: isdigit() but not ASCII
        "window=1&window=2",
        "window=" + "9" * 5000,  # more digits than int() reads
    ],
    ids=lambda query: query[:40],
)
async def test_bad_query_values_are_400(client, query):
    response = await client.get(f"{API}/todos?{query}")
    assert response.status_code == 400
    name = query.split("=")[0]
    assert name in (await response.get_json())["error"]


async def test_largest_window_works(client):
    await client.post(f"{API}/todos", json={"title": "a", "deadline_at": "9999-12-31T23:59:59"})
    response = await client.get(f"{API}/todos?window=100000")
    assert response.status_code == 200


async def test_unknown_query_parameters_are_ignored(client):
    assert (await client.get(f"{API}/todos?_=123")).status_code == 200


async def test_too_large_body_is_413_json(make_client):
    async with make_client(MAX_CONTENT_LENGTH=1024) as (client, state):
        response = await client.post(f"{API}/todos", json={"title": "x", "description": "y" * 5000})
        assert response.status_code == 413
        assert "1024" in (await response.get_json())["error"]
        assert state.unexpected_errors == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=130),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
todo_like = st.fixed_dictionaries(
    {},
    optional={
        "title": json_values | st.text(max_size=90),
        "description": json_values | st.text(max_size=130),
        "completed": json_values,
        "deadline_at": json_values | st.datetimes().map(lambda d: d.isoformat()),
    },
)


@pytest_asyncio.fixture(loop_scope="module")
async def fuzz_target(client):
    """The `client`, with the todo (id 1) that the fuzzed PUTs go to."""
    assert (await client.post(f"{API}/todos", json={"title": "target"})).status_code == 201
    return client


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=json_values | todo_like)
async def test_fuzzed_bodies_never_500(fuzz_target, body):
    """One app and database for all examples; `client` checks no request reached the 500 handler."""
    for method, path in (("post", f"{API}/todos"), ("put", f"{API}/todos/1")):
        response = await getattr(fuzz_target, method)(path, json=body)
        assert response.status_code in (200, 201, 400), await response.get_data(as_text=True)
        data = await response.get_json()
        if response.status_code == 400:
            assert isinstance(data["error"], str) and data["error"]


@pytest.mark.parametrize(
    ("path", "status"), [(f"{API}/todos", 405), (f"{API}/todos/1", 405), ("/nope", 404)]
)
async def test_a_websocket_handshake_is_refused_with_an_error(client, path, status):
    # the API has no WebSocket routes: a handshake is refused as a request with another method
    from quart.testing import WebsocketResponseError

    with pytest.raises(WebsocketResponseError) as refused:
        async with client.websocket(path) as socket:
            await socket.send("hello")
    response = refused.value.response
    assert response.status_code == status
    assert path in (await response.get_json())["error"]
