"""Every error leaves the API as JSON `{"error": "..."}` with the right status.

Expected problems are raised as `ApiError` (or are HTTP errors Quart raises: 404, 405, 413);
an unreachable database or job queue is a 503 that heals by itself; anything else is a bug,
logged and answered with a JSON 500 — tests check that bad input never gets that far.
"""

from __future__ import annotations

import logging

from quart import Quart, current_app, has_websocket_context, request, websocket
from quart.typing import ResponseReturnValue
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from taskoverflow.jobs import JobQueueUnavailable

log = logging.getLogger("taskoverflow")


class ApiError(Exception):
    """An expected failure with its HTTP status and a message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error(status: int, message: str) -> tuple[dict[str, str], int]:
    return {"error": message}, status


def register_error_handlers(app: Quart) -> None:
    @app.errorhandler(ApiError)
    async def _api_error(exc: ApiError) -> ResponseReturnValue:
        return error(exc.status, exc.message)

    @app.errorhandler(HTTPException)
    async def _http_error(exc: HTTPException) -> ResponseReturnValue:
        code = exc.code or 500
        # A WebSocket handshake (the API has no WebSocket routes) is answered like a request.
        asked = websocket if has_websocket_context() else request
        if code == 413:
            limit = current_app.config.get("MAX_CONTENT_LENGTH")
            return error(413, f"request body too large (limit {limit} bytes)")
        if code == 404:
            return error(404, f"not found: {asked.path[:200]}")
        if code == 405:
            body, status = error(405, f"method {asked.method} not allowed on {asked.path[:200]}")
            allowed = ", ".join(sorted(getattr(exc, "valid_methods", None) or []))
            return body, status, {"Allow": allowed}
        return error(code, exc.description or exc.name)

    @app.errorhandler(JobQueueUnavailable)
    async def _queue_down(exc: JobQueueUnavailable) -> ResponseReturnValue:
        log.warning("job queue unavailable: %s", exc)
        return error(503, "the job queue is unavailable, try again shortly")

    db_down = (OperationalError, InterfaceError, PoolTimeout, OSError, TimeoutError)

    async def _db_down(exc: Exception) -> ResponseReturnValue:
        log.warning("database unavailable: %s", exc)
        return error(503, "the database is unavailable, try again shortly")

    for exc_class in db_down:
        app.register_error_handler(exc_class, _db_down)

    @app.errorhandler(Exception)
    async def _unexpected(exc: Exception) -> ResponseReturnValue:
        if isinstance(exc, HTTPException):  # pragma: no cover - handled above
            return await _http_error(exc)
        log.exception("unexpected error")
        current_app.extensions["taskoverflow"].unexpected_errors += 1
        return error(500, "internal server error")
