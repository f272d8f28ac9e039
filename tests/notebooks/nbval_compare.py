"""nbval's `--nbval-lax` comparison, applied to a notebook papermill has already executed.

The tutor edition is executed once, by papermill (test_execute.py). Instead of letting nbval run
every notebook a second time, this module applies nbval's own rules to that run:

- which cells are checked: nbval's marker parsing (`find_comment_markers`, `find_metadata_tags`),
  with `--nbval-lax`'s default (only `# NBVAL_CHECK_OUTPUT` / `nbval-check-output` cells);
- how stream chunks are merged: nbval's `coalesce_streams`, on both sides;
- whether two outputs match and how a difference is worded: nbval's `IPyNbCell.compare_outputs`,
  with its `sanitize` and the versioned sanitize file (tests/notebooks/sanitize.cfg).

Written by hand, and why: nbval offers that comparison only as a method of its pytest item, which
needs a running kernel to be built. `_NbvalCell` lends the method the attributes it reads (the
skip list, the sanitize patterns, the colours, and a pytest hook that leaves nbval to print the
two outputs in its own layout) and nothing else. nbval is pinned in
pyproject.toml, and test_nbval.py runs real nbval beside this module on the same notebooks, so a
new nbval that compares differently fails a test instead of passing silently.
"""

from __future__ import annotations

import copy
from collections import OrderedDict, defaultdict
from pathlib import Path
from types import SimpleNamespace

import nbformat
from nbval.plugin import (
    IPyNbCell,
    coalesce_streams,
    find_comment_markers,
    find_metadata_tags,
    get_sanitize_patterns,
    nocolors,
)

#: nbval's skip list (IPyNbFile.__init__ in nbval 0.11.0, without --nbdime): keys never compared.
#: Pictures are not compared either: they are checked through the numbers they are drawn from.
SKIP_COMPARE = (
    "metadata",
    "traceback",
    "prompt_number",
    "output_type",
    "name",
    "execution_count",
    "application/vnd.jupyter.widget-view+json",
    "image/png",
    "image/jpeg",
)
#: nbval options a papermill run cannot honour (papermill runs every cell and stops at an error).
UNSUPPORTED = ("skip", "check_exception")


def nbval_options(cell: nbformat.NotebookNode) -> dict[str, bool]:
    """The options nbval gives a code cell under `--nbval-lax` (comments win over tags)."""
    options: dict[str, bool] = defaultdict(bool, find_metadata_tags(cell.get("metadata", {})))
    options.update(dict(find_comment_markers(cell.source)))
    options.setdefault("check", False)  # --nbval-lax: only marked cells are compared
    return options


class _NbvalCell:
    """Just enough of nbval's IPyNbCell for its comparison methods to run."""

    compare_outputs = IPyNbCell.compare_outputs
    format_output_compare = IPyNbCell.format_output_compare
    sanitize = IPyNbCell.sanitize
    colors = nocolors
    #: No pytest here to pretty-print a diff: nbval then uses its own reference/test layout.
    ihook = SimpleNamespace(pytest_assertrepr_compare=lambda **_: [])
    config = None

    def __init__(self, patterns: list[tuple[str, str]]) -> None:
        self.parent = SimpleNamespace(
            skip_compare=SKIP_COMPARE, sanitize_patterns=OrderedDict(patterns)
        )
        self.comparison_traceback: list[str] = []


def sanitize_patterns(path: Path) -> list[tuple[str, str]]:
    return get_sanitize_patterns(Path(path).read_text(encoding="utf-8"))


def _code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """Code cells, without the one papermill injects for parameters."""
    return [
        c
        for c in nb.cells
        if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
    ]


def differences(
    committed: nbformat.NotebookNode,
    executed: nbformat.NotebookNode,
    patterns: list[tuple[str, str]],
) -> list[str]:
    """Where ``executed`` does not reproduce ``committed``'s checked outputs, in nbval's words.

    An empty list means nbval (`--nbval-lax` with these sanitize patterns) would pass every cell.
    """
    found: list[str] = []
    reference, run = _code_cells(committed), _code_cells(executed)
    if [c.source for c in reference] != [c.source for c in run]:
        return ["the executed notebook's code cells are not the committed ones"]
    for ref_cell, run_cell in zip(reference, run, strict=True):
        where = f"cell {ref_cell.get('id', '?')}"
        options = nbval_options(ref_cell)
        unsupported = [name for name in UNSUPPORTED if options.get(name)]
        if unsupported:
            found.append(
                f"{where}: nbval option {unsupported} is not supported by the papermill run"
            )
            continue
        if not options["check"] or ref_cell.execution_count is None:
            continue  # nbval compares only checked cells whose reference has run
        cell = _NbvalCell(patterns)
        ref_outputs = coalesce_streams(copy.deepcopy(ref_cell.outputs))
        run_outputs = coalesce_streams(copy.deepcopy(run_cell.outputs))
        if not cell.compare_outputs(run_outputs, ref_outputs):
            found.append(f"{where}: Cell outputs differ\n" + "\n".join(cell.comparison_traceback))
    return found
