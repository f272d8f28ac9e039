"""The todo API contract (the course's, docs/taskoverflow.md), case by case, through Quart's test client."""

from __future__ import annotations

import pytest

API = "/api/v1"

#: the `client` fixture's app is shared by the module, so are its event loop and its tests'
pytestmark = pytest.mark.asyncio(loop_scope="module")


async def post(client, body):
    return await client.post(f"{API}/todos", json=body)


async def make(client, **fields):
    response = await post(client, {"title": "T", **fields})
    assert response.status_code == 201, await response.get_data(as_text=True)
    return await response.get_json()


async def test_health(make_client, redis_clean):
    async with make_client(REDIS_URL=redis_clean) as (client, _):
        response = await client.get(f"{API}/health")
    assert response.status_code == 200
    assert await response.get_json() == {"status": "ok"}


async def test_health_names_an_unreachable_job_queue(client):
    """The `client` fixture's Redis is down: still 200 (the todo API serves), but it says so."""
    response = await client.get(f"{API}/health")
    assert response.status_code == 200
    body = await response.get_json()
    assert body["status"] == "degraded" and body["database"] == "ok"
    assert body["job_queue"].startswith("unavailable: the job queue (Redis) is unreachable")


async def test_create_defaults_and_shape(client):
    response = await post(client, {"title": "Write lab"})
    assert response.status_code == 201
    todo = await response.get_json()
    assert todo == {
        "id": 1,
        "title": "Write lab",
        "description": None,
        "completed": False,
        "deadline_at": None,
        "created_at": "2026-03-10T12:00:00",
        "updated_at": "2026-03-10T12:00:00",
    }
    assert list(todo) == [
        "id",
        "title",
        "description",
        "completed",
        "deadline_at",
        "created_at",
        "updated_at",
    ]


async def test_create_all_fields_round_trip(client):
    todo = await make(
        client, title="A", description="d", completed=True, deadline_at="2023-02-27T00:00:00"
    )
    assert (todo["description"], todo["completed"], todo["deadline_at"]) == (
        "d",
        True,
        "2023-02-27T00:00:00",
    )
    fetched = await (await client.get(f"{API}/todos/{todo['id']}")).get_json()
    assert fetched == todo


async def test_deadline_with_zone_is_stored_as_utc(client):
    todo = await make(client, deadline_at="2023-02-27T10:00:00+10:00")
    assert todo["deadline_at"] == "2023-02-27T00:00:00"
    todo = await make(client, deadline_at="2023-02-27T00:00:00Z")
    assert todo["deadline_at"] == "2023-02-27T00:00:00"


async def test_list_in_id_order(client):
    for title in ("c", "a", "b"):
        await make(client, title=title)
    todos = await (await client.get(f"{API}/todos")).get_json()
    assert [t["id"] for t in todos] == [1, 2, 3]
    assert [t["title"] for t in todos] == ["c", "a", "b"]


async def test_list_empty(client):
    response = await client.get(f"{API}/todos")
    assert response.status_code == 200
    assert await response.get_json() == []


async def test_filter_completed(client):
    await make(client, title="open")
    await make(client, title="done", completed=True)
    done = await (await client.get(f"{API}/todos?completed=true")).get_json()
    still = await (await client.get(f"{API}/todos?completed=false")).get_json()
    assert [t["title"] for t in done] == ["done"]
    assert [t["title"] for t in still] == ["open"]


async def test_window_keeps_near_and_past_deadlines_only(client):
    # NOW is 2026-03-10T12:00:00
    await make(client, title="past", deadline_at="2020-01-01T00:00:00")
    await make(client, title="in 2 days", deadline_at="2026-03-12T12:00:00")
    await make(client, title="exactly 5 days", deadline_at="2026-03-15T12:00:00")
    await make(client, title="in 6 days", deadline_at="2026-03-16T12:00:00")
    await make(client, title="no deadline")
    titles = [t["title"] for t in await (await client.get(f"{API}/todos?window=5")).get_json()]
    assert titles == ["past", "in 2 days", "exactly 5 days"]
    titles = [t["title"] for t in await (await client.get(f"{API}/todos?window=0")).get_json()]
    assert titles == ["past"]


async def test_window_and_completed_combine(client):
    await make(client, title="a", deadline_at="2026-03-11T00:00:00", completed=True)
    await make(client, title="b", deadline_at="2026-03-11T00:00:00")
    todos = await (await client.get(f"{API}/todos?window=3&completed=true")).get_json()
    assert [t["title"] for t in todos] == ["a"]


