"""The service's reader of botocore's SQS model sees what botocore's own ServiceModel sees."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from botocore.session import get_session

from labkit.sqslocal.model import Shape, load_service_model


def walk(shape: Any, seen: set[str]) -> list[tuple[Any, ...]]:
    """Every shape reachable from `shape`: name, type, members, required, list/map parts."""
    if shape is None or shape.name in seen:
        return []
    seen.add(shape.name)
    kind = shape.type_name
    out: list[tuple[Any, ...]] = []
    if kind == "structure":
        members = [(n, m.name) for n, m in shape.members.items()]
        out.append((shape.name, kind, members, list(shape.required_members)))
        for member in shape.members.values():
            out += walk(member, seen)
    elif kind == "list":
        out.append((shape.name, kind, shape.member.name))
        out += walk(shape.member, seen)
    elif kind == "map":
        out.append((shape.name, kind, shape.key.name, shape.value.name))
        out += walk(shape.key, seen) + walk(shape.value, seen)
    else:
        out.append((shape.name, kind))
    return out


def test_every_operation_reads_as_botocore_reads_it() -> None:
    ours = load_service_model("sqs")
    theirs = get_session().get_service_model("sqs")
    assert ours.operation_names == list(theirs.operation_names)
    for action in theirs.operation_names:
        mine, real = ours.operation_model(action), theirs.operation_model(action)
        for attr in ("input_shape", "output_shape"):
            assert walk(getattr(mine, attr), set()) == walk(getattr(real, attr), set()), action


def test_one_object_per_shape() -> None:
    model = load_service_model("sqs")
    request = model.operation_model("SendMessageBatch").input_shape
    assert isinstance(request, Shape)
    assert request.members["Entries"] is model.shape("SendMessageBatchRequestEntryList")
    assert model.operation_model("SendMessageBatch") is model.operation_model("SendMessageBatch")


def test_the_service_starts_without_botocore() -> None:
    """Importing the service and building every validator loads no part of botocore."""
    code = (
        "import sys\n"
        "from labkit.sqslocal.server import SqsApp, build_engine\n"
        "from labkit.sqslocal.config import EngineConfig\n"
        "SqsApp(build_engine(EngineConfig())[0])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('botocore', 'urllib3')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
