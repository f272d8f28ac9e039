"""Liveness: the process answers. (Database/queue problems show on the endpoints that need them.)"""

from __future__ import annotations

from quart import Blueprint
from quart_schema import document_response

from taskoverflow.schemas import Health

bp = Blueprint("health", __name__, url_prefix="/api/v1")


@bp.get("/health")
@document_response(Health, 200)
async def health():
    return {"status": "ok"}, 200
