"""Make an SQS endpoint (the local service, or AWS) hold the queues a configuration declares.

What `labkit queues apply terraform/` does instead of `terraform apply`: create missing queues,
bring existing ones in line, and swap the planned dead-letter ARN for the one the endpoint really
gave the DLQ. Safe to run again and again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labkit.errors import LabError
from labkit.terraform.queues import queue_specs
from labkit.terraform.spec import QueueSpec


@dataclass(frozen=True)
class Applied:
    """What `apply` did to one queue: created, updated (attributes changed) or unchanged."""

    name: str
    url: str
    action: str


def _same(attribute: str, wanted: str, actual: str | None) -> bool:
    if actual is None:
        return False
    if attribute == "RedrivePolicy":
        try:
            a, b = json.loads(wanted), json.loads(actual)
            return str(a.get("deadLetterTargetArn")) == str(b.get("deadLetterTargetArn")) and int(
                a.get("maxReceiveCount", 0)
            ) == int(b.get("maxReceiveCount", 0))
        except (ValueError, TypeError, AttributeError):
            return False
    return wanted.lower() == actual.lower()


def _live_attributes(spec: QueueSpec, arns: Mapping[str, str]) -> dict[str, str]:
    """The spec's attributes with the planned DLQ ARN swapped for the endpoint's real one."""
    attributes = dict(spec.attributes)
    if spec.dead_letter_target is not None:
        policy = json.loads(attributes["RedrivePolicy"])
        if spec.dead_letter_target not in arns:
            raise LabError(
                f"{spec.address}: its dead-letter queue {spec.dead_letter_target!r} is not declared",
                hint="declare the DLQ as an aws_sqs_queue in the same configuration",
            )
        policy["deadLetterTargetArn"] = arns[spec.dead_letter_target]
        attributes["RedrivePolicy"] = json.dumps(policy, separators=(",", ":"), sort_keys=True)
    return attributes


def apply_specs(specs: list[QueueSpec], client: Any) -> list[Applied]:
    """Create missing queues and bring existing ones in line through a boto3 SQS `client`."""
    arns: dict[str, str] = {}
    done: list[Applied] = []
    for spec in specs:
        attributes = _live_attributes(spec, arns)
        try:
            url = client.get_queue_url(QueueName=spec.name)["QueueUrl"]
        except client.exceptions.QueueDoesNotExist:
            url = client.create_queue(QueueName=spec.name, Attributes=attributes)["QueueUrl"]
            action = "created"
        else:
            current = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
                "Attributes"
            ]
            if (current.get("FifoQueue", "false").lower() == "true") != spec.fifo:
                raise LabError(
                    f"queue {spec.name} exists with another type (FIFO vs standard)",
                    hint=f"delete it first: labkit queues delete {spec.name}",
                )
            changed = {
                k: v
                for k, v in attributes.items()
                if k != "FifoQueue" and not _same(k, v, current.get(k))
            }
            if changed:
                client.set_queue_attributes(QueueUrl=url, Attributes=changed)
            action = "updated" if changed else "unchanged"
        arns[spec.name] = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        done.append(Applied(spec.name, str(url), action))
    return done


def apply(
    directory: str | Path, client: Any, variables: Mapping[str, Any] | None = None
) -> list[Applied]:
    """Create the queues declared in `directory` (and its local modules) through `client`."""
    region = getattr(getattr(client, "meta", None), "region_name", None) or "us-east-1"
    return apply_specs(queue_specs(directory, variables, region), client)
