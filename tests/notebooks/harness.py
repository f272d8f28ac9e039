"""Shared facts of the notebook tests: where the notebooks are and the parameters CI runs them with."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat

from labkit.config import project_root

ROOT = project_root()
NOTEBOOKS = ROOT / "notebooks"
#: git-ignored: the built editions and their executed copies, for inspection. Under pytest-xdist
#: each worker builds and runs in its own folder (build/notebooks/gw0/ …): a kernel must never read
#: an edition another worker is rewriting.
BUILD = ROOT / "build" / "notebooks" / os.environ.get("PYTEST_XDIST_WORKER", "")
SANITIZE = Path(__file__).with_name("sanitize.cfg")

#: Parameters papermill injects in CI: smaller and faster than the defaults, same lessons.
CI_PARAMETERS: dict[str, dict[str, object]] = {
    "00": {},
    "01": {},
    "02": {},
    "03": {"delay": 0.3, "shared_jobs": 4, "shared_delay": 0.1, "work_seconds": 1.2},
    "04": {},
    # a shorter job_seconds could miss STARTED; the killed SQS job comes back after 1 s, not 2,
    # and the slow consumer still outlives its 1-second visibility timeout
    "05": {"visibility_timeout": 1, "work_seconds": 1.2},
}

#: The user property each papermill run records ({"notebook", "edition", "seconds"}); tests/conftest.py
#: prints them in the terminal summary (not asserted: on 2 shared cores timings are a benchmark's job).
PAPERMILL_PROPERTY = "papermill"
#: What the six tutor notebooks may take together on the lab's 2-core machine (printed, not asserted).
TUTOR_TARGET_SECONDS = 90


def committed_notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))


def ci_parameters(path: Path) -> dict[str, object]:
    return dict(CI_PARAMETERS.get(path.name[:2], {}))


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """A notebook file as nbformat v4."""
    nb: nbformat.NotebookNode = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]  # nbformat.read has no hints
    return nb


def printed_lines(cell: nbformat.NotebookNode) -> list[str]:
    """The lines a code cell printed to stdout (every output must be stdout text)."""
    kinds = [(o.get("output_type"), o.get("name")) for o in cell.get("outputs", [])]
    if any(kind != ("stream", "stdout") for kind in kinds):
        raise AssertionError(f"cell {cell.get('id')}: outputs other than printed text: {kinds}")
    return "".join(o["text"] for o in cell.outputs).splitlines()
