"""Engine fixtures: a hand-driven clock and a seeded RNG, so every test is exact and instant."""

from __future__ import annotations

import random

import pytest

from labkit.sqslocal.engine import Engine, EngineConfig


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
    return Engine(clock, random.Random(7), EngineConfig(seed=7))


@pytest.fixture
def make_engine(clock: FakeClock):
    def make(**knobs) -> Engine:
        return Engine(clock, random.Random(0), EngineConfig(**knobs))

    return make
