"""The OpenAPI document quart-schema builds, completed with what decorators cannot express.

quart-schema documents JSON bodies per route; the calendar download (text/calendar) and the
errors every route can answer (413 on big bodies, 503 when the database or job queue is down,
404 from the int path converter) are added here so the document describes the real responses
(schemathesis checks them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from quart_schema import OpenAPIProvider
from werkzeug.routing import Rule

ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


class TaskOverflowOpenAPI(OpenAPIProvider):
    def generate_rules(self) -> Iterable[Rule]:
        """Only the JSON API: the UI page and its static files are not part of the contract."""
        return (rule for rule in super().generate_rules() if rule.rule.startswith("/api/"))

    def schema(self) -> dict[str, Any]:
        doc = super().schema()
        doc["components"]["schemas"].setdefault(
            "Error",
            {
                "title": "Error",
                "type": "object",
                "properties": {"error": {"type": "string", "title": "Error"}},
                "required": ["error"],
            },
        )
        for path, item in doc["paths"].items():
            if not path.startswith("/api/v1/") or path == "/api/v1/health":
                continue
            for method, op in item.items():
                responses = op.setdefault("responses", {})
                responses.setdefault("503", _error("database or job queue unavailable"))
                if "{" in path:
                    responses.setdefault("404", _error("not found"))
                if "requestBody" in op:
                    op["requestBody"]["required"] = True  # an empty body is a 400
                    responses.setdefault("400", _error("invalid body"))
                    responses.setdefault("413", _error("request body too large"))
                if path.endswith("/result") and method == "get":
                    responses["200"] = {
                        "description": "the calendar (RFC 5545)",
                        "content": {"text/calendar": {"schema": {"type": "string"}}},
                    }
        self._add_links(doc["paths"])
        return doc

    @staticmethod
    def _add_links(paths: dict[str, Any]) -> None:
        """OpenAPI links: what a created todo/task id can be used for (stateful API testing)."""

        def link(operation_id: str, param: str, pointer: str) -> dict[str, Any]:
            return {"operationId": operation_id, "parameters": {param: f"$response.body#{pointer}"}}

        created = paths.get("/api/v1/todos", {}).get("post", {}).get("responses", {}).get("201")
        if created is not None:
            created["links"] = {
                "GetTodo": link("get_get_todo", "todo_id", "/id"),
                "UpdateTodo": link("put_update_todo", "todo_id", "/id"),
                "DeleteTodo": link("delete_delete_todo", "todo_id", "/id"),
            }
        queued = paths.get("/api/v1/todos/ical", {}).get("post", {}).get("responses", {}).get("202")
        if queued is not None:
            queued["links"] = {
                "GetTaskStatus": link("get_task_status", "task_id", "/task_id"),
                "GetTaskResult": link("get_task_result", "task_id", "/task_id"),
            }
