"""The conformance tests' `client`: a boto3 client of the running service (AWS JSON 1.0)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def client(sqs: Any) -> Any:
    return sqs
