"""No request, however odd, leaves a data dir that restarts into another state (issue 11, defect 1).

Random AWS JSON requests — including keys that spell the first journal format's `$b64` marker — go
through the real dispatcher to a journalled engine; then the service is restarted on its data dir
(as after a crash) and must hold exactly the state it had.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from labkit.sqslocal.engine import Engine
from labkit.sqslocal.protocol import Dispatcher
from tests.unit.sqslocal.conftest import FakeClock, course_config
from tests.unit.sqslocal.state import fingerprint, journal_of, journalled, scratch_dir
from tests.unit.sqslocal.test_fuzz import ACTIONS, KEYS, QUEUE_URLS

keys = st.sampled_from([*KEYS, "$b64"])
leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.text(max_size=12), QUEUE_URLS,
    st.sampled_from(["aGVsbG8=", "x", "²", "true", "30", '{"maxReceiveCount":"²"}']),
)  # fmt: skip
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)
requests = st.tuples(st.sampled_from(ACTIONS), st.dictionaries(keys, values, max_size=5))


def engine(clock: FakeClock) -> Engine:
    return Engine(clock, random.Random(3), course_config(seed=3))


REDRIVE = {
    "deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:csse6400_prac",
    "maxReceiveCount": "²",
}
POISON = [  # the four requests of the issue
    ("TagQueue", {"QueueUrl": "csse6400_prac", "Tags": {"$b64": "aGVsbG8="}}),
    ("CreateQueue", {"QueueName": "q", "Attributes": {"$b64": "x"}}),
    ("SendMessage", {"QueueUrl": "csse6400_prac", "MessageBody": "m",
                     "MessageAttributes": {"$b64": {"DataType": "String", "StringValue": "v"}}}),
    ("SetQueueAttributes", {"QueueUrl": "csse6400_prac",
                            "Attributes": {"RedrivePolicy": json.dumps(REDRIVE)}}),
]  # fmt: skip


@example(calls=POISON)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=st.lists(requests, min_size=1, max_size=4))
def test_any_requests_leave_a_data_dir_that_restarts_to_the_same_state(calls: list) -> None:
    clock = FakeClock()
    data_dir = scratch_dir()
    try:
        live = journalled(engine(clock), data_dir)
        dispatcher = Dispatcher(live)  # type: ignore[arg-type]

        async def run() -> None:
            for action, payload in [("SendMessage", {"QueueUrl": "csse6400_prac",
                                                     "MessageBody": "acknowledged"}), *calls]:  # fmt: skip
                await dispatcher.handle(f"AmazonSQS.{action}", json.dumps(payload).encode(), "h")
                clock.tick(1)

        asyncio.run(run())
        again = journalled(engine(FakeClock(clock.t)), data_dir)  # a crash: no close
        assert journal_of(again).skipped == 0
        assert fingerprint(again) == fingerprint(live)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
