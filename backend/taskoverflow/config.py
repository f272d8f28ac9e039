"""TaskOverflow's settings: explicit config dict > environment > lab defaults.

One frozen object, built once per app (or worker), so every part reads the same values and
tests can pass a dict instead of touching `os.environ`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from labkit.config import endpoints, lab_dir


def default_database_url() -> str:
    return f"sqlite+aiosqlite:///{lab_dir() / 'taskoverflow.db'}"


@dataclass(frozen=True)
class Settings:
    """Every knob, with the env var of the same upper-case name (e.g. `ICAL_DELAY_SECONDS`)."""

    database_url: str
    redis_url: str
    job_transport: str = "rq"
    ical_delay_seconds: float = 5.0
    ical_job_timeout: int = 300  # seconds a calendar job may run before it is killed
    ical_result_ttl: int = 3600  # how long a finished calendar stays downloadable
    ical_failure_ttl: int = 86400  # how long a failed job keeps its reason
    redis_timeout: float = 2.0  # socket connect/read timeout: Redis down -> quick 503
    database_timeout: float = 5.0  # connect timeout for PostgreSQL
    max_content_length: int = 64 * 1024  # request bodies above this -> 413
    rq_worker: str = "simple"  # "simple": jobs run in the worker process; "fork": one per job
    rq_lost_grace_seconds: int = 30  # a STARTED job without a worker heartbeat this long is lost
    ical_max_backlog: int = (
        100  # this many calendar jobs waiting -> POST /todos/ical is 429 (0: off)
    )

    @classmethod
    def load(cls, config: Mapping[str, Any] | None = None) -> Settings:
        """Resolve each field from `config` (upper- or lower-case key), then env, then default."""
        config = dict(config or {})
        values: dict[str, Any] = {}
        for field in fields(cls):
            key = field.name.upper()
            raw = config.get(key, config.get(field.name, os.environ.get(key)))
            if raw is None or raw == "":
                continue
            try:
                values[field.name] = _coerce(raw, field.type)
            except ValueError:
                raise ValueError(f"{key} must be a {field.type}, got {raw!r}") from None
        values.setdefault("database_url", default_database_url())
        values.setdefault("redis_url", endpoints().redis)
        settings = cls(**values)
        if settings.ical_delay_seconds < 0:
            raise ValueError("ICAL_DELAY_SECONDS must be >= 0")
        if settings.ical_max_backlog < 0:
            raise ValueError("ICAL_MAX_BACKLOG must be >= 0")
        if settings.rq_lost_grace_seconds < 1:
            raise ValueError("RQ_LOST_GRACE_SECONDS must be >= 1")
        return settings


def _coerce(raw: Any, type_name: str) -> Any:
    if type_name == "int":
        return int(raw)
    if type_name == "float":
        return float(raw)
    return str(raw)
