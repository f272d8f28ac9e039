"""SQLite for SQLAlchemy's asyncio engine without a thread hop: statements run on the event loop.

Why by hand: aiosqlite (what `sqlite+aiosqlite://` uses) gives every connection its own thread and
sends each call there — cursor, execute, fetch, close, commit, rollback — then wakes the loop
when it is done. A todo request makes five to eight such calls; under load each one waits for
the GIL and the loop's wake-up, and a py-spy profile of `taskoverflow serve` at 10 clients spent
55 % of its samples in that hand-off, against about 10 % in SQLAlchemy itself. SQLite on a local
file answers our statements in tens of microseconds, less than one hop costs, so running them
right where SQLAlchemy asks is both faster and kinder to the tail. No maintained library offers
an asyncio SQLite connection that does not use a thread; this module is the small shim that
SQLAlchemy's aiosqlite dialect accepts through `create_async_engine(..., async_creator=...)`, so
URLs, dialect, types and error classes stay exactly those of `sqlite+aiosqlite`.

What must not block the loop is waiting for another process's write lock. So connections get no
busy timeout of their own (`timeout=0`): when SQLite answers SQLITE_BUSY, the statement is retried
after an `asyncio.sleep` that lets every other request run meanwhile, until the caller's `timeout`
has passed — then the error is raised as before (the API answers 503). Other errors, including a
stale WAL snapshot (SQLITE_BUSY_SNAPSHOT, which waiting cannot cure), are raised at once.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

_FIRST_BACKOFF = 0.001  # seconds; doubles to _MAX_BACKOFF while another writer holds the lock
_MAX_BACKOFF = 0.01


async def _while_busy(call: Callable[[], T], timeout: float) -> T:
    """`call()` now; on plain SQLITE_BUSY, yield to the loop and retry until `timeout` passes."""
    try:
        return call()
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY:
            raise
    deadline = time.monotonic() + timeout
    backoff = _FIRST_BACKOFF
    while True:
        await asyncio.sleep(backoff)
        try:
            return call()
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                raise
        backoff = min(backoff * 2, _MAX_BACKOFF)


class InlineCursor:
    """The awaitable cursor surface SQLAlchemy's asyncio adapter calls, over a sqlite3 cursor."""

    __slots__ = ("_cursor", "_timeout")

    def __init__(self, cursor: sqlite3.Cursor, timeout: float) -> None:
        self._cursor = cursor
        self._timeout = timeout

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> InlineCursor:
        await _while_busy(lambda: self._cursor.execute(sql, parameters), self._timeout)
        return self

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> InlineCursor:
        rows = list(rows)  # a retry must see every row again
        await _while_busy(lambda: self._cursor.executemany(sql, rows), self._timeout)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _ImmediateQueue:
    """Stands in for aiosqlite's request queue, which SQLAlchemy's isolation-level setter uses."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:
            future.set_exception(exc)


class InlineConnection:
    """The slice of `aiosqlite.Connection` SQLAlchemy's aiosqlite dialect uses, run inline."""

    def __init__(self, connection: sqlite3.Connection, timeout: float) -> None:
        self._connection: sqlite3.Connection | None = connection
        self._timeout = timeout
        self._tx = _ImmediateQueue()

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")  # what aiosqlite says; SQLAlchemy maps it
        return self._connection

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor(), self._timeout)

    async def commit(self) -> None:
        await _while_busy(self._conn.commit, self._timeout)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def stop(self) -> None:
        """Terminate (SQLAlchemy's force close): there is no thread to stop, only the handle."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction


def inline_connector(database: str, timeout: float) -> Callable[[], Awaitable[InlineConnection]]:
    """An `async_creator` for `create_async_engine`: one sqlite3 connection per call, no thread.

    `check_same_thread=False` only because a pool may be disposed from another thread; every
    statement runs on the event loop's thread, one at a time.
    """

    async def connect() -> InlineConnection:
        return InlineConnection(
            sqlite3.connect(database, timeout=0, check_same_thread=False), timeout
        )

    return connect
