"""TaskOverflow's settings: one object, read from the environment by pydantic-settings.

Every field is read from the env var of the same upper-case name (`ICAL_DELAY_SECONDS`), a few
from the names boto3 itself reads (`AWS_ENDPOINT_URL_SQS`, `AWS_REGION`). Keyword arguments win
over the environment, so tests and `create_app(config)` pass values without touching
`os.environ`. Defaults need nothing but the working directory: whoever runs the app (`labkit up`,
docker compose, ECS) says where its database, Redis and SQS are.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from taskoverflow.jobs import QUEUE_NAME


class SettingsError(ValueError):
    """A setting has a value the app cannot use; the message is one line naming the variable."""


def _default_database_url(data: dict[str, Any]) -> str:
    directory = Path(data.get("data_dir") or Path.cwd()).resolve()
    return f"sqlite+aiosqlite:///{directory / 'taskoverflow.db'}"


class Settings(BaseSettings):
    """Every knob of the API and its workers; build it with `Settings.load()`."""

    model_config = SettingsConfigDict(
        frozen=True,
        env_ignore_empty=True,  # `FOO=` in a compose file means "not set", as before
        validate_by_name=True,  # keyword arguments by field name, env vars by alias
        validate_by_alias=True,
        extra="ignore",
    )

    #: where the default SQLite file goes (TASKOVERFLOW_DATA_DIR; default: the working directory)
    data_dir: Path = Field(
        default_factory=Path.cwd, validation_alias=AliasChoices("TASKOVERFLOW_DATA_DIR")
    )
    database_url: str = Field(default_factory=_default_database_url)
    redis_url: str = "redis://127.0.0.1:6379/0"
    job_transport: str = "rq"
    ical_delay_seconds: float = Field(5.0, ge=0)
    ical_job_timeout: int = 300  # seconds a calendar job may run before it is killed
    ical_result_ttl: int = 3600  # how long a finished calendar stays downloadable
    ical_failure_ttl: int = 86400  # how long a failed job keeps its reason
    ical_max_backlog: int = Field(100, ge=0)  # this many jobs waiting -> POST is 429 (0: off)
    redis_timeout: float = 2.0  # socket connect/read timeout: Redis down -> quick 503
    database_timeout: float = 5.0  # connect timeout for PostgreSQL
    max_content_length: int = 64 * 1024  # request bodies above this -> 413
    rq_worker: str = "simple"  # "simple": jobs run in the worker process; "fork": one per job
    rq_lost_grace_seconds: int = Field(30, ge=1)  # STARTED without a heartbeat this long: lost

    # SQS transport (JOB_TRANSPORT=sqs)
    sqs_ical_queue: str = QUEUE_NAME  # a queue name or URL; made by whoever provisions it
    sqs_retry_delay_seconds: float = 1.0  # first back-off after a failed job (negative: 0)
    #: the SQS endpoint (the local service); None: real AWS with its usual endpoint
    sqs_endpoint: str | None = Field(
        None,
        validation_alias=AliasChoices("AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL"),
    )
    aws_region: str = Field(
        "us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION")
    )

    @field_validator("sqs_retry_delay_seconds")
    @classmethod
    def _not_negative(cls, value: float) -> float:
        return max(value, 0.0)

    @classmethod
    def load(cls, config: Mapping[str, Any] | None = None) -> Settings:
        """Settings from `config` (keys in upper or lower case; other keys ignored), then the
        environment, then the defaults. A bad value raises SettingsError with one line."""
        names = _input_names()
        given = {
            names[key.lower()]: value
            for key, value in (config or {}).items()
            if key.lower() in names and value is not None and value != ""  # None, "": not given
        }
        try:
            return cls(**given)
        except ValidationError as exc:
            raise SettingsError(describe(exc)) from None


def _input_names() -> dict[str, str]:
    """Lower-cased env var name or field name -> the field name `Settings(**…)` accepts."""
    names: dict[str, str] = {}
    for name, field in Settings.model_fields.items():
        names[name] = name
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update({str(choice).lower(): name for choice in alias.choices})
    return names


def env_names() -> set[str]:
    """Every environment variable the settings read (for checks of deployment files)."""
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(str(choice) for choice in alias.choices)
        else:
            names.add(name.upper())
    return names


def _variable(loc: tuple[int | str, ...]) -> str:
    """The env var a validation error is about (its first alias, else the field's name)."""
    name = str(loc[0]) if loc else "?"
    field = Settings.model_fields.get(name)
    if field is not None and isinstance(field.validation_alias, AliasChoices):
        return str(field.validation_alias.choices[0])
    return name.upper()


def describe(exc: ValidationError) -> str:
    """pydantic's errors as one line: `ICAL_DELAY_SECONDS must be a number, got 'soon'`."""
    parts = []
    for error in exc.errors():
        name, kind, ctx = _variable(error["loc"]), error["type"], error.get("ctx", {})
        got = f", got {error['input']!r}"
        if kind == "float_parsing":
            parts.append(f"{name} must be a number{got}")
        elif kind in ("int_parsing", "int_from_float"):
            parts.append(f"{name} must be a whole number{got}")
        elif kind == "greater_than_equal":
            parts.append(f"{name} must be >= {ctx['ge']:g}{got}")
        else:
            parts.append(f"{name}: {error['msg']}{got}")
    return "; ".join(parts)
