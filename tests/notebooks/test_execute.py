"""papermill runs every notebook with CI parameters against this session's stack.

What runs is the *student edition* built from the committed notebooks: tutor notes are markdown
only (test_hygiene checks that the student edition's code cells are exactly the committed ones),
so one papermill run per notebook both executes every lesson's code with the CI parameters and
proves the student edition builds and runs — without a third execution on two shared cores.
The executed copies land in build/notebooks/ (git-ignored) for inspection after a run.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from labkit.editions import TUTOR_TAG, build, execute
from tests.notebooks.harness import BUILD, DURATIONS, NOTEBOOKS, ci_parameters, committed_notebooks

STUDENT = BUILD / "student"


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


@pytest.fixture(scope="module")
def student_edition() -> Path:
    written = build("student", NOTEBOOKS, STUDENT)
    assert [p.name for p in written] == [p.name for p in committed_notebooks()]
    return STUDENT


def test_student_edition_has_no_tutor_notes_and_no_outputs(student_edition: Path):
    for path in sorted(student_edition.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert not any(TUTOR_TAG in c.metadata.get("tags", []) for c in nb.cells), path.name
        assert all(not c.outputs for c in nb.cells if c.cell_type == "code"), path.name
        assert "NBVAL_" not in "".join(c.source for c in nb.cells), path.name


@pytest.mark.slow
@pytest.mark.parametrize("name", [p.name for p in committed_notebooks()], ids=lambda n: n[:-6])
def test_notebook_runs_top_to_bottom_with_ci_parameters(
    name: str, student_edition: Path, stack_environ
) -> None:
    source, target = student_edition / name, BUILD / name
    parameters = ci_parameters(source)
    DURATIONS[name] = execute(source, target, parameters=parameters, cwd=student_edition)
    nb = nbformat.read(target, as_version=4)
    assert not error_outputs(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "a cell did not run"
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == (1 if parameters else 0), "papermill did not inject the CI parameters"
