"""The local stack: the shared real-server fixtures (Valkey, PostgreSQL) and `labkit up|down|status`."""

from __future__ import annotations

import asyncpg
import pytest
import redis


def test_valkey_fixture_is_a_real_server(redis_clean: str) -> None:
    client = redis.Redis.from_url(redis_clean)
    try:
        client.set("greeting", "hello")
        assert client.get("greeting") == b"hello"
        assert client.info("server")["redis_version"]
        assert "valkey_version" in client.info("server")
    finally:
        client.close()


def test_redis_clean_flushes_between_tests(redis_clean: str) -> None:
    client = redis.Redis.from_url(redis_clean)
    try:
        assert client.get("greeting") is None
    finally:
        client.close()


@pytest.mark.postgres
async def test_postgres_fixture_runs_sql(postgres_dsn: str, postgres_url: str) -> None:
    assert postgres_url.startswith("postgresql+asyncpg://")
    conn = await asyncpg.connect(postgres_dsn)
    try:
        await conn.execute("CREATE TEMP TABLE t (x int)")
        await conn.execute("INSERT INTO t VALUES (1), (2)")
        assert await conn.fetchval("SELECT sum(x) FROM t") == 3
        assert "PostgreSQL" in await conn.fetchval("SELECT version()")
    finally:
        await conn.close()
