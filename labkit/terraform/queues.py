"""The `aws_sqs_queue` resources a configuration declares, as the SQS API's CreateQueue wants them.

This is where Terraform's argument names become SQS attribute names (`visibility_timeout_seconds`
→ `VisibilityTimeout`), where arguments that only matter on AWS are set aside, and where queues are
ordered so that a dead-letter queue exists before the queue whose redrive policy names it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from labkit.errors import LabError
from labkit.terraform.evaluating import Evaluator, Unsupported, to_string
from labkit.terraform.reading import Block, load_module
from labkit.terraform.spec import QueueSpec

#: aws_sqs_queue arguments -> SQS queue attribute names (all values are strings on the wire).
QUEUE_ATTRIBUTES: dict[str, str] = {
    "fifo_queue": "FifoQueue",
    "content_based_deduplication": "ContentBasedDeduplication",
    "visibility_timeout_seconds": "VisibilityTimeout",
    "message_retention_seconds": "MessageRetentionPeriod",
    "delay_seconds": "DelaySeconds",
    "max_message_size": "MaximumMessageSize",
    "receive_wait_time_seconds": "ReceiveMessageWaitTimeSeconds",
    "redrive_policy": "RedrivePolicy",
    "deduplication_scope": "DeduplicationScope",
    "fifo_throughput_limit": "FifoThroughputLimit",
}

#: Arguments that only matter on AWS (encryption, access policy, tags, timeouts): not applied locally.
AWS_ONLY_ARGUMENTS = frozenset(
    {
        "tags",
        "policy",
        "kms_master_key_id",
        "kms_data_key_reuse_period_seconds",
        "sqs_managed_sse_enabled",
        "redrive_allow_policy",
        "depends_on",
        "lifecycle",
        "provider",
        "region",
        "timeouts",
    }
)


def _attribute_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    return to_string(value)


def _queue_blocks(evaluator: Evaluator) -> Iterator[tuple[Evaluator, Block]]:
    """Every aws_sqs_queue in this module and its local child modules, parents first."""
    for block in evaluator.module.of_kind("resource"):
        if block.labels[0] == "aws_sqs_queue":
            yield evaluator, block
    for block in evaluator.module.of_kind("module"):
        if evaluator.module.child_directory(block) is None:
            continue
        if {"count", "for_each"} & set(block.attributes()):
            raise Unsupported(f"{evaluator.where(block)}count/for_each on modules is not supported")
        yield from _queue_blocks(evaluator.child(block.labels[0]))


def _spec(evaluator: Evaluator, block: Block) -> QueueSpec:
    args = block.attributes()
    address = f"{evaluator.module.address}.aws_sqs_queue.{block.labels[1]}".lstrip(".")
    for unsupported in ("count", "for_each", "name_prefix"):
        if unsupported in args:
            raise Unsupported(f"{evaluator.where(block)}{address}: {unsupported} is not supported")
    if "name" not in args:
        raise LabError(f"{evaluator.where(block)}{address} has no name")
    unknown = set(args) - set(QUEUE_ATTRIBUTES) - AWS_ONLY_ARGUMENTS - {"name"}
    if unknown:
        raise Unsupported(f"{evaluator.where(block)}{address}: unknown arguments {sorted(unknown)}")
    name = to_string(evaluator.evaluate(args["name"]))
    attributes: dict[str, str] = {}
    for argument, attribute in QUEUE_ATTRIBUTES.items():
        if argument not in args:
            continue
        value = evaluator.evaluate(args[argument])
        if value is None or (attribute in ("FifoQueue", "ContentBasedDeduplication") and not value):
            continue  # false/null: the service default, and what Terraform sends
        attributes[attribute] = _attribute_value(value)
    target = receives = None
    if "RedrivePolicy" in attributes:
        policy = _redrive_policy(attributes["RedrivePolicy"], evaluator.where(block) + address)
        arn = str(policy.get("deadLetterTargetArn", ""))
        target = arn.rsplit(":", 1)[-1] or None
        receives = int(policy["maxReceiveCount"]) if "maxReceiveCount" in policy else None
    return QueueSpec(address, name, attributes, target, receives)


def _redrive_policy(text: str, where: str) -> dict[str, Any]:
    try:
        policy = json.loads(text)
        if isinstance(policy, dict) and "maxReceiveCount" in policy:
            int(policy["maxReceiveCount"])
    except (ValueError, TypeError):
        policy = None
    if not isinstance(policy, dict):
        raise LabError(
            f"{where}: redrive_policy is not a JSON object with a whole maxReceiveCount",
            hint="write it as jsonencode({ deadLetterTargetArn = …, maxReceiveCount = 3 })",
        )
    return policy


def queue_specs(
    directory: str | Path, variables: Mapping[str, Any] | None = None, region: str = "us-east-1"
) -> list[QueueSpec]:
    """The queues a configuration declares, dead-letter queues before the queues that use them."""
    module = load_module(directory)
    declared = {labels[0] for labels in module.named("variable")}
    undeclared = sorted(set(variables or {}) - declared)
    if undeclared:
        raise LabError(
            f"{directory}: no variable {', '.join(map(repr, undeclared))} is declared there",
            hint=f"declared: {', '.join(sorted(declared)) or 'none'}",
        )
    root = Evaluator(module, dict(variables or {}), region)
    specs = [_spec(evaluator, block) for evaluator, block in _queue_blocks(root)]
    by_name = {s.name: s for s in specs}
    if len(by_name) != len(specs):
        raise LabError(f"{directory}: two queues share a name")
    ordered: list[QueueSpec] = []
    visiting: set[str] = set()

    def visit(spec: QueueSpec) -> None:
        if spec in ordered:
            return
        if spec.name in visiting:
            raise LabError(f"{spec.address}: redrive policies form a cycle")
        visiting.add(spec.name)
        target = by_name.get(spec.dead_letter_target or "")
        if target is not None:
            visit(target)
        visiting.discard(spec.name)
        ordered.append(spec)

    for spec in specs:
        visit(spec)
    return ordered
