"""No request, however odd, makes the dispatcher crash: every answer is a 2xx or an AWS-style 4xx."""

from __future__ import annotations

import asyncio
import json
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labkit.sqslocal.engine import Engine
from labkit.sqslocal.protocol import Dispatcher
from tests.unit.sqslocal.conftest import FakeClock, course_config

ACTIONS = [
    "CreateQueue", "GetQueueUrl", "ListQueues", "DeleteQueue", "PurgeQueue", "GetQueueAttributes",
    "SetQueueAttributes", "TagQueue", "UntagQueue", "ListQueueTags", "SendMessage",
    "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
    "ChangeMessageVisibility", "ChangeMessageVisibilityBatch", "ListDeadLetterSourceQueues",
]  # fmt: skip
KEYS = [
    "QueueUrl", "QueueName", "MessageBody", "Entries", "Id", "ReceiptHandle", "Attributes",
    "AttributeNames", "MessageAttributes", "MessageGroupId", "MessageDeduplicationId",
    "DelaySeconds", "VisibilityTimeout", "MaxNumberOfMessages", "MaxResults", "NextToken",
    "Tags", "TagKeys", "tags", "DataType", "StringValue", "BinaryValue", "RedrivePolicy",
    "MessageAttributeNames", "ReceiveRequestAttemptId", "QueueNamePrefix", "FifoQueue",
]  # fmt: skip
QUEUE_URLS = st.sampled_from(["csse6400_prac", "csse6400_prac.fifo", "http://h/0/nope", "", "/"])
leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
    st.text(max_size=20), QUEUE_URLS,
)  # fmt: skip
values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)
    ),
    max_leaves=20,
)
payloads = st.dictionaries(st.sampled_from(KEYS), values, max_size=6)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(action=st.sampled_from(ACTIONS), payload=payloads)
def test_any_payload_gets_a_clean_answer(action: str, payload: dict) -> None:
    dispatcher = Dispatcher(Engine(FakeClock(), random.Random(0), course_config()))
    status, _headers, body = asyncio.run(
        dispatcher.handle(f"AmazonSQS.{action}", json.dumps(payload).encode(), "h:1")
    )
    assert status in (200, 400, 403, 404)
    answer = json.loads(body)
    if status != 200:
        assert answer["__type"] and isinstance(answer["message"], str)
