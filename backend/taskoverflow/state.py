"""What one app instance owns (settings, database, job transport, clock), kept in app.extensions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from quart import current_app

from taskoverflow.config import Settings
from taskoverflow.db import Database
from taskoverflow.jobs import JobTransport


def utc_now() -> datetime:
    """Naive UTC to the second: the API's datetime format has no zone and no fraction."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


@dataclass
class AppState:
    settings: Settings
    db: Database
    transport: JobTransport
    clock: Callable[[], datetime] = utc_now
    unexpected_errors: int = field(default=0)


def state() -> AppState:
    return current_app.extensions["taskoverflow"]
