"""Which engine calls change state: declared once, by a mark on the engine's methods.

The journal records exactly these calls (when they succeed) and nothing else, so a new engine action
is journalled by marking its method with `changes_state`, not by editing a list somewhere else. Reads are left
unmarked: they change nothing a replay would need (the journal still notices when a read's lazy
due work drew from the RNG, see `labkit.sqslocal.journal`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

Method = TypeVar("Method", bound=Callable[..., Any])


def changes_state(method: Method) -> Method:
    """Mark an engine method as one that changes state: the journal records its successful calls."""
    method.changes_state = True  # type: ignore[attr-defined]
    return method


def state_changing_actions(engine_class: type) -> frozenset[str]:
    """Names of the public methods of `engine_class` that change state (those marked)."""
    return frozenset(
        name
        for name in dir(engine_class)
        if not name.startswith("_") and getattr(getattr(engine_class, name), "changes_state", False)
    )
