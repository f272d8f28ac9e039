"""`create_app(config)`: wires settings, database, job transport, API, docs and UI together.

Start-up never fails because a backing service is down: the database schema is created on
first use and the job queue is only pinged (a warning), so the todo API serves while Redis is
away and everything recovers without a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from quart import Quart
from quart_schema import Info, QuartSchema

from taskoverflow import web
from taskoverflow.api import CanonicalId, health, ical, todos
from taskoverflow.clock import utc_now
from taskoverflow.config import Settings
from taskoverflow.db import Database
from taskoverflow.errors import register_error_handlers
from taskoverflow.jobs import JobQueueUnavailable, create_transport
from taskoverflow.json_replies import OrjsonReplies, skip_plain_conversion
from taskoverflow.openapi import TaskOverflowOpenAPI
from taskoverflow.state import AppState

log = logging.getLogger("taskoverflow")


def create_app(config: Mapping[str, Any] | None = None) -> Quart:
    """Build the app. `config` keys override env vars (same names, e.g. `REDIS_URL`);
    tests may also pass `CLOCK` (a callable returning naive UTC) and `TRANSPORT` (an object
    implementing `JobTransport`)."""
    config = dict(config or {})
    settings = Settings.load(config)
    app = Quart(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_content_length
    QuartSchema(
        app,
        info=Info(title="TaskOverflow", version="1.0.0"),
        openapi_provider_class=TaskOverflowOpenAPI,
        redoc_ui_path=None,
        scalar_ui_path=None,
    )
    skip_plain_conversion(app)
    app.json = OrjsonReplies(app)
    app.json.sort_keys = False  # todo fields in contract order
    db = Database(settings.database_url, timeout=settings.database_timeout)
    transport = config.get("TRANSPORT") or create_transport(settings)
    app.extensions["taskoverflow"] = AppState(
        settings=settings, db=db, transport=transport, clock=config.get("CLOCK") or utc_now
    )

    app.url_map.converters["id"] = CanonicalId
    for blueprint in (health.bp, todos.bp, ical.bp, web.bp):
        app.register_blueprint(blueprint)
    register_error_handlers(app)

    @app.before_serving
    async def _start() -> None:
        try:
            await db.ensure_schema()
        except Exception as exc:  # the API starts anyway; requests retry and answer 503
            log.warning("database not ready at start-up (%s); will retry on use", exc)
        try:
            await transport.ping()
        except JobQueueUnavailable as exc:
            log.warning("%s; calendar endpoints answer 503 until it is back", exc)

    @app.after_serving
    async def _stop() -> None:
        await transport.close()
        await db.close()

    return app
