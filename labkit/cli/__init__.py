"""`labkit`: one entry point; each sub-command lives in its own module and registers itself."""

from __future__ import annotations

import sys

import typer

from labkit.errors import LabError

app = typer.Typer(
    help="Queue Lab: the local SQS service, the queue demo and the local stack.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


_registered = False


def _register() -> None:
    """Add every sub-command, once (a second `main()` in one process adds nothing twice)."""
    global _registered
    if _registered:
        return
    from labkit.cli import notebooks, queue_demo, queues, sqs, stack

    for module in (sqs, queue_demo, queues, stack, notebooks):
        module.register(app)
    _registered = True


def main() -> None:
    """Run the CLI; a LabError becomes one red line and exit status 1, never a traceback.

    rich is imported where it prints (here and in each command): `labkit sqs serve` prints
    through it nothing, and every service start paid its import."""
    _register()
    try:
        app()  # standalone: click reports usage errors itself (exit 2)
    except LabError as exc:
        from rich.console import Console

        err = Console(stderr=True)
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        if exc.hint:
            err.print(f"[dim]hint: {exc.hint}[/dim]", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


@app.command()
def version() -> None:
    """Print labkit's version."""
    from labkit import __version__

    print(__version__)
