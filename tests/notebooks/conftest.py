"""Notebook tests: where the notebooks are, the CI parameters, and the services they run against.

The notebooks find the lab through `labkit.config.endpoints()`, which reads environment variables
first. A kernel inherits the environment of the process that launches it, so the papermill runs
of both editions (test_execute.py) get the `lab_stack` fixture's URLs in the environment — the
notebooks then talk to the services this test session started, never to a developer's own
`labkit up` stack or to the default ports. Each papermill run's time is recorded on its test report;
tests/conftest.py prints them (the xdist controller sees reports, not this folder's conftest).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.stack import LabStack


@pytest.fixture(scope="session")
def notebook_env(lab_stack: LabStack) -> dict[str, str]:
    """Environment variables that point a kernel at this session's stack."""
    return {
        "LAB_DIR": str(lab_stack.lab_dir),
        "REDIS_URL": lab_stack.redis,
        "AWS_ENDPOINT_URL_SQS": lab_stack.sqs,
        "TASKOVERFLOW_URL": lab_stack.taskoverflow,
        "AWS_REGION": "us-east-1",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    }


@pytest.fixture
def stack_environ(notebook_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's environment pointed at the stack, so kernels papermill launches inherit it."""
    for key in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    for key, value in notebook_env.items():
        monkeypatch.setenv(key, value)
    yield
