"""Engine steps: each public engine call runs at one instant and is offered to a recorder.

Two marks on the engine's methods say what a call is, in one place:

* `@changes_state` — the call changes state; a journal records it when it succeeds, unless the
  call says it changed nothing after all (`Stepped.step_unchanged`, e.g. a receive that found no
  message);
* `@reads_state` — a read that may still do due work lazily (a delay ran out, a message expired).
  It is recorded only if that work drew from the RNG, since later message ids depend on it.

Both make the call a *step*: the clock is read once on entry and every `now()` inside the call
(nested steps included) sees that instant, so a replay that runs the step at the recorded time
rebuilds exactly the same state. After the outermost step the engine's `recorder`, if any, gets a
`Step`; the recorder decides what to keep (see `labkit.sqslocal.journal`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

__all__ = [
    "Recorder",
    "Step",
    "Stepped",
    "changes_state",
    "reads_state",
    "state_changing_actions",
]

Params = ParamSpec("Params")
Result = TypeVar("Result")


@dataclass(frozen=True, slots=True)
class Step:
    """One outermost engine call as a recorder sees it."""

    t: float  # the engine clock's reading the call ran at (before the lab's clock offset)
    action: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    changed: bool  # a state-changing call that succeeded and did change something
    ok: bool  # False: the call was refused (raised)


class Recorder(Protocol):
    def mark(self) -> int:
        """Taken before each step, handed back to `record` (e.g. the RNG's draw count)."""
        ...

    def record(self, mark: int, step: Step) -> None:
        """After each step: keep what replay needs."""


class Stepped(Protocol):
    """What an object with steps provides (the engine)."""

    clock: Callable[[], float]
    step_time: float | None  # the instant of the step running now, None between steps
    step_unchanged: bool  # set by a state-changing step that found nothing to change
    recorder: Recorder | None


Self = TypeVar("Self", bound=Stepped)
Method = Callable[Concatenate[Self, Params], Result]


def _step(method: Method[Self, Params, Result], changes: bool) -> Method[Self, Params, Result]:
    action = method.__name__

    @functools.wraps(method)
    def step(engine: Self, /, *args: Params.args, **kwargs: Params.kwargs) -> Result:
        if engine.step_time is not None:  # inside another step (reset creates queues): its part
            return method(engine, *args, **kwargs)
        t = engine.step_time = engine.clock()
        engine.step_unchanged = False
        recorder = engine.recorder
        if recorder is None:
            try:
                return method(engine, *args, **kwargs)
            finally:
                engine.step_time = None
        mark = recorder.mark()
        try:
            result = method(engine, *args, **kwargs)
        except Exception:
            engine.step_time = None
            recorder.record(mark, Step(t, action, args, kwargs, changed=False, ok=False))
            raise
        engine.step_time = None
        changed = changes and not engine.step_unchanged
        recorder.record(mark, Step(t, action, args, kwargs, changed=changed, ok=True))
        return result

    step.__dict__["changes_state"] = changes  # the mark `state_changing_actions` reads
    return step


def changes_state(method: Method[Self, Params, Result]) -> Method[Self, Params, Result]:
    """Mark a method whose successful calls change state: the journal records them."""
    return _step(method, True)


def reads_state(method: Method[Self, Params, Result]) -> Method[Self, Params, Result]:
    """Mark a read that may do due work: it runs as one step, recorded only if it drew chance."""
    return _step(method, False)


def state_changing_actions(engine_class: type) -> frozenset[str]:
    """Names of the public methods of `engine_class` that change state (those marked)."""
    return frozenset(
        name
        for name in dir(engine_class)
        if not name.startswith("_") and getattr(getattr(engine_class, name), "changes_state", False)
    )
