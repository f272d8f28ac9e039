"""botocore's SQS service model, read straight from the JSON file botocore ships.

The service checks requests against the model boto3 itself serialises from (botocore's
`data/sqs/<newest API version>/service-2.json[.gz]`), so it must read that file, not a copy. Read
by hand because `botocore.session` and `botocore.model` import botocore's HTTP and signing stack
(urllib3, `botocore.auth`, `botocore.client`…): about 0.2 s of every start of this service, which
the test suite starts dozens of times, while the service only walks shapes — their type, members,
required members, a list's member and a map's key and value. Those are read here exactly as
botocore reads them (a member's shape is the shape its `shape` reference names).
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from functools import cached_property
from pathlib import Path
from typing import Any

__all__ = ["Operation", "ServiceModel", "Shape", "load_service_model"]


class Shape:
    """One named shape of the model. One object per name (validators are cached per shape)."""

    def __init__(self, name: str, spec: dict[str, Any], model: ServiceModel) -> None:
        self.name = name
        self.type_name: str = spec["type"]
        self._spec = spec
        self._model = model

    def __repr__(self) -> str:
        return f"<Shape {self.name} ({self.type_name})>"

    @cached_property
    def members(self) -> dict[str, Shape]:
        """A structure's members, in the model's order."""
        return {
            name: self._model.shape(ref["shape"])
            for name, ref in self._spec.get("members", {}).items()
        }

    @cached_property
    def required_members(self) -> list[str]:
        return list(self._spec.get("required", []))

    @property
    def member(self) -> Shape:
        """A list's item shape."""
        return self._model.shape(self._spec["member"]["shape"])

    @property
    def key(self) -> Shape:
        return self._model.shape(self._spec["key"]["shape"])

    @property
    def value(self) -> Shape:
        return self._model.shape(self._spec["value"]["shape"])


class Operation:
    """One operation: its input and output shapes (None when it has none)."""

    def __init__(self, spec: dict[str, Any], model: ServiceModel) -> None:
        self.name: str = spec["name"]
        self.input_shape = model.shape(spec["input"]["shape"]) if "input" in spec else None
        self.output_shape = model.shape(spec["output"]["shape"]) if "output" in spec else None


class ServiceModel:
    """The operations and shapes of one service model (`service-2.json`)."""

    def __init__(self, description: dict[str, Any]) -> None:
        self._operations: dict[str, dict[str, Any]] = description["operations"]
        self._shapes: dict[str, dict[str, Any]] = description["shapes"]
        self._made: dict[str, Shape] = {}
        self._made_operations: dict[str, Operation] = {}
        self.operation_names = list(self._operations)

    def shape(self, name: str) -> Shape:
        made = self._made.get(name)
        if made is None:
            made = self._made[name] = Shape(name, self._shapes[name], self)
        return made

    def operation_model(self, name: str) -> Operation:
        """KeyError for an operation the model does not have."""
        made = self._made_operations.get(name)
        if made is None:
            made = self._made_operations[name] = Operation(self._operations[name], self)
        return made


def model_file(service: str) -> Path:
    """The newest API version's model file of `service` in the installed botocore."""
    spec = importlib.util.find_spec("botocore")  # finds the package without importing it
    if spec is None or spec.origin is None:
        raise RuntimeError("botocore is not installed")
    versions = sorted(
        p for p in (Path(spec.origin).parent / "data" / service).iterdir() if p.is_dir()
    )
    for version in reversed(versions):  # API versions are dates: the newest sorts last
        for name in ("service-2.json", "service-2.json.gz"):
            path = version / name
            if path.exists():
                return path
    raise RuntimeError(f"botocore ships no model for {service}")


def load_service_model(service: str) -> ServiceModel:
    path = model_file(service)
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    return ServiceModel(json.loads(raw))
