"""The lab's Terraform files as the single source of its queues: read, evaluate, apply locally.

`labkit queues apply terraform/` creates the `aws_sqs_queue` resources declared there (following
local modules) on the local SQS service, so the queues behave the same locally and on AWS. One job
per module:

- `reading`: a directory of `.tf` files as blocks, on python-hcl2's typed rule tree;
- `evaluating`: the small subset of Terraform expressions queue definitions use;
- `queues`: the declared `aws_sqs_queue` resources as CreateQueue arguments, DLQs first;
- `spec`: one such queue (`QueueSpec`), held without the parser;
- `remembered`: `queues`' answer kept between runs, keyed by the files it came from;
- `applying`: an SQS endpoint brought in line with those queues.

The names below are imported on first use: `labkit sqs serve` reaches `remembered` through this
package, and python-hcl2 (with Lark) is only imported when something is really parsed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from labkit.terraform.applying import Applied, apply, apply_specs
    from labkit.terraform.evaluating import PLANNED_ACCOUNT, Evaluator, Unsupported
    from labkit.terraform.queues import AWS_ONLY_ARGUMENTS, QUEUE_ATTRIBUTES, queue_specs
    from labkit.terraform.reading import Block, Module, load_module, parse_file
    from labkit.terraform.remembered import remembered_queue_specs
    from labkit.terraform.spec import QueueSpec

#: Each public name and the module it lives in.
_HOME = {
    "AWS_ONLY_ARGUMENTS": "queues",
    "PLANNED_ACCOUNT": "evaluating",
    "QUEUE_ATTRIBUTES": "queues",
    "Applied": "applying",
    "Block": "reading",
    "Evaluator": "evaluating",
    "Module": "reading",
    "QueueSpec": "spec",
    "Unsupported": "evaluating",
    "apply": "applying",
    "apply_specs": "applying",
    "load_module": "reading",
    "parse_file": "reading",
    "queue_specs": "queues",
    "remembered_queue_specs": "remembered",
}

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
    "remembered_queue_specs",
]  # the keys of _HOME: tests/unit/test_terraform_package.py reads each


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'labkit.terraform' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"labkit.terraform.{home}"), name)
    globals()[name] = value  # once: later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