async def test_get_missing_is_404(client):
    response = await client.get(f"{API}/todos/42")
    assert response.status_code == 404
    assert "42" in (await response.get_json())["error"]


async def test_put_partial_update(client, make_client):
    todo = await make(client, title="old", description="keep")
    response = await client.put(f"{API}/todos/{todo['id']}", json={"title": "new"})
    assert response.status_code == 200
    updated = await response.get_json()
    assert updated["title"] == "new"
    assert updated["description"] == "keep"
    assert updated["created_at"] == todo["created_at"]


async def test_put_can_clear_nullable_fields(client):
    todo = await make(client, description="x", deadline_at="2023-02-27T00:00:00")
    updated = await (
        await client.put(
            f"{API}/todos/{todo['id']}", json={"description": None, "deadline_at": None}
        )
    ).get_json()
    assert updated["description"] is None
    assert updated["deadline_at"] is None


async def test_put_bumps_updated_at(database_url, make_client):
    from datetime import datetime

    times = iter([datetime(2026, 1, 1, 9), datetime(2026, 1, 1, 10)])
    async with make_client(CLOCK=lambda: next(times)) as (client, _):
        todo = await make(client)
        updated = await (
            await client.put(f"{API}/todos/{todo['id']}", json={"completed": True})
        ).get_json()
    assert (todo["updated_at"], updated["updated_at"]) == (
        "2026-01-01T09:00:00",
        "2026-01-01T10:00:00",
    )
    assert updated["created_at"] == todo["created_at"]


async def test_put_missing_is_404(client):
    response = await client.put(f"{API}/todos/7", json={"title": "x"})
    assert response.status_code == 404
    assert "error" in await response.get_json()


async def test_put_unknown_key_is_400_before_404(client):
    response = await client.put(f"{API}/todos/7", json={"colour": "red"})
    assert response.status_code == 400
    assert "colour" in (await response.get_json())["error"]


@pytest.mark.parametrize("key", ["id", "created_at", "updated_at", "extra"])
async def test_put_rejects_non_client_keys(client, key):
    todo = await make(client)
    response = await client.put(f"{API}/todos/{todo['id']}", json={key: 5})
    assert response.status_code == 400
    assert key in (await response.get_json())["error"]
    unchanged = await (await client.get(f"{API}/todos/{todo['id']}")).get_json()
    assert unchanged == todo


async def test_delete_returns_deleted_todo(client):
    todo = await make(client)
    response = await client.delete(f"{API}/todos/{todo['id']}")
    assert response.status_code == 200
    assert await response.get_json() == todo
    assert (await client.get(f"{API}/todos/{todo['id']}")).status_code == 404


async def test_delete_missing_is_200_empty_object(client):
    response = await client.delete(f"{API}/todos/99")
    assert response.status_code == 200
    assert await response.get_json() == {}


@pytest.mark.parametrize("todo_id", ["99999999999999999999", "2147483648"])
async def test_huge_ids_are_just_missing(client, todo_id):
    assert (await client.get(f"{API}/todos/{todo_id}")).status_code == 404
    assert (await client.put(f"{API}/todos/{todo_id}", json={"title": "x"})).status_code == 404
    response = await client.delete(f"{API}/todos/{todo_id}")
    assert (response.status_code, await response.get_json()) == (200, {})


@pytest.mark.parametrize("path", ["/todos/abc", "/todos/-1", "/todos/1.5", "/nothing"])
async def test_unknown_paths_are_json_404(client, path):
    response = await client.get(f"{API}{path}")
    assert response.status_code == 404
    assert "error" in await response.get_json()


async def test_wrong_method_is_json_405(client):
    response = await client.patch(f"{API}/todos/1", json={})
    assert response.status_code == 405
    assert "PATCH" in (await response.get_json())["error"]


async def test_text_is_stored_verbatim(client):
    title = "<script>alert(1)</script> ; , \\ ünï 😀\nEND:VEVENT"
    todo = await make(client, title=title)
    assert (await (await client.get(f"{API}/todos/{todo['id']}")).get_json())["title"] == title


async def test_max_lengths_are_accepted(client):
    todo = await make(client, title="t" * 80, description="d" * 120)
    assert (len(todo["title"]), len(todo["description"])) == (80, 120)
    todo = await make(client, title="é" * 80)  # characters, not bytes
    assert len(todo["title"]) == 80


async def test_put_empty_body_changes_nothing(client):
    todo = await make(client, title="same")
    response = await client.put(f"{API}/todos/{todo['id']}", json={})
    assert response.status_code == 200
    assert await response.get_json() == todo
