"""`taskoverflow serve | worker` (not built yet)."""

import typer

app = typer.Typer(help="TaskOverflow: the todo API and its calendar workers.", no_args_is_help=True)


@app.command()
def version() -> None:
    """Print the version."""
    print("0.1.0")


def main() -> None:
    app()
