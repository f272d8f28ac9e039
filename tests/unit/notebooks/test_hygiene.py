"""Static checks of the committed notebooks: what students read on the web must be clean.

No secrets, no paths of the author's machine, no error output, a goal first, a `parameters`
cell, outputs from a top-to-bottom run, checked teaching cells, tutor notes only in tagged
markdown cells (so the student edition runs the same code, less the exercises' solutions).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbval.plugin import get_sanitize_patterns

from labkit.editions import TUTOR_TAG, student_edition, without_solutions
from tests.notebooks.harness import SANITIZE, committed_notebooks

NOTEBOOKS = committed_notebooks()
AWS_KEY = re.compile(r"\b(AKIA|ASIA|AROA|AIDA)[0-9A-Z]{16}\b")
AWS_SECRET = re.compile(r"(?i)aws_secret_access_key\W{1,4}[A-Za-z0-9/+=]{40}")
MACHINE_PATH = re.compile(
    r"(?<![\w.])(/work/|/root/|/home/|/Users/|/tmp/|/var/folders/|/private/|[A-Z]:\\\\)"
)
#: The course's "for the teacher" points, each in some tutor cell.
TUTOR_TOPICS = {
    "the monitoring tab": r"monitoring tab",
    "empty receives cost money": r"empty receives?.*(cost|bill|charge|pa(y|id))",
    "access policies": r"access polic",
    "the .fifo suffix": r"\.fifo",
    "destroying resources": r"(destroy|delete) (the |your |all )?(queues|resources)",
}


def _cells(path: Path) -> list[nbformat.NotebookNode]:
    return nbformat.read(path, as_version=4).cells


def _tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def test_the_lessons_are_all_there():
    prefixes = [p.name[:2] for p in NOTEBOOKS]
    assert prefixes == sorted(set(prefixes)), "two notebooks share a lesson number"
    assert {"00", "01", "02", "03", "04"} <= set(prefixes)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
class TestCommittedNotebook:
    def test_valid_and_python3_kernel(self, path: Path):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert nb.metadata["kernelspec"]["name"] == "python3"
        assert "papermill" not in nb.metadata, "run metadata left in (strip it when committing)"

    def test_no_secrets_and_no_machine_paths(self, path: Path):
        text = path.read_text(encoding="utf-8")
        assert not AWS_KEY.search(text), "an AWS access key id"
        assert not AWS_SECRET.search(text), "an AWS secret key"
        found = MACHINE_PATH.findall(text)
        assert not found, f"absolute paths of a machine: {sorted(set(found))}"
        assert "site-packages" not in text

    def test_goal_first(self, path: Path):
        first = _cells(path)[0]
        assert first.cell_type == "markdown"
        assert first.source.startswith("# "), "the first cell is the title"
        assert re.search(r"\*\*Goal", first.source), "the first cell states the goal"

    def test_one_parameters_cell_before_other_code(self, path: Path):
        code = [c for c in _cells(path) if c.cell_type == "code"]
        tagged = [c for c in code if "parameters" in _tags(c)]
        assert len(tagged) == 1
        assert code[0] is tagged[0], "parameters come before any other code"
        assert not any("injected-parameters" in _tags(c) for c in code)

    def test_outputs_from_one_clean_top_to_bottom_run(self, path: Path):
        code = [c for c in _cells(path) if c.cell_type == "code"]
        assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
        for cell in code:
            for out in cell.outputs:
                assert out.output_type != "error", f"{cell.id}: {out.get('ename')}"
                assert out.get("name") != "stderr", f"{cell.id}: stderr: {out.get('text')}"

    def test_teaching_cells_are_checked_and_carry_outputs(self, path: Path):
        checked = [c for c in _cells(path) if "# NBVAL_CHECK_OUTPUT" in c.source]
        assert checked, "no cell marked # NBVAL_CHECK_OUTPUT"
        for cell in checked:
            assert cell.outputs, f"{cell.id} is checked but has no committed output"

    def test_tutor_notes_are_markdown_so_both_editions_run_the_same_code(self, path: Path):
        """The editions differ only by tutor notes (markdown) and the exercises' solutions."""
        nb = nbformat.read(path, as_version=4)
        assert all(c.cell_type == "markdown" for c in nb.cells if TUTOR_TAG in _tags(c))
        strip = re.compile(r"^\s*# NBVAL_[A-Z_]+\s*\n?", re.M)
        full = [
            strip.sub("", without_solutions(c.source)) for c in nb.cells if c.cell_type == "code"
        ]
        student = [c.source for c in student_edition(nb).cells if c.cell_type == "code"]
        assert student == full

    def test_only_nbval_markers_a_papermill_run_honours(self, path: Path):
        """The tutor run is papermill's, compared by nbval's rules: it runs every cell, so
        `NBVAL_SKIP` / `NBVAL_RAISES_EXCEPTION` (and their tags) would not mean what they say."""
        allowed = {"NBVAL_CHECK_OUTPUT", "NBVAL_IGNORE_OUTPUT"}
        for cell in _cells(path):
            used = set(re.findall(r"NBVAL_[A-Z_]+", cell.source))
            assert used <= allowed, f"{cell.get('id')}: {sorted(used - allowed)}"
            tags = {t for t in _tags(cell) if t.startswith("nbval-") or t == "raises-exception"}
            assert tags <= {"nbval-check-output", "nbval-ignore-output"}, cell.get("id")


def test_tutor_cells_cover_the_courses_teacher_notes():
    text = "\n".join(
        c.source for p in NOTEBOOKS for c in _cells(p) if TUTOR_TAG in _tags(c)
    ).lower()
    missing = [name for name, pattern in TUTOR_TOPICS.items() if not re.search(pattern, text)]
    assert not missing, f"no tutor note on: {missing}"


def test_sanitize_file_masks_run_specific_values_only():
    patterns = get_sanitize_patterns(SANITIZE.read_text())
    assert len(patterns) >= 6

    def sanitize(text: str) -> str:
        for regex, replace in patterns:
            text = re.sub(regex, replace, text)
        return text

    sample = json.dumps(
        {
            "MessageId": "0f5c1a52-4c0e-4a57-b2a4-1b2f1c3d4e5f",
            "url": "http://127.0.0.1:51234/000000000000/csse6400_prac",
            "at": "2026-11-28T01:22:30.507145+00:00",
        }
    )
    masked = sanitize(sample)
    assert "0f5c1a52" not in masked and "51234" not in masked and "01:22:30" not in masked
    assert "csse6400_prac" in masked
    teaching = "received 100 messages, 7 inversions, 2 duplicates: [0, 2, 1, 3]"
    assert sanitize(teaching) == teaching
