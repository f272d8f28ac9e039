"""Student/tutor editions: built from one source, the source never changes."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from labkit.editions import build, strip_run_metadata, student_edition, without_solutions
from labkit.errors import LabError
from tests.support.cli import labkit_cli


def _notebook() -> nbformat.NotebookNode:
    code = new_code_cell(
        "# NBVAL_CHECK_OUTPUT\nprint('hi')",
        execution_count=3,
        outputs=[new_output("stream", name="stdout", text="hi\n")],
    )
    tutor = new_markdown_cell("### For the teacher\nShow the monitoring tab.")
    tutor.metadata["tags"] = ["tutor"]
    params = new_code_cell("count = 100")
    params.metadata["tags"] = ["parameters"]
    exercise = new_code_cell(EXERCISE, execution_count=4)
    exercise.metadata["tags"] = ["exercise"]
    check = new_code_cell(
        "# NBVAL_CHECK_OUTPUT\nchecks.prediction_recorded(guess, choices=('in order', 'out of order'))",
        execution_count=5,
        outputs=[new_output("stream", name="stdout", text="✓ noted\n")],
    )
    check.metadata["tags"] = ["check"]
    return new_notebook(cells=[new_markdown_cell("# Goal"), params, code, tutor, exercise, check])


EXERCISE = """# Predict: do 100 messages arrive in order?
guess = ...  # "in order" or "out of order"?
### BEGIN SOLUTION
guess = "out of order"
### END SOLUTION"""
STUDENT_EXERCISE = """# Predict: do 100 messages arrive in order?
guess = ...  # "in order" or "out of order"?"""


@pytest.fixture
def source(tmp_path: Path) -> Path:
    src = tmp_path / "notebooks"
    src.mkdir()
    nbformat.write(_notebook(), src / "01-demo.ipynb")
    (src / "img").mkdir()
    (src / "img" / "arch.svg").write_text("<svg/>")
    return src


def test_student_edition_drops_tutor_cells_outputs_and_solutions():
    student = student_edition(_notebook())
    sources = [c.source for c in student.cells]
    assert sources == [
        "# Goal",
        "count = 100",
        "print('hi')",
        STUDENT_EXERCISE,
        "checks.prediction_recorded(guess, choices=('in order', 'out of order'))",
    ]
    code = student.cells[2]
    assert all(c.outputs == [] and c.execution_count is None for c in student.cells[1:])
    assert code.outputs == [] and code.execution_count is None
    assert student.cells[1].metadata["tags"] == ["parameters"]
    assert student.cells[3].metadata["tags"] == ["exercise"]
    assert student.cells[4].metadata["tags"] == ["check"]


def test_without_solutions_keeps_everything_outside_the_blocks():
    source = "a = ...\n### BEGIN SOLUTION\na = 1\n### END SOLUTION\nb = ...\n  ### BEGIN SOLUTION\n  b = 2\n  ### END SOLUTION\nprint(a, b)"
    assert without_solutions(source) == "a = ...\nb = ...\nprint(a, b)"
    assert without_solutions("x = 1\n# ### BEGIN SOLUTION is only a marker on its own line") == (
        "x = 1\n# ### BEGIN SOLUTION is only a marker on its own line"
    )
    assert without_solutions("") == ""


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a = ...\n### BEGIN SOLUTION\na = 1", "line 2: a ### BEGIN SOLUTION block has no"),
        ("a = 1\n### END SOLUTION", "line 2: ### END SOLUTION without a ### BEGIN SOLUTION"),
        (
            "### BEGIN SOLUTION\na = 1\n### BEGIN SOLUTION\n### END SOLUTION",
            "line 3: ### BEGIN SOLUTION inside the block opened on line 1",
        ),
    ],
)
def test_without_solutions_refuses_misplaced_markers(source: str, message: str):
    with pytest.raises(LabError, match=message) as info:
        without_solutions(source)
    assert info.value.hint


def test_student_edition_names_the_cell_with_a_broken_block():
    nb = _notebook()
    nb.cells[4].source = "guess = ...\n### BEGIN SOLUTION\nguess = 'out of order'"
    nb.cells[4].id = "ex-1"
    with pytest.raises(LabError, match="cell ex-1: line 2"):
        student_edition(nb)


