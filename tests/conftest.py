"""Shared pytest set-up. Fixtures that start real servers live in tests/fixtures/, loaded here as plugins.

Also the notebook timing summary: each papermill run records its time on its test report, and
this file — loaded by the xdist controller too, unlike tests/notebooks/conftest.py — collects the
reports and prints the times.
"""

from __future__ import annotations

import gc
from typing import Any

import pytest

from tests.notebooks.harness import PAPERMILL_PROPERTY, TUTOR_TARGET_SECONDS

pytest_plugins = [
    "tests.fixtures.sqs",
    "tests.fixtures.redis",
    "tests.fixtures.postgres",
    "tests.fixtures.stack",
]


#: Young collections every 20,000 net allocations, not CPython's 700, in the test processes: a
#: session holds a large, long-lived heap (botocore's models, hypothesis' strategies, the apps)
#: and the tests allocate fast, so the default collector ran thousands of times and took 13 % of
#: an in-process run's CPU (tests/unit + API validation + SQS conformance: 7.1 s of 55 s); with
#: this and the heap frozen after collection, 2.9 s of 49 s. Cycles are still collected.
GC_THRESHOLDS = (20_000, 100, 100)


def pytest_configure(config: pytest.Config) -> None:
    gc.set_threshold(*GC_THRESHOLDS)


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection built lives for the whole session: leave it out of every later collection."""
    gc.collect()
    gc.freeze()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--aws",
        action="store_true",
        default=False,
        help="also run the tests marked `aws` against real AWS SQS (needs credentials; creates and deletes queues)",
    )


#: Files whose tests take longest (papermill runs, 10k-message races, big hypothesis searches).
#: They run first so pytest-xdist spreads them over the workers instead of finishing on one.
LONGEST_FIRST = (
    "tests/notebooks/test_execute.py",
    "tests/reliability/test_sqs_10k.py",
    "tests/unit/sqslocal/test_properties.py",
    "tests/notebooks/test_nbval_agreement.py",
    "tests/backend/test_canonical_input.py",
    "tests/integration/test_stack.py",
    "tests/unit/sqslocal/test_fuzz.py",
)
#: Files with a module-scoped server: under `--dist loadgroup` each stays on one worker, so the
#: server starts once, not once per worker.
ONE_WORKER_PER_FILE = (
    "tests/backend/test_canonical_input.py",
    "tests/e2e/test_ui.py",
    "tests/e2e/test_sqs_transport_walkthrough.py",
)


def _rank(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0]
    return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_rank)  # stable: each file keeps its own order
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if path in ONE_WORKER_PER_FILE:
            item.add_marker(pytest.mark.xdist_group(path))
    if config.getoption("--aws"):
        return
    skip_aws = pytest.mark.skip(
        reason="real-AWS test: opt in with `pytest --aws` and AWS credentials"
    )
    for item in items:
        # the marker, not `item.keywords`: keywords also hold directory names (tests/aws/)
        if item.get_closest_marker("aws") is not None:
            item.add_marker(skip_aws)


#: papermill seconds of this session, notebook → edition → seconds (from the test reports).
_PAPERMILL_SECONDS: dict[str, dict[str, float]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for key, value in report.user_properties:
        if key == PAPERMILL_PROPERTY and report.when == "call" and isinstance(value, dict):
            run: dict[str, Any] = value
            _PAPERMILL_SECONDS.setdefault(run["notebook"], {})[run["edition"]] = run["seconds"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _PAPERMILL_SECONDS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("notebook durations (papermill, one run per edition)")
    write("   tutor  student  notebook")
    for name, times in sorted(_PAPERMILL_SECONDS.items()):
        cells = [f"{times[e]:6.1f} s" if e in times else "      —" for e in ("tutor", "student")]
        write(f"{cells[0]} {cells[1]}  {name}")
    tutor = [t["tutor"] for t in _PAPERMILL_SECONDS.values() if "tutor" in t]
    if tutor:
        write(
            f"{sum(tutor):6.1f} s  tutor edition, {len(tutor)} notebooks together "
            f"(target: all six within {TUTOR_TARGET_SECONDS} s on 2 cores)"
        )
