"""Alembic environment: runs on the connection `taskoverflow.migrations.upgrade` hands over."""

from __future__ import annotations

from alembic import context

from taskoverflow.migrations import load_models

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `taskoverflow migrate` drives Alembic
    raise RuntimeError("run migrations with `taskoverflow migrate` (it supplies the connection)")

context.configure(connection=connection, target_metadata=load_models())
with context.begin_transaction():
    context.run_migrations()
