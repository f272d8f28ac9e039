"""Health: the process answers, and so do the database and the job queue it needs.

Always 200 while the API serves (the todo endpoints work without the job queue, and restarting
the API would not bring a database back): `{"status": "ok"}` when both dependencies answer,
else `{"status": "degraded", "database": …, "job_queue": …}` naming what fails. `labkit status`
shows a degraded API as unhealthy, with the reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from quart import Blueprint
from quart.typing import ResponseReturnValue
from quart_schema import document_response
from sqlalchemy import text

from taskoverflow.schemas import Health
from taskoverflow.state import AppState, state

bp = Blueprint("health", __name__, url_prefix="/api/v1")

#: A dependency slower than this to answer counts as down (the health check must stay quick).
CHECK_TIMEOUT = 3.0


async def _check(probe: Awaitable[object]) -> str:
    try:
        await asyncio.wait_for(probe, CHECK_TIMEOUT)
    except TimeoutError:
        return f"unavailable: no answer within {CHECK_TIMEOUT:g} s"
    except Exception as exc:  # any failure is the answer we report
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"unavailable: {first[:200]}"
    return "ok"


async def _database(st: AppState) -> None:
    async with st.db.session() as session:
        await session.execute(text("SELECT 1"))


@bp.get("/health")
@document_response(Health, 200)
async def health() -> ResponseReturnValue:
    st = state()
    database, job_queue = await asyncio.gather(_check(_database(st)), _check(st.transport.ping()))
    if database == job_queue == "ok":
        return {"status": "ok"}, 200
    return {"status": "degraded", "database": database, "job_queue": job_queue}, 200
