"""Real nbval beside our comparison (tests/notebooks/nbval_compare.py) on one small notebook run in
a real kernel: both must pass and fail the same cells. Unit tests of the comparison:
tests/unit/notebooks/test_nbval.py."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_notebook, new_output

from labkit.editions import execute
from tests.notebooks.harness import SANITIZE
from tests.notebooks.nbval_compare import differences
from tests.unit.notebooks.test_nbval import PATTERNS, _cell

AGREEMENT_CELLS = [
    # (source run by the kernel, committed output, should it pass)
    (
        "# NBVAL_CHECK_OUTPUT\nprint('at http://127.0.0.1:' + str(40001))",
        "at http://127.0.0.1:5555\n",
    ),
    ("# NBVAL_CHECK_OUTPUT\nprint('received', 99)", "received 100\n"),
    ("# NBVAL_CHECK_OUTPUT\nimport sys\nprint('a'); sys.stdout.flush(); print('b')", "a\nb\n"),
    ("print('not checked', 2)", "not checked 1\n"),
    ("# NBVAL_CHECK_OUTPUT\n1 + 1", None),  # an execute_result with 3 in the committed notebook
]


@pytest.mark.slow
def test_real_nbval_and_this_comparison_fail_the_same_cells(tmp_path: Path):
    cells = []
    for number, (source, text) in enumerate(AGREEMENT_CELLS):
        cell = _cell(source, *([text] if text else []), cell_id=f"c{number}")
        if text is None:
            cell.outputs = [
                new_output("execute_result", data={"text/plain": "3"}, execution_count=1)
            ]
        cells.append(cell)
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    committed = tmp_path / "agreement.ipynb"
    nbformat.write(nb, committed)

    # nbval alone: the other installed plugins (xdist, hypothesis, schemathesis, anyio…) cost
    # seconds of start-up and take no part in this run
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    argv = [sys.executable, "-m", "pytest", "-p", "nbval.plugin", "-p", "no:cacheprovider"]
    argv += ["--nbval-lax", "--nbval-sanitize-with", str(SANITIZE)]
    argv += ["-v", "--no-header", "-o", "addopts=", str(committed)]
    proc = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    verdicts = dict(re.findall(r"::Cell (\d+) (PASSED|FAILED)", proc.stdout))
    assert len(verdicts) == len(AGREEMENT_CELLS), proc.stdout[-3000:] + proc.stderr[-2000:]
    nbval_failed = {f"c{n}" for n, verdict in verdicts.items() if verdict == "FAILED"}

    executed = tmp_path / "executed.ipynb"
    execute(committed, executed, cwd=tmp_path, timeout=60)
    found = differences(nb, nbformat.read(executed, as_version=4), PATTERNS)
    ours_failed = {line.split(":", 1)[0].removeprefix("cell ") for line in found}
    assert ours_failed == nbval_failed == {"c1", "c4"}
