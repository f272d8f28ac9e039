"""Passwords in URLs are masked wherever labkit shows them (state drift notes included).
(Moved from tests/reliability/test_secrets_and_binds.py: no server needed.)"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "DATABASE_URL=postgresql+asyncpg://lab:s3cr%40t@db:5432/x",
            "DATABASE_URL=postgresql+asyncpg://lab:***@db:5432/x",
        ),
        ("redis://:Zx-_9@127.0.0.1:6379/0 and more", "redis://:***@127.0.0.1:6379/0 and more"),
        ("two: a://u:p1@h b://:p2@h", "two: a://u:***@h b://:***@h"),
        ("no password: http://127.0.0.1:6400/x user@example", None),
    ],
)
def test_redact_masks_the_password_of_every_url(text: str, shown: str | None) -> None:
    from labkit.services.secrets import redact

    assert redact(text) == (shown or text)


def test_old_state_with_a_clear_password_is_shown_masked(tmp_path: Path) -> None:
    """A state.json written before issue 11 kept DATABASE_URL in clear: the drift note masks it."""
    import io

    from rich.console import Console

    from labkit.stack import _warn_config_drift

    out = io.StringIO()
    old = {"config": {"DATABASE_URL": "postgresql+asyncpg://lab:oldsecret@h/db"}}
    _warn_config_drift(
        Console(file=out, width=300),
        old,
        {"DATABASE_URL": "postgresql+asyncpg://lab:newsecret@h2/db"},
        ["taskoverflow"],
    )
    assert "started with DATABASE_URL=postgresql+asyncpg://lab:***@h/db" in out.getvalue()
    assert "secret" not in out.getvalue()
