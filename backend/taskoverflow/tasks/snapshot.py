"""What a calendar job carries: a snapshot of todos in plain JSON types.

Apart from `taskoverflow.tasks.ical` (the job itself) so that the API process, which only makes
snapshots, does not import icalendar: the workers build calendars, the API never does.
"""

from __future__ import annotations

from typing import Any, TypedDict


class TodoSnapshot(TypedDict):
    """What a job carries per todo: plain JSON types, so any transport can move it."""

    id: int
    title: str
    description: str | None
    completed: bool
    deadline_at: str | None  # ISO 8601 without zone, as in the API
    updated_at: str  # ISO 8601 without zone (UTC), as in the API: the events' DTSTAMP


def snapshot(todo: Any) -> TodoSnapshot:
    """A todo (ORM object or anything with the same attributes) as a job payload."""
    deadline = todo.deadline_at
    return {
        "id": todo.id,
        "title": todo.title,
        "description": todo.description,
        "completed": bool(todo.completed),
        "deadline_at": deadline.isoformat() if deadline is not None else None,
        "updated_at": todo.updated_at.isoformat(),
    }
