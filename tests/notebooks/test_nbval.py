"""nbval re-executes the committed notebooks and compares the teaching outputs they carry.

`--nbval-lax` checks only cells marked `# NBVAL_CHECK_OUTPUT` (orders, counts, statuses,
de-duplication results), after the versioned sanitize file masks ids, receipt handles, ports and
timestamps. It runs as a separate pytest process because nbval collects `.ipynb` files only under
its own flag; this keeps the main run from collecting notebooks (or anything under build/) and runs
each notebook exactly once, with the kernels' environment pointed at this session's stack.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.notebooks.harness import NOTEBOOKS, ROOT, SANITIZE, committed_notebooks


@pytest.mark.slow
def test_committed_outputs_are_reproduced(notebook_env: dict[str, str]) -> None:
    notebooks = committed_notebooks()
    assert notebooks, f"no notebooks in {NOTEBOOKS}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTEST_"))}
    env.update(notebook_env)
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval-lax",
        "--nbval-sanitize-with",
        str(SANITIZE),
        "--nbval-kernel-name",
        "python3",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:schemathesis",  # heavy plugins the notebooks do not use: seconds of start-up saved
        "-p",
        "no:hypothesispytest",
        "-q",
        "--no-header",
        *(str(p.relative_to(ROOT)) for p in notebooks),
    ]
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, (
        f"nbval found differences:\n{proc.stdout[-8000:]}{proc.stderr[-2000:]}"
    )
    assert " passed" in proc.stdout
