"""The tutor run's outputs are judged by nbval's own comparison (tests/notebooks/nbval_compare.py).

Unit tests of what the comparison accepts and refuses. tests/notebooks/test_nbval_agreement.py runs
real nbval beside it on one notebook: both must pass and fail the same cells, so the tutor edition's
committed outputs are checked exactly as `pytest --nbval-lax` would check them — without executing
them a second time.
"""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

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
