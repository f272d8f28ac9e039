"""Notebook tests: where the notebooks are, the CI parameters, and the services they run against.

The notebooks find the lab through `labkit.config.endpoints()`, which reads environment variables
first. A kernel inherits the environment of the process that launches it, so the papermill runs
of both editions (test_execute.py) get the `lab_stack` fixture's URLs in the environment — the
notebooks then talk to the services this test session started, never to a developer's own
`labkit up` stack or to the default ports. The terminal summary prints each notebook's papermill
time per edition and the tutor edition's total.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.notebooks.harness import DURATIONS, TUTOR_TARGET_SECONDS


@pytest.fixture(scope="session")
def notebook_env(lab_stack) -> dict[str, str]:
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


def pytest_terminal_summary(terminalreporter) -> None:
    if not DURATIONS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("notebook durations (papermill, one run per edition)")
    write("   tutor  student  notebook")
    for name, times in sorted(DURATIONS.items()):
        cells = [f"{times[e]:6.1f} s" if e in times else "      —" for e in ("tutor", "student")]
        write(f"{cells[0]} {cells[1]}  {name}")
    tutor = [t["tutor"] for t in DURATIONS.values() if "tutor" in t]
    if tutor:
        write(
            f"{sum(tutor):6.1f} s  tutor edition, {len(tutor)} notebooks together "
            f"(target: all six within {TUTOR_TARGET_SECONDS} s on 2 cores)"
        )
