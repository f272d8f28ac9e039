"""Backing services going away: the API answers 503 JSON quickly and heals without a restart."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from taskoverflow.app import create_app

from labkit.services.ports import free_port

API = "/api/v1"


async def test_sqlite_unreachable_is_503_then_recovers(tmp_path: Path, dead_redis_url: str):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the database's folder should be")
    app = create_app(
        {
            "DATABASE_URL": f"sqlite+aiosqlite:///{blocker / 'todos.db'}",
            "REDIS_URL": dead_redis_url,
        }
    )
    async with app.test_app() as test_app:  # starts although the database cannot be opened
        client = test_app.test_client()
        health = await client.get(f"{API}/health")
        assert health.status_code == 200
        assert (await health.get_json())["database"].startswith("unavailable")
        for method, path, body in (
            ("get", "/todos", None),
            ("post", "/todos", {"title": "t"}),
            ("get", "/todos/1", None),
        ):
            response = await getattr(client, method)(f"{API}{path}", json=body)
            assert response.status_code == 503
            assert "database" in (await response.get_json())["error"]
        # bad input is still a 400 (validation needs no database)
        assert (await client.post(f"{API}/todos", json={"id": 1})).status_code == 400

        blocker.unlink()
        blocker.mkdir()
        created = await client.post(f"{API}/todos", json={"title": "back"})
        assert created.status_code == 201
        assert [t["title"] for t in await (await client.get(f"{API}/todos")).get_json()] == ["back"]
        assert app.extensions["taskoverflow"].unexpected_errors == 0


class TcpProxy:
    """A loopback TCP forwarder we can cut and restore: 'the database went away'."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        await self.server.wait_closed()
        self.writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self.writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@pytest.mark.postgres
async def test_postgres_down_is_503_then_recovers(postgres_url: str, dead_redis_url: str):
    real = make_url(postgres_url)
    proxy = TcpProxy(real.port)
    await proxy.start()
    url = real.set(port=proxy.port).render_as_string(hide_password=False)
    app = create_app({"DATABASE_URL": url, "REDIS_URL": dead_redis_url, "DATABASE_TIMEOUT": 2})
    try:
        async with app.test_app() as test_app:
            from tests.backend.conftest import reset_schema

            await reset_schema(app)
            client = test_app.test_client()
            assert (await client.post(f"{API}/todos", json={"title": "kept"})).status_code == 201

            await proxy.stop()
            for _ in range(2):  # the pooled connection is dead, and so is a new one
                response = await client.get(f"{API}/todos")
                assert response.status_code == 503
                assert "database" in (await response.get_json())["error"]
            assert (await client.get(f"{API}/health")).status_code == 200

            await proxy.start()
            response = await client.get(f"{API}/todos")
            assert response.status_code == 200
            assert [t["title"] for t in await response.get_json()] == ["kept"]
            assert app.extensions["taskoverflow"].unexpected_errors == 0
    finally:
        with contextlib.suppress(AssertionError):
            await proxy.stop()
