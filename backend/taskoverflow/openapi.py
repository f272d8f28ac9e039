"""The OpenAPI document quart-schema builds, completed with what decorators cannot express.

quart-schema documents JSON bodies per route; the calendar download (text/calendar) and the
errors every route can answer (413 on big bodies, 503 when the database or job queue is down,
404 from the int path converter) are added here so the document describes the real responses
(schemathesis checks them).
"""

from __future__ import annotations

from typing import Any

from quart_schema import OpenAPIProvider

ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


class TaskOverflowOpenAPI(OpenAPIProvider):
    def generate_rules(self):  # type: ignore[override]
        """Only the JSON API: the UI page and its static files are not part of the contract."""
        return (rule for rule in super().generate_rules() if rule.rule.startswith("/api/"))

    def schema(self) -> dict[str, Any]:  # type: ignore[override]
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
        return doc
