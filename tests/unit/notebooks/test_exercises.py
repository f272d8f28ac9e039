"""Static checks of the exercises (format: docs/notebooks.md, "Exercises"), per notebook.

An exercise is a cell tagged `exercise` — a `...` placeholder, then the tutor's solution between
nbgrader's `### BEGIN SOLUTION` / `### END SOLUTION` lines — followed by a cell tagged `check`
that starts with `# NBVAL_CHECK_OUTPUT` and calls one of `labkit.checks`. The committed (tutor)
edition shows one ✓ line under every check; the student edition holds no solution and no marker.
Running both editions is test_execute.py's job; this file reads the notebooks only.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from labkit.editions import (
    BEGIN_SOLUTION,
    CHECK_TAG,
    END_SOLUTION,
    EXERCISE_TAG,
    student_edition,
    without_solutions,
)
from tests.notebooks.harness import NOTEBOOKS, committed_notebooks, printed_lines

#: Exercises each lesson must have at least (issue 9: three per lesson, a small one in 00).
MINIMUM_EXERCISES = {"00": 1, "01": 3, "02": 3, "03": 3, "04": 3, "05": 3}
CHECK_MARKER = "# NBVAL_CHECK_OUTPUT"

PATHS = committed_notebooks()


def _tags(cell: nbformat.NotebookNode) -> list[str]:
    return cell.metadata.get("tags", [])


_LITERAL_ONLY = re.compile(r"""[\[\](){},\s]*("[^"]*"|'[^']*')?[\[\](){},\s]*""")


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _exercises(nb: nbformat.NotebookNode) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if EXERCISE_TAG in _tags(c)]


def _has_placeholder(source: str) -> bool:
    """True when ``source`` parses and holds a literal ``...`` somewhere."""
    tree = ast.parse(source)
    return any(isinstance(n, ast.Constant) and n.value is Ellipsis for n in ast.walk(tree))


def _calls_a_check(source: str) -> bool:
    """True when ``source`` calls ``checks.<something>(…)``."""
    return any(
        isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id == "checks"
        for n in ast.walk(ast.parse(source))
    )


def _solution_lines(source: str) -> list[str]:
    """The non-blank lines between the solution markers."""
    lines, inside = [], False
    for line in source.splitlines():
        if line.strip() in (BEGIN_SOLUTION, END_SOLUTION):
            inside = line.strip() == BEGIN_SOLUTION
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


@pytest.mark.parametrize("lesson", sorted(MINIMUM_EXERCISES))
def test_enough_exercises(lesson: str):
    paths = sorted(NOTEBOOKS.glob(f"{lesson}-*.ipynb"))
    assert paths, f"no notebook {lesson} in {NOTEBOOKS}"
    count = len(_exercises(_read(paths[0])))
    assert count >= MINIMUM_EXERCISES[lesson], (
        f"{paths[0].name}: {count} exercise(s), at least {MINIMUM_EXERCISES[lesson]} wanted"
    )


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
class TestExercises:
    def test_each_exercise_has_a_placeholder_outside_exactly_one_solution_block(self, path: Path):
        for i in _exercises(nb := _read(path)):
            cell = nb.cells[i]
            assert cell.cell_type == "code", f"{cell.id}: an exercise is a code cell"
            lines = [line.strip() for line in cell.source.splitlines()]
            assert lines.count(BEGIN_SOLUTION) == 1 == lines.count(END_SOLUTION), cell.id
            assert lines.index(BEGIN_SOLUTION) < lines.index(END_SOLUTION), cell.id
            assert _solution_lines(cell.source), f"{cell.id}: the solution block is empty"
            student = without_solutions(cell.source)
            assert _has_placeholder(student), f"{cell.id}: no `...` left for the student"
            ast.parse(cell.source)  # the tutor's cell is valid Python too

    def test_each_exercise_is_followed_by_its_check(self, path: Path):
        nb = _read(path)
        for i in _exercises(nb):
            assert i + 1 < len(nb.cells), f"{nb.cells[i].id}: no cell after the exercise"
            check = nb.cells[i + 1]
            assert check.cell_type == "code", f"{check.id}: the check is a code cell"
            assert CHECK_TAG in _tags(check), f"{check.id}: the cell after an exercise is a check"

    def test_check_cells_are_checked_by_nbval_and_call_one_check(self, path: Path):
        nb = _read(path)
        for cell in (c for c in nb.cells if CHECK_TAG in _tags(c)):
            assert cell.cell_type == "code", cell.id
            assert cell.source.splitlines()[0].strip() == CHECK_MARKER, (
                f"{cell.id}: a check cell starts with {CHECK_MARKER}"
            )
            assert _calls_a_check(cell.source), f"{cell.id}: calls no `checks.…`"

    def test_committed_check_outputs_are_one_tick_line(self, path: Path):
        nb = _read(path)
        for cell in (c for c in nb.cells if CHECK_TAG in _tags(c)):
            lines = printed_lines(cell)
            assert len(lines) == 1 and lines[0].startswith("✓"), f"{cell.id}: {lines}"

    def test_solutions_only_in_exercise_cells(self, path: Path):
        for cell in _read(path).cells:
            if EXERCISE_TAG not in _tags(cell):
                assert BEGIN_SOLUTION not in cell.source, (
                    f"{cell.id}: a solution outside an exercise"
                )
                assert END_SOLUTION not in cell.source, cell.id

    def test_student_edition_keeps_no_solution_and_no_marker(self, path: Path):
        tutor = _read(path)
        student = {c.id: c for c in student_edition(tutor).cells}
        for i in _exercises(tutor):
            cell = tutor.cells[i]
            kept = student[cell.id].source
            assert "SOLUTION" not in kept, f"{cell.id}: a solution marker is left"
            remaining = {line.strip() for line in kept.splitlines()}
            # a line of only a string literal or brackets (a list the exercise shows above) is no
            # solution of its own: what must not leak is code
            leaked = [
                line
                for line in _solution_lines(cell.source)
                if line in remaining and not _LITERAL_ONLY.fullmatch(line)
            ]
            assert not leaked, f"{cell.id}: solution lines left in the student edition: {leaked}"
            assert kept == without_solutions(cell.source), cell.id
