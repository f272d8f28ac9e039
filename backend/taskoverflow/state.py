"""What one app instance owns (settings, database, job transport, clock), kept in app.extensions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from quart import current_app

from taskoverflow.clock import utc_now
from taskoverflow.config import Settings
from taskoverflow.db import Database
from taskoverflow.jobs import JobTransport


@dataclass
class AppState:
    settings: Settings
    db: Database
    transport: JobTransport
    clock: Callable[[], datetime] = utc_now
    unexpected_errors: int = field(default=0)


def state() -> AppState:
    app_state = current_app.extensions["taskoverflow"]
    assert isinstance(app_state, AppState)  # put there by create_app
    return app_state
