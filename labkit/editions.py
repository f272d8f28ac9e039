"""Student and tutor editions of the notebooks, built from one source; and running them.

The committed notebooks are the tutor edition: they carry outputs (students read them on the web)
and cells tagged ``tutor`` with the course's "for the teacher" notes. The student edition drops
those cells, clears every output and execution count, removes nbval's marker comments and deletes
the tutor's solutions (nbgrader's ``### BEGIN SOLUTION`` … ``### END SOLUTION`` blocks, found in
the cells tagged ``exercise``), leaving the ``...`` placeholder above each: a student starts from
clean cells that still run to the end. Both are plain ``nbformat`` edits; the source never changes.
"""

from __future__ import annotations

import copy
import re
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from labkit.errors import LabError

if TYPE_CHECKING:  # nbformat itself is imported where a notebook is read or written: an error
    # about the arguments (`labkit notebooks … --source nowhere`) needs none of its ~1 s import
    from nbformat import NotebookNode

TUTOR_TAG = "tutor"
EXERCISE_TAG = "exercise"
CHECK_TAG = "check"
#: nbgrader's solution markers: the student edition drops what lies between them (markers too).
BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
EDITIONS = ("student", "tutor")
Edition = Literal["student", "tutor"]

_NBVAL_MARKER = re.compile(r"^\s*# NBVAL_[A-Z_]+\s*$")
_SKIP_DIRS = {".ipynb_checkpoints", "__pycache__"}


def tags(cell: NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def is_tutor_cell(cell: NotebookNode) -> bool:
    return TUTOR_TAG in tags(cell)


def without_solutions(source: str) -> str:
    """``source`` with every ``### BEGIN SOLUTION`` … ``### END SOLUTION`` block removed.

    The placeholder line a student edits (``name = ...  # …``) stands above the block, so what is
    left is a cell that runs and that a check reports as "not done yet". A marker out of place
    (a block never closed, an END without a BEGIN, a BEGIN inside a block) raises a LabError
    rather than guessing: a wrong guess would hand students the solution.
    """
    kept: list[str] = []
    opened_at: int | None = None
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker == BEGIN_SOLUTION:
            if opened_at is not None:
                raise LabError(
                    f"line {number}: {BEGIN_SOLUTION} inside the block opened on line {opened_at}",
                    hint=f"close the first block with {END_SOLUTION}",
                )
            opened_at = number
        elif marker == END_SOLUTION:
            if opened_at is None:
                raise LabError(
                    f"line {number}: {END_SOLUTION} without a {BEGIN_SOLUTION} above it",
                    hint="every solution sits between the two markers, each on its own line",
                )
            opened_at = None
        elif opened_at is None:
            kept.append(line)
    if opened_at is not None:
        raise LabError(
            f"line {opened_at}: a {BEGIN_SOLUTION} block has no {END_SOLUTION}",
            hint=f"end the solution with a line {END_SOLUTION}",
        )
    return "\n".join(kept)


def student_edition(nb: NotebookNode) -> NotebookNode:
    """A copy without tutor cells, solutions, outputs, execution counts or nbval markers."""
    out = copy.deepcopy(nb)
    out.cells = [cell for cell in out.cells if not is_tutor_cell(cell)]
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            try:
                lines = without_solutions(cell.source).splitlines()
            except LabError as exc:
                raise LabError(f"cell {cell.get('id', '?')}: {exc}", hint=exc.hint) from None
            cell.source = "\n".join(line for line in lines if not _NBVAL_MARKER.match(line))
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
    out.metadata.pop("papermill", None)
    return out


def tutor_edition(nb: NotebookNode) -> NotebookNode:
    """The full notebook, tutor notes and outputs included (a faithful copy)."""
    return copy.deepcopy(nb)


def notebooks_in(source: Path) -> list[Path]:
    """The lab's notebooks in lesson order (their names start with the lesson number)."""
    return sorted(p for p in source.glob("*.ipynb") if p.is_file())


def _assets(source: Path) -> Iterable[Path]:
    for path in sorted(source.rglob("*")):
        skipped = _SKIP_DIRS.intersection(path.relative_to(source).parts)
        if path.is_file() and path.suffix != ".ipynb" and not skipped:
            yield path


def build(edition: Edition, source: Path, outdir: Path) -> list[Path]:
    """Write the chosen edition of every notebook in ``source`` (and its other files) to ``outdir``."""
    if edition not in EDITIONS:
        raise LabError(f"unknown edition {edition!r}", hint=f"choose one of {', '.join(EDITIONS)}")
    source, outdir = Path(source), Path(outdir)
    paths = notebooks_in(source) if source.is_dir() else []
    if not paths:
        raise LabError(f"no notebooks found in {source}", hint="pass --source notebooks/")
    if outdir.resolve() == source.resolve():
        raise LabError(
            "the output folder is the source folder", hint="choose another OUTDIR; the source stays"
        )
    import nbformat

    transform = student_edition if edition == "student" else tutor_edition
    editions = {}  # every notebook transformed before anything is written: no half-built edition
    for path in paths:
        nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)  # type: ignore[no-untyped-call]  # nbformat is unannotated
        try:
            editions[path.name] = transform(nb)
        except LabError as exc:
            raise LabError(f"{path.name}: {exc}", hint=exc.hint) from None
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, nb in editions.items():
        nbformat.write(nb, outdir / name)  # type: ignore[no-untyped-call]  # nbformat is unannotated
        written.append(outdir / name)
    for asset in _assets(source):
        target = outdir / asset.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(asset, target)
    return written


def strip_run_metadata(nb: NotebookNode) -> NotebookNode:
    """Remove run-specific metadata (papermill's timings and paths, execution timestamps).

    Outputs stay: they are the lesson a student reads without running anything. Consecutive
    stream outputs are merged (where a kernel flushed mid-cell is chance), so re-running a
    notebook changes only what really changed.
    """
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    coalesce = CoalesceStreamsPreprocessor()  # not type-checked (pyproject: follow_imports=skip)
    nb, _ = coalesce.preprocess(nb, {})
    nb.metadata.pop("papermill", None)
    nb.metadata.get("language_info", {}).pop("version", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
    return nb


def execute(
    source: Path,
    target: Path,
    *,
    parameters: dict[str, Any] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
    strip: bool = False,
) -> float:
    """Run ``source`` top to bottom with papermill, write the executed copy to ``target``.

    Returns the run's duration in seconds. Raises papermill's PapermillExecutionError (which names
    the failing cell) when a cell fails; the partial notebook is still written for inspection.

    The copy is written once, at the end (or at the failure), not before and after every cell as
    papermill does by default: each of those writes serialised and schema-validated the whole
    notebook, images included — about 1 s of CPU per lesson, for a file nobody reads mid-run.
    The kernel is stopped at once when the last cell is done (``immediate``, a SIGKILL to its
    process group) instead of asked to exit: a lesson's own cells stop what it started, and an
    orderly exit only unloaded the kernel's few hundred modules (matplotlib, boto3, pandas…) —
    about 0.8 s of CPU per lesson.
    """
    import nbformat
    import papermill

    source, target = Path(source), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    nb = papermill.execute_notebook(
        str(source),
        str(target),
        parameters=parameters or {},
        kernel_name="python3",
        cwd=str(cwd or source.parent),
        progress_bar=False,
        execution_timeout=timeout,
        request_save_on_cell_execute=False,
        shutdown_kernel="immediate",
    )
    duration = time.monotonic() - started
    if strip:
        nbformat.write(strip_run_metadata(nb), target)  # type: ignore[no-untyped-call]  # nbformat is unannotated
    return duration
