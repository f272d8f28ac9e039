"""papermill runs both editions of every notebook, each exactly once, against this session's stack.

- The **student edition** (built from the committed notebooks: no tutor notes, no outputs, no
  solutions) runs with the CI parameters of harness.py. It must finish without an error, and every
  check cell must print exactly one line, "… not done yet": a student who runs it unchanged is told
  what is left to do, and nothing breaks.
- The **tutor edition** (the committed notebook as it is) runs with its own default parameters —
  the ones its committed outputs were made with. Every check cell must print exactly one ✓ line,
  and the outputs of its `# NBVAL_CHECK_OUTPUT` cells must reproduce the committed ones, judged by
  nbval's own comparison and the versioned sanitize file (nbval_compare.py): the run papermill
  already made is compared, so no notebook is executed a second time.

Executed copies land in build/notebooks/executed/<edition>/ (git-ignored) for inspection, and the
terminal summary lists each notebook's time per edition and the tutor edition's total.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import get_args

import nbformat
import pytest

from labkit.editions import CHECK_TAG, TUTOR_TAG, Edition, build, execute
from tests.notebooks.harness import (
    BUILD,
    NOTEBOOKS,
    PAPERMILL_PROPERTY,
    SANITIZE,
    ci_parameters,
    committed_notebooks,
    printed_lines,
    read_notebook,
)
from tests.notebooks.nbval_compare import differences, sanitize_patterns

#: What every check cell prints first in each edition's run.
VERDICT = {"student": "… not done yet", "tutor": "✓"}


def error_outputs(nb: nbformat.NotebookNode) -> list[str]:
    """Every error output, and stderr output that carries a traceback, as 'cell id: text'."""
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"{cell.get('id')}: {out.get('ename')}: {out.get('evalue')}")
            elif out.get("name") == "stderr" and "Traceback" in out.get("text", ""):
                found.append(f"{cell.get('id')}: {out['text'][-500:]}")
    return found


def check_verdicts(nb: nbformat.NotebookNode) -> dict[str, list[str]]:
    """What each `check` cell printed, by cell id."""
    return {
        c.get("id", "?"): printed_lines(c)
        for c in nb.cells
        if c.cell_type == "code" and CHECK_TAG in c.metadata.get("tags", [])
    }


@pytest.fixture(scope="module")
def editions() -> dict[str, Path]:
    """Both editions built from the committed notebooks, each in its own folder."""
    folders = {}
    for edition in get_args(Edition):
        written = build(edition, NOTEBOOKS, BUILD / edition)
        assert [p.name for p in written] == [p.name for p in committed_notebooks()]
        folders[edition] = BUILD / edition
    return folders


def test_student_edition_has_no_tutor_notes_and_no_outputs(editions: dict[str, Path]) -> None:
    for path in sorted(editions["student"].glob("*.ipynb")):
        nb = read_notebook(path)
        assert not any(TUTOR_TAG in c.metadata.get("tags", []) for c in nb.cells), path.name
        assert all(not c.outputs for c in nb.cells if c.cell_type == "code"), path.name
        text = "".join(c.source for c in nb.cells)
        assert "NBVAL_" not in text, path.name
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text, path.name


@pytest.mark.slow
@pytest.mark.parametrize("edition", ["tutor", "student"])
@pytest.mark.parametrize("name", [p.name for p in committed_notebooks()], ids=lambda n: n[:-6])
def test_edition_runs_top_to_bottom(
    name: str,
    edition: str,
    editions: dict[str, Path],
    stack_environ: None,
    record_property: Callable[[str, object], None],
) -> None:
    source, target = editions[edition] / name, BUILD / "executed" / edition / name
    parameters = ci_parameters(source) if edition == "student" else {}
    seconds = execute(source, target, parameters=parameters, cwd=editions[edition])
    record_property(PAPERMILL_PROPERTY, {"notebook": name, "edition": edition, "seconds": seconds})
    nb = read_notebook(target)
    assert not error_outputs(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "a cell did not run"
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == (1 if parameters else 0), "papermill did not inject the CI parameters"

    verdicts = check_verdicts(nb)
    off = {
        cell: lines
        for cell, lines in verdicts.items()
        if len(lines) != 1 or not lines[0].startswith(VERDICT[edition])
    }
    assert not off, f"check cells not printing one {VERDICT[edition]!r} line: {off}"

    if edition == "tutor":
        committed = read_notebook(NOTEBOOKS / name)
        found = differences(committed, nb, sanitize_patterns(SANITIZE))
        assert not found, "nbval: committed outputs not reproduced:\n" + "\n\n".join(found)
