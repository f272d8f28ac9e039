"""The small web UI at `/`: server-rendered list (Jinja autoescapes) + plain JS for actions.

No build step: one template, one script, one stylesheet. The script only ever inserts user text
with `textContent`, so a title like `<script>` stays text. Stable ids/data-testids are listed in
docs/taskoverflow.md for the Playwright test.
"""

from __future__ import annotations

from quart import Blueprint, render_template

from taskoverflow.api.todos import row_json, todo_rows
from taskoverflow.state import state

bp = Blueprint(
    "web", __name__, template_folder="templates", static_folder="static", static_url_path="/static"
)


@bp.get("/")
async def index() -> str:
    async with state().db.session() as session:
        todos = [row_json(row) for row in await session.execute(todo_rows())]
    return await render_template("index.html", todos=todos)
