"""The small web UI at `/`: server-rendered list (Jinja autoescapes) + plain JS for actions.

No build step: one template, one script, one stylesheet. The script only ever inserts user text
with `textContent`, so a title like `<script>` stays text. Stable ids/data-testids are listed in
docs/taskoverflow.md for the Playwright test.
"""

from __future__ import annotations

from quart import Blueprint, render_template
from sqlalchemy import select

from taskoverflow.api.todos import todo_json
from taskoverflow.db import Todo
from taskoverflow.state import state

bp = Blueprint(
    "web", __name__, template_folder="templates", static_folder="static", static_url_path="/static"
)


@bp.get("/")
async def index() -> str:
    async with state().db.session() as session:
        todos = [todo_json(t) for t in await session.scalars(select(Todo).order_by(Todo.id))]
    return await render_template("index.html", todos=todos)
