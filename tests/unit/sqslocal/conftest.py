"""Engine fixtures: a hand-driven clock and a seeded RNG, so every test is exact and instant."""

from __future__ import annotations

import random
from typing import Any

import pytest

from labkit.cli.sqs import declared_queues
from labkit.sqslocal.engine import Engine, EngineConfig
from tests.fixtures.sqs import TERRAFORM

# The course's queues, as terraform/ declares them (what `labkit sqs serve --queues` creates)
COURSE_QUEUES = declared_queues(TERRAFORM, EngineConfig())


def course_config(**settings: Any) -> EngineConfig:
    """Engine settings with the course's queues created at start and on reset."""
    return EngineConfig(initial_queues=COURSE_QUEUES, **settings)


class FakeClock:
    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t

    def tick(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def engine(clock: FakeClock) -> Engine:
    return Engine(clock, random.Random(7), course_config(seed=7))


@pytest.fixture
def make_engine(clock: FakeClock):
    def make(**knobs) -> Engine:
        return Engine(clock, random.Random(0), course_config(**knobs))

    return make
