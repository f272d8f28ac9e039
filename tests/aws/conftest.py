"""Targets for the behavioural suite: the local service always, real AWS SQS with `pytest --aws`.

Real AWS uses the usual credential chain, or the course's env file named by
`LABKIT_AWS_ENV_FILE`. Queues get unique names (`queuelab-test-…`) and are deleted afterwards.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from labkit.aws import sqs_client


@dataclass
class Target:
    name: str  # "local" or "aws"
    client: Any
    created: list[str] = field(default_factory=list)

    @property
    def patience(self) -> int:
        """Seconds of silence that mean "nothing more is coming" (AWS needs longer)."""
        return 1 if self.name == "local" else 4

    def queue(self, stem: str, fifo: bool = False, **attributes: str) -> str:
        name = f"queuelab-test-{stem}-{uuid.uuid4().hex[:10]}" + (".fifo" if fifo else "")
        if fifo:
            attributes = {"FifoQueue": "true", **attributes}
        url = self.client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        self.created.append(url)
        return url


def _aws_client() -> Any:
    env_file = os.environ.get("LABKIT_AWS_ENV_FILE")
    if env_file:
        return sqs_client(env_file=env_file)
    if boto3.session.Session().get_credentials() is None:
        pytest.skip("no AWS credentials: configure the AWS CLI or set LABKIT_AWS_ENV_FILE")
    return sqs_client(aws=True)


@pytest.fixture(params=["local", pytest.param("aws", marks=pytest.mark.aws)])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    if request.param == "aws":
        client = _aws_client()
    else:
        client = sqs_client(endpoint=request.getfixturevalue("sqs_server").url)
    target = Target(request.param, client)
    yield target
    for url in target.created:
        with contextlib.suppress(client.exceptions.QueueDoesNotExist):
            client.delete_queue(QueueUrl=url)
