"""The SQS transport against real AWS SQS (opt in: `pytest --aws`, with credentials in the usual
chain). Creates two uniquely named queues and deletes them afterwards, whatever happens."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest
from taskoverflow.config import Settings
from taskoverflow.jobs import JobStatus
from taskoverflow.jobs.sqs_transport import SqsTransport
from taskoverflow.jobs.sqs_worker import Worker

from labkit.aws import sqs_client

pytestmark = pytest.mark.aws

TODO = {
    "id": 1,
    "title": "Real SQS",
    "description": None,
    "completed": False,
    "deadline_at": "2026-03-20T09:00:00",
}


async def test_jobs_over_real_sqs(tmp_path: Path) -> None:
    client = sqs_client(aws=True)
    name = f"queue-lab-test-{uuid.uuid4().hex[:10]}"
    urls: list[str] = []
    try:
        dlq = client.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        urls.append(dlq)
        arn = client.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        url = client.create_queue(
            QueueName=name,
            Attributes={
                "VisibilityTimeout": "5",
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 2}),
            },
        )["QueueUrl"]
        urls.append(url)
        settings = Settings.load(
            {
                "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}",
                "ICAL_DELAY_SECONDS": 0,
                "SQS_ICAL_QUEUE": url,
                "AWS_REGION": client.meta.region_name,
                "SQS_RETRY_DELAY_SECONDS": 0,
            }
        )
        transport = SqsTransport(settings, client=client)
        worker = Worker(settings, client=client)
        try:
            good = await transport.enqueue([TODO])
            bad = await transport.enqueue([{**TODO, "deadline_at": "never"}])
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                await worker.run(burst=True)
                states = [await transport.status(good), await transport.status(bad)]
                if all(s and s.status in (JobStatus.SUCCESS, JobStatus.FAILURE) for s in states):
                    break
            assert (await transport.status(good)).status is JobStatus.SUCCESS
            assert (await transport.status(bad)).status is JobStatus.FAILURE
            assert b"SUMMARY:Real SQS" in (await transport.result(good) or b"")
            # the next receive moves the poison message to the DLQ
            moved = []
            while time.monotonic() < deadline and not moved:
                client.receive_message(QueueUrl=url, WaitTimeSeconds=1)
                moved = client.receive_message(QueueUrl=dlq, WaitTimeSeconds=2).get("Messages", [])
            assert [json.loads(m["Body"])["job_id"] for m in moved] == [bad]
        finally:
            await worker.close()
            await transport.close()
    finally:
        for queue_url in urls:
            client.delete_queue(QueueUrl=queue_url)
