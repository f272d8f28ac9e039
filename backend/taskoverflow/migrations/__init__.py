"""Alembic migrations for PostgreSQL (and SQLite) users who keep data across upgrades.

The story, kept small: the app creates missing tables on start (`create_all`), which is all a
fresh lab needs. A database that must evolve runs `taskoverflow migrate`: it brings the schema
to the newest revision with Alembic, and first *stamps* the baseline when the tables were made
by `create_all` (so both paths converge). New tables (e.g. the SQS transport's `calendar_jobs`)
add a revision in `versions/` and their model to `taskoverflow.db.Base`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import create_async_engine

BASELINE = "0001"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config(connection)
    tables = inspect(connection).get_table_names()
    if "todos" in tables and "alembic_version" not in tables:
        command.stamp(config, BASELINE)  # made by create_all: it *is* the baseline
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
