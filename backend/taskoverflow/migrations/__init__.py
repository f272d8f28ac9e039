"""Alembic migrations for PostgreSQL (and SQLite) users who keep data across upgrades.

The story, kept small: the app creates missing tables on start (`create_all`), which is all a
fresh lab needs. A database that must evolve runs `taskoverflow migrate`: it brings the schema
to the newest revision with Alembic, and first *stamps* the baseline when the tables were made
by `create_all` (so both paths converge). A new table adds a revision in `versions/`, a line in
`REVISION_TABLES` and its module in `MODEL_MODULES`; tests/backend/test_migrations.py checks that
the revisions build exactly the models.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, MetaData, inspect
from sqlalchemy.ext.asyncio import create_async_engine

BASELINE = "0001"

#: Each revision and the table it creates, oldest first: a database made by `create_all` is
#: stamped at the newest revision whose table already exists, then upgraded from there.
REVISION_TABLES = [("0001", "todos"), ("0002", "calendar_jobs")]

#: Modules that define tables on `taskoverflow.db.Base` (imported so Alembic sees all of them).
MODEL_MODULES = ["taskoverflow.db", "taskoverflow.jobs.sqs_models"]


def load_models() -> MetaData:
    """Import every model module; return the complete metadata."""
    import importlib

    for module in MODEL_MODULES:
        importlib.import_module(module)
    from taskoverflow.db import Base

    return Base.metadata


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config(connection)
    tables = inspect(connection).get_table_names()
    if "alembic_version" not in tables:
        made = [rev for rev, table in REVISION_TABLES if table in tables]
        if made:  # made by create_all: those tables *are* these revisions
            command.stamp(config, made[-1])
    command.upgrade(config, revision)


async def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at `database_url` to `revision` (default: the newest)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade, revision)
    finally:
        await engine.dispose()


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()
