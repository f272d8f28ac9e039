"""The lab's Terraform files as the single source of its queues: read, evaluate, apply locally.

`labkit queues apply terraform/` creates the `aws_sqs_queue` resources declared there (following
local modules) on the local SQS service, so the queues behave the same locally and on AWS. One job
per module:

- `reading`: a directory of `.tf` files as blocks, on python-hcl2's typed rule tree;
- `evaluating`: the small subset of Terraform expressions queue definitions use;
- `queues`: the declared `aws_sqs_queue` resources as CreateQueue arguments, DLQs first;
- `applying`: an SQS endpoint brought in line with those queues.
"""

from labkit.terraform.applying import Applied, apply, apply_specs
from labkit.terraform.evaluating import PLANNED_ACCOUNT, Evaluator, Unsupported
from labkit.terraform.queues import AWS_ONLY_ARGUMENTS, QUEUE_ATTRIBUTES, QueueSpec, queue_specs
from labkit.terraform.reading import Block, Module, load_module, parse_file

__all__ = [
    "AWS_ONLY_ARGUMENTS",
    "PLANNED_ACCOUNT",
    "QUEUE_ATTRIBUTES",
    "Applied",
    "Block",
    "Evaluator",
    "Module",
    "QueueSpec",
    "Unsupported",
    "apply",
    "apply_specs",
    "load_module",
    "parse_file",
    "queue_specs",
]
