"""The tutor run's outputs are judged by nbval's own comparison (tests/notebooks/nbval_compare.py).

Unit tests of what the comparison accepts and refuses, and one test that runs real nbval beside it on
the same notebook: both must pass and fail the same cells, so the tutor edition's committed outputs
are checked exactly as `pytest --nbval-lax` would check them — without executing them a second time.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from labkit.editions import execute
from tests.notebooks.harness import SANITIZE
from tests.notebooks.nbval_compare import differences, nbval_options, sanitize_patterns

PATTERNS = sanitize_patterns(SANITIZE)


def _cell(source: str, *texts: str, cell_id: str, count: int | None = 1) -> nbformat.NotebookNode:
    outputs = [new_output("stream", name="stdout", text=t) for t in texts]
    cell = new_code_cell(source, execution_count=count, outputs=outputs)
    cell.id = cell_id
    return cell


def _pair(committed: list, executed: list) -> tuple:
    return new_notebook(cells=committed), new_notebook(cells=executed)


CHECKED = "# NBVAL_CHECK_OUTPUT\nprint(report)"


def test_sanitized_values_match_and_teaching_values_do_not():
    same = _pair(
        [_cell(CHECKED, "100 messages at http://127.0.0.1:5555\n", cell_id="a")],
        [_cell(CHECKED, "100 messages at http://127.0.0.1:6666\n", cell_id="a")],
    )
    assert differences(*same, PATTERNS) == []
    changed = _pair(
        [_cell(CHECKED, "100 messages\n", cell_id="a")],
        [_cell(CHECKED, "99 messages\n", cell_id="a")],
    )
    [found] = differences(*changed, PATTERNS)
    assert found.startswith("cell a: Cell outputs differ")
    assert "100 messages" in found and "99 messages" in found


def test_streams_are_coalesced_and_unmarked_cells_ignored():
    committed, executed = _pair(
        [_cell(CHECKED, "a\nb\n", cell_id="a"), _cell("print(1)", "1\n", cell_id="b")],
        [_cell(CHECKED, "a\n", "b\n", cell_id="a"), _cell("print(1)", "2\n", cell_id="b")],
    )
    assert differences(committed, executed, PATTERNS) == []


def test_pictures_are_skipped_but_their_text_is_compared():
    def picture(png: str, text: str) -> nbformat.NotebookNode:
        cell = new_code_cell(CHECKED, execution_count=1)
        cell.id = "p"
        cell.outputs = [
            new_output("display_data", data={"image/png": png, "text/plain": text}, metadata={})
        ]
        return cell

    assert (
        differences(*_pair([picture("AAAA", "<Figure>")], [picture("BBBB", "<Figure>")]), []) == []
    )
    assert differences(*_pair([picture("AAAA", "<Figure>")], [picture("AAAA", "<Axes>")]), [])


def test_missing_output_and_changed_code_are_differences():
    assert differences(
        *_pair([_cell(CHECKED, "x\n", cell_id="a")], [_cell(CHECKED, cell_id="a")]), []
    )
    [found] = differences(
        *_pair([_cell(CHECKED, "x\n", cell_id="a")], [_cell("print(2)", "x\n", cell_id="a")]), []
    )
    assert "not the committed ones" in found


def test_unrun_reference_cells_and_injected_parameters_are_left_out():
    unrun = _cell(CHECKED, cell_id="a", count=None)
    injected = new_code_cell("count = 3")
    injected.metadata["tags"] = ["injected-parameters"]
    ran = _cell(CHECKED, "anything\n", cell_id="a")
    assert differences(*_pair([unrun], [injected, ran]), []) == []


def test_options_a_papermill_run_cannot_honour_are_refused():
    skipped = _cell("# NBVAL_SKIP\nprint(1)", cell_id="s")
    [found] = differences(*_pair([skipped], [skipped]), [])
    assert "not supported" in found and "skip" in found
    tagged = new_code_cell("1/0", metadata={"tags": ["raises-exception"]})
    assert nbval_options(tagged)["check_exception"] is True
    assert nbval_options(new_code_cell("# NBVAL_IGNORE_OUTPUT\nx"))["check"] is False
    assert nbval_options(new_code_cell("x", metadata={"tags": ["nbval-check-output"]}))["check"]


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

    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    argv = [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-sanitize-with", str(SANITIZE)]
    argv += ["-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:hypothesispytest"]
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
