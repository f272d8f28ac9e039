"""The web page (escaping, the ids the Playwright test relies on) and the OpenAPI document."""

from __future__ import annotations

import re

import pytest

API = "/api/v1"

#: the `client` fixture's app is shared by the module, so are its event loop and its tests'
pytestmark = pytest.mark.asyncio(loop_scope="module")

UI_IDS = [
    "todo-form",
    "todo-title",
    "todo-description",
    "todo-deadline",
    "todo-add",
    "todo-list",
    "todo-empty",
    "error",
    "ical-generate",
    "ical-status",
    "ical-download",
]


async def test_page_has_the_documented_ids(client):
    response = await client.get("/")
    assert response.status_code == 200
    assert response.content_type.startswith("text/html")
    html = await response.get_data(as_text=True)
    for element_id in UI_IDS:
        assert f'id="{element_id}"' in html, element_id
        assert f'data-testid="{element_id}"' in html, element_id


async def test_page_lists_todos_with_user_text_escaped(client):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    await client.post(f"{API}/todos", json={"title": evil, "description": "a & b"})
    html = await (await client.get("/")).get_data(as_text=True)
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "a &amp; b" in html
    items = re.findall(r'data-testid="todo-item"\s+data-todo-id="(\d+)"', html)
    assert items == ["1"]
    for testid in ("todo-complete", "todo-delete", "todo-title-text"):
        assert f'data-testid="{testid}"' in html


async def test_script_inserts_user_text_only_as_text(client):
    response = await client.get("/static/app.js")
    assert response.status_code == 200
    script = await response.get_data(as_text=True)
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "textContent = todo.title" in script
    css = await client.get("/static/app.css")
    assert css.status_code == 200


async def test_openapi_describes_real_responses(client):
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    doc = await response.get_json()
    paths = doc["paths"]
    assert set(paths) == {
        "/api/v1/health",
        "/api/v1/todos",
        "/api/v1/todos/{todo_id}",
        "/api/v1/todos/ical",
        "/api/v1/todos/ical/{task_id}/status",
        "/api/v1/todos/ical/{task_id}/result",
    }
    error_ref = {"$ref": "#/components/schemas/Error"}
    assert doc["components"]["schemas"]["Error"]["required"] == ["error"]
    todos = paths["/api/v1/todos"]
    assert set(todos["get"]["responses"]) >= {"200", "400", "503"}
    post = todos["post"]
    assert post["requestBody"]["required"] is True
    body_schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert body_schema["additionalProperties"] is False
    assert body_schema["required"] == ["title"]
    assert set(post["responses"]) >= {"201", "400", "413", "503"}
    assert post["responses"]["400"]["content"]["application/json"]["schema"] == error_ref
    item = paths["/api/v1/todos/{todo_id}"]
    assert set(item["put"]["responses"]) >= {"200", "400", "404", "503"}
    assert set(item["delete"]["responses"]) >= {"200", "404"}
    delete_schema = item["delete"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert "anyOf" in delete_schema  # the todo or {}
    assert set(paths["/api/v1/todos/ical"]["post"]["responses"]) >= {"202", "503"}
    status = paths["/api/v1/todos/ical/{task_id}/status"]["get"]["responses"]
    assert set(status) >= {"200", "404", "503"}
    result = paths["/api/v1/todos/ical/{task_id}/result"]["get"]["responses"]
    assert "text/calendar" in result["200"]["content"]
    assert result["404"]["content"]["application/json"]["schema"] == error_ref


async def test_interactive_docs_page(client):
    response = await client.get("/docs")
    assert response.status_code == 200
    assert "openapi.json" in await response.get_data(as_text=True)
