"""`labkit.terraform.apply` / `labkit queues apply`: the Terraform-declared queues, created on the
lab's real SQS service (over HTTP), idempotently, DLQ before the queue that uses it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from labkit import terraform as tf
from labkit.errors import LabError
from tests.support.cli import labkit_in_process

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
LABKIT = str(Path(sys.executable).parent / "labkit")


@pytest.fixture
def client(sqs: Any, sqs_server: Any) -> Any:
    """A boto3 client on a freshly reset local SQS service with no queues at all: the service
    starts with terraform/'s queues (`--queues`), which these tests must see `apply` create."""
    for url in sqs.list_queues().get("QueueUrls", []):
        sqs.delete_queue(QueueUrl=url)
    sqs_server.advance(61)  # past AWS's 60 s before a deleted queue's name may be used again
    return sqs


def attributes(client: Any, name: str) -> dict[str, str]:
    url = client.get_queue_url(QueueName=name)["QueueUrl"]
    return client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_apply_creates_the_lab_queues(client: Any) -> None:
    applied = tf.apply(TERRAFORM, client)
    names = [a.name for a in applied]
    assert set(names) == {"csse6400_prac", "csse6400_prac.fifo", "ical", "ical-dlq"}
    assert names.index("ical-dlq") < names.index("ical")
    assert {a.name: a.action for a in applied}["ical"] == "created"
    fifo = attributes(client, "csse6400_prac.fifo")
    assert fifo["FifoQueue"] == "true" and fifo["ContentBasedDeduplication"] == "true"
    ical = attributes(client, "ical")
    policy = json.loads(ical["RedrivePolicy"])
    assert policy["deadLetterTargetArn"] == attributes(client, "ical-dlq")["QueueArn"]
    assert int(policy["maxReceiveCount"]) == 3
    assert ical["VisibilityTimeout"] == "20"
    assert ical["ReceiveMessageWaitTimeSeconds"] == "20"
    assert attributes(client, "ical-dlq")["MessageRetentionPeriod"] == "1209600"


def test_apply_is_idempotent_and_brings_queues_in_line(client: Any) -> None:
    tf.apply(TERRAFORM, client)
    again = tf.apply(TERRAFORM, client)
    assert {a.action for a in again} == {"unchanged"}
    module = TERRAFORM / "modules" / "queues"
    changed = {
        a.name: a.action
        for a in tf.apply(module, client, {"ical_visibility_timeout_seconds": "45"})
    }
    assert changed["ical"] == "updated"
    assert changed["ical-dlq"] == "unchanged"
    assert attributes(client, "ical")["VisibilityTimeout"] == "45"


def test_apply_refuses_undeclared_variables(client: Any) -> None:
    with pytest.raises(LabError, match="no variable 'ical_visibility_timeout_seconds'"):
        tf.apply(TERRAFORM, client, {"ical_visibility_timeout_seconds": "45"})


def test_prefixed_copies_leave_the_originals_alone(client: Any) -> None:
    tf.apply(TERRAFORM, client)
    applied = tf.apply(TERRAFORM, client, {"name_prefix": "alice-"})
    assert {a.action for a in applied} == {"created"}
    policy = json.loads(attributes(client, "alice-ical")["RedrivePolicy"])
    assert policy["deadLetterTargetArn"].endswith(":alice-ical-dlq")


def test_cli_queues_apply(client: Any, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL_SQS": request.getfixturevalue("sqs_server").url,
        "LAB_DIR": str(tmp_path),
        "COLUMNS": "200",
    }
    run = subprocess.run(
        [LABKIT, "queues", "apply", str(TERRAFORM)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ical-dlq" in run.stdout and "created" in run.stdout
    assert "ical" in {q.rsplit("/", 1)[-1] for q in client.list_queues()["QueueUrls"]}
    # the refusal's wording through main() in this process (the real command ran just above)
    bad = labkit_in_process("queues", "apply", str(TERRAFORM), "--var", "x=1", env=env)
    assert bad.returncode == 1
    assert "no variable 'x'" in bad.stderr and "Traceback" not in bad.stderr
