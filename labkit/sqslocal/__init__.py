"""A local SQS service for the lab: a pure engine (`engine`, settings in `config`), the AWS wire
formats (`protocol` for JSON, `query` for the older form-encoded one), the routing (`server`) on
a small HTTP/1.1 server of its own (`http_server`). See docs/sqs-service.md.

The public names below load their module on first use, so a `labkit` command that never serves
SQS does not pay for importing the engine and botocore's service model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from labkit.sqslocal.config import EngineConfig
    from labkit.sqslocal.engine import Engine
    from labkit.sqslocal.server import SqsApp, build_engine, serve

__all__ = ["Engine", "EngineConfig", "SqsApp", "build_engine", "serve"]

_HOMES = {
    "Engine": "labkit.sqslocal.engine",
    "EngineConfig": "labkit.sqslocal.config",
    "SqsApp": "labkit.sqslocal.server",
    "build_engine": "labkit.sqslocal.server",
    "serve": "labkit.sqslocal.server",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