def test_build_writes_both_editions_and_leaves_the_source(source: Path, tmp_path: Path):
    before = (source / "01-demo.ipynb").read_bytes()
    student = build("student", source, tmp_path / "student")
    tutor = build("tutor", source, tmp_path / "tutor")
    assert [p.name for p in student] == ["01-demo.ipynb"] == [p.name for p in tutor]
    assert (source / "01-demo.ipynb").read_bytes() == before
    s = nbformat.read(student[0], as_version=4)
    t = nbformat.read(tutor[0], as_version=4)
    assert len(s.cells) == 5 and len(t.cells) == 6
    assert t.cells[2].outputs[0]["text"] == "hi\n"
    assert (tmp_path / "student" / "img" / "arch.svg").read_text() == "<svg/>"


def test_build_refuses_empty_source_and_writing_over_the_source(source: Path, tmp_path: Path):
    with pytest.raises(LabError, match="no notebooks"):
        build("student", tmp_path / "nothing-here", tmp_path / "out")
    with pytest.raises(LabError, match="source folder"):
        build("student", source, source)
    with pytest.raises(LabError, match="unknown edition"):
        build("teacher", source, tmp_path / "out")  # type: ignore[arg-type]


def test_cli_builds_the_student_edition(source: Path, tmp_path: Path):
    result = labkit_cli("notebooks", "student", str(tmp_path / "out"), "--source", str(source))
    assert result.returncode == 0, result.stderr
    assert "1 notebooks written" in result.stdout
    nb = nbformat.read(tmp_path / "out" / "01-demo.ipynb", as_version=4)
    assert not any("tutor" in c.metadata.get("tags", []) for c in nb.cells)
    [exercise] = [c for c in nb.cells if "exercise" in c.metadata.get("tags", [])]
    assert exercise.source == STUDENT_EXERCISE


def test_cli_refuses_a_broken_solution_block_in_one_line(source: Path, tmp_path: Path):
    nb = nbformat.read(source / "01-demo.ipynb", as_version=4)
    nb.cells[4].source = "guess = ...\n### BEGIN SOLUTION\nguess = 'out of order'"
    nbformat.write(nb, source / "01-demo.ipynb")
    result = labkit_cli("notebooks", "student", str(tmp_path / "out"), "--source", str(source))
    assert result.returncode == 1
    assert "01-demo.ipynb: cell" in result.stderr and "has no ### END SOLUTION" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists(), "nothing is written when a notebook is broken"


def test_cli_reports_a_missing_source_as_one_line(tmp_path: Path):
    result = labkit_cli(
        "notebooks", "tutor", str(tmp_path / "out"), "--source", str(tmp_path / "no")
    )
    assert result.returncode == 1
    assert "no notebooks found" in result.stderr
    assert "Traceback" not in result.stderr


def test_strip_run_metadata_keeps_outputs_and_drops_timings_and_paths():
    nb = _notebook()
    nb.metadata["papermill"] = {"input_path": "/home/someone/lab/01.ipynb", "duration": 3.2}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    for cell in nb.cells:
        cell.metadata["papermill"] = {"duration": 0.1, "start_time": "2026-11-28T01:00:00"}
        cell.metadata["execution"] = {"iopub.status.busy": "2026-11-28T01:00:00Z"}
    nb.cells[0].metadata["tags"] = []
    nb.cells[2].outputs.append(new_output("stream", name="stdout", text="there\n"))
    out = strip_run_metadata(nb)
    text = nbformat.writes(out)
    assert "/home/someone" not in text and "2026-11-28" not in text and "3.11.7" not in text
    assert [o["text"] for o in out.cells[2].outputs] == ["hi\nthere\n"]  # one stream, merged
    assert "tags" not in out.cells[0].metadata
    assert out.cells[1].metadata["tags"] == ["parameters"]


def test_cli_execute_names_no_match_in_one_line(source: Path):
    result = labkit_cli("notebooks", "execute", "99", "--source", str(source))
    assert result.returncode == 1
    assert "no notebooks match" in result.stderr
    assert "Traceback" not in result.stderr
