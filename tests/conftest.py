"""Shared pytest set-up. Fixtures that start real servers live in tests/fixtures/, loaded here as plugins."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.fixtures.sqs",
    "tests.fixtures.redis",
    "tests.fixtures.postgres",
    "tests.fixtures.stack",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--aws",
        action="store_true",
        default=False,
        help="also run the tests marked `aws` against real AWS SQS (needs credentials; creates and deletes queues)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--aws"):
        return
    skip_aws = pytest.mark.skip(
        reason="real-AWS test: opt in with `pytest --aws` and AWS credentials"
    )
    for item in items:
        # the marker, not `item.keywords`: keywords also hold directory names (tests/aws/)
        if item.get_closest_marker("aws") is not None:
            item.add_marker(skip_aws)
