"""Alembic migrations match the models, and a create_all database converges onto them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from taskoverflow.migrations import (
    BASELINE,
    REVISION_TABLES,
    current_revision,
    load_models,
    upgrade,
)

METADATA = load_models()  # every table, the SQS transport's included
HEAD = REVISION_TABLES[-1][0]


async def _drop_everything(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(METADATA.drop_all)
        await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await engine.dispose()


async def _inspect(url: str, func):
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(func)
    finally:
        await engine.dispose()


def _diff(connection) -> list:
    return compare_metadata(MigrationContext.configure(connection), METADATA)


async def test_fresh_database_migrates_to_the_models(database_url):
    await _drop_everything(database_url)
    await upgrade(database_url)
    assert await _inspect(database_url, current_revision) == HEAD
    assert await _inspect(database_url, _diff) == []
    await upgrade(database_url)  # idempotent
    assert await _inspect(database_url, current_revision) == HEAD


async def test_create_all_database_is_stamped_not_recreated(database_url):
    await _drop_everything(database_url)
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(METADATA.create_all)
        await conn.execute(
            text(
                "INSERT INTO todos (title, completed, created_at, updated_at) "
                "VALUES ('kept', false, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
    await engine.dispose()
    await upgrade(database_url)
    assert await _inspect(database_url, current_revision) == HEAD

    async def titles(url):
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT title FROM todos"))).scalars().all()
        await engine.dispose()
        return rows

    assert await titles(database_url) == ["kept"]
    await _drop_everything(database_url)


async def test_old_create_all_database_gets_the_new_tables(database_url):
    """Made by create_all before the SQS transport existed: stamped 0001, then upgraded."""
    await _drop_everything(database_url)
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(METADATA.tables["todos"].create)
    await engine.dispose()
    await upgrade(database_url, BASELINE)
    assert await _inspect(database_url, current_revision) == BASELINE
    await upgrade(database_url)
    assert await _inspect(database_url, current_revision) == HEAD
    assert await _inspect(database_url, _diff) == []
    await _drop_everything(database_url)
