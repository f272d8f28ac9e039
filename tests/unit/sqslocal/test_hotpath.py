"""What the hot-path shortcuts must not change: request ids stay UUID-shaped and unique, a
request orjson reads differently from `json.loads` (an integer past 64 bits) answers as before,
and a short poll's weighted choice of hosts draws exactly what `random.choices` would."""

from __future__ import annotations

import json
import random
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit.sqslocal.engine import Engine
from labkit.sqslocal.protocol import Dispatcher
from labkit.sqslocal.request_id import new_request_id
from labkit.sqslocal.standard import StandardStore
from tests.unit.sqslocal.conftest import FakeClock, course_config


def test_request_ids_are_unique_version_4_uuids() -> None:
    ids = [new_request_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    for text in ids[:500]:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122


@pytest.fixture
def dispatcher() -> Dispatcher:
    return Dispatcher(Engine(FakeClock(), random.Random(3), course_config()))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"QueueName": 123456789012345678901}',
            "Value 123456789012345678901 for parameter QueueName is invalid: must be a string.",
        ),
        (
            b'{"QueueName": "q", "Attributes": {"DelaySeconds": -9223372036854775809}}',
            "Value -9223372036854775809 for parameter Attributes.DelaySeconds is invalid: "
            "must be a string.",
        ),
    ],
)
async def test_integers_past_64_bits_read_as_json_loads_reads_them(
    dispatcher: Dispatcher, body: bytes, message: str
) -> None:
    status, headers, reply = await dispatcher.handle("AmazonSQS.CreateQueue", body, "h:1")
    assert status == 400
    assert b'"message":' in reply
    assert json.loads(reply)["message"] == message
    assert dict(headers)[b"x-amzn-requestid"].count(b"-") == 4


async def test_non_json_loads_input_still_goes_through_json_loads(dispatcher: Dispatcher) -> None:
    # NaN is refused by orjson but read by json.loads: the model check then answers as before
    status, _, reply = await dispatcher.handle(
        "AmazonSQS.CreateQueue", b'{"QueueName": NaN}', "h:1"
    )
    assert status == 400
    assert b"Value nan for parameter QueueName is invalid: must be a string." in reply


def _sample_with_random_choices(store: StandardStore, rng: random.Random) -> list[int]:
    """The reference: one `random.choices` per draw, without replacement."""
    hosts, weights, chosen = list(range(len(store.weights))), store.weights, []
    for _ in range(store._sample):
        pick = rng.choices(range(len(hosts)), weights=weights)[0]
        chosen.append(hosts.pop(pick))
        weights.pop(pick)
    return chosen


@given(
    hosts=st.integers(1, 64),
    fraction=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32),
)
def test_short_poll_host_sample_draws_what_random_choices_draws(
    hosts: int, fraction: float, seed: int
) -> None:
    store = StandardStore(random.Random(seed), hosts, fraction, strict_order=False)
    reference = random.Random(seed)
    reference.setstate(store._rng.getstate())
    for _ in range(20):
        expected = _sample_with_random_choices(store, reference)
        assert store._weighted_sample() == expected
        assert store._rng.getstate() == reference.getstate()
