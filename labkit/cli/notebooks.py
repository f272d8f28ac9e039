"""`labkit notebooks student|tutor OUTDIR`: build an edition of the lab's notebooks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from labkit.config import project_root

if TYPE_CHECKING:
    from labkit.editions import Edition

notebooks_app = typer.Typer(
    help="Build the student or tutor edition of the notebooks.", no_args_is_help=True
)

SourceOption = Annotated[
    Path | None,
    typer.Option("--source", help="folder holding the notebooks (default: the lab's notebooks/)"),
]
OutArgument = Annotated[Path, typer.Argument(help="folder to write the edition to")]


def _build(edition: Edition, outdir: Path, source: Path | None) -> None:
    from rich.console import Console

    from labkit.editions import build

    written = build(edition, source or project_root() / "notebooks", outdir)
    Console().print(f"{edition} edition: {len(written)} notebooks written to {outdir}")


@notebooks_app.command()
def student(outdir: OutArgument, source: SourceOption = None) -> None:
    """Tutor notes removed, outputs cleared, solutions replaced by their placeholders."""
    _build("student", outdir, source)


@notebooks_app.command()
def tutor(outdir: OutArgument, source: SourceOption = None) -> None:
    """Everything: tutor notes, solutions and the committed outputs."""
    _build("tutor", outdir, source)


@notebooks_app.command()
def execute(
    names: Annotated[
        list[str] | None, typer.Argument(help="notebooks to run (default: all, in order)")
    ] = None,
    outdir: Annotated[
        Path | None,
        typer.Option("--outdir", help="write executed copies here (default: build/notebooks)"),
    ] = None,
    in_place: Annotated[
        bool,
        typer.Option("--in-place", help="refresh the committed outputs (run metadata stripped)"),
    ] = False,
    source: SourceOption = None,
) -> None:
    """Run notebooks top to bottom with papermill against the running lab (`labkit up`)."""
    from rich.console import Console

    from labkit.editions import execute as run
    from labkit.editions import notebooks_in
    from labkit.errors import LabError

    src = source or project_root() / "notebooks"
    if names and not all(n.strip() for n in names):  # "" is in every name: it would run all
        raise LabError("a notebook name may not be empty", hint="leave names out to run every one")
    chosen = [p for p in notebooks_in(src) if not names or any(n in p.name for n in names)]
    if not chosen:
        raise LabError(f"no notebooks match {names} in {src}")
    out = src if in_place else (outdir or project_root() / "build" / "notebooks")
    console = Console()
    for path in chosen:
        seconds = run(path, out / path.name, cwd=src, strip=in_place)
        console.print(f"{path.name}: {seconds:.1f} s → {out / path.name}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `labkit` app."""
    app.add_typer(notebooks_app, name="notebooks")
