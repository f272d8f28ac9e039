"""SQLAlchemy 2 async models and the database handle (SQLite by default, PostgreSQL by URL).

The schema is created on first use rather than only at start-up, so the API starts (and later
recovers) even when the database is briefly unreachable: requests meanwhile answer 503.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import String, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from taskoverflow.inline_sqlite import inline_connector


class Base(DeclarativeBase):
    pass


class Todo(Base):
    """A todo; datetimes are naive UTC (the API shows them without a zone, as the course did)."""

    __tablename__ = "todos"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(String(120))
    completed: Mapped[bool] = mapped_column(default=False)
    deadline_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


#: Largest id any supported database stores (PostgreSQL INTEGER); bigger ids cannot exist.
MAX_ID = 2**31 - 1


def _sqlite_write_ahead_log(dbapi_connection: Any, _record: Any) -> None:
    """Write-ahead logging with `synchronous=NORMAL` on every SQLite connection.

    The API and the workers write from several processes: in WAL mode readers (status polls,
    listings) never wait for a writer, and a commit does not wait for an fsync, so concurrent
    clients do not queue up behind SQLite's single write lock until the busy timeout answers 503.
    A crash of the machine (not of a process) may lose the last commits; it never corrupts the file.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """One engine per app; `pool_pre_ping` drops dead connections so a restarted DB is reused."""

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        parsed = make_url(url)
        connect_args: dict[str, Any] = {}
        engine_args: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                # best effort: if it fails, requests answer 503 until the path is usable
                with suppress(OSError):
                    Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            connect_args["timeout"] = timeout  # busy timeout while another writer holds the lock
        elif parsed.get_driver_name() == "asyncpg":
            connect_args["timeout"] = timeout  # connect timeout: DB down -> quick 503
            connect_args["command_timeout"] = max(timeout * 2, 10)
        if parsed.get_backend_name() != "sqlite":
            # a server may restart under us: test pooled connections before use (SQLite is a
            # file, its connections do not die, and the ping would cost every request a hop)
            engine_args["pool_pre_ping"] = True
            engine_args["pool_timeout"] = timeout
        if parsed.get_backend_name() == "sqlite" and not parsed.query:
            # statements run on the event loop, not in a thread per connection (see the module)
            engine_args["async_creator"] = inline_connector(parsed.database or ":memory:", timeout)
        self.url = parsed
        self.engine = create_async_engine(url, connect_args=connect_args, **engine_args)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            event.listen(self.engine.sync_engine, "connect", _sqlite_write_ahead_log)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._schema_ready = False
        self._lock = asyncio.Lock()

    async def ensure_schema(self) -> None:
        """Create missing tables once (idempotent; PostgreSQL users may use Alembic instead)."""
        if self._schema_ready:
            return
        async with self._lock:
            if self._schema_ready:
                return
            async with self.engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)
            self._schema_ready = True

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session on a database whose tables exist (so a DB that was down heals here)."""
        await self.ensure_schema()
        async with self.sessions() as session:
            yield session

    async def close(self) -> None:
        await self.engine.dispose()
