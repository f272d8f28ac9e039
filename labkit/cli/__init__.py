"""`labkit`: one entry point; each sub-command lives in its own module and registers itself."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

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

    So does anything else that escapes a command: an OSError is the user's to fix (a path too
    long, a full disk) and is shown as such; any other exception is a bug in labkit, said in one
    line (`LABKIT_DEBUG=1` shows its traceback).

    rich is imported where it prints (here and in each command): `labkit sqs serve` prints
    through it nothing, and every service start paid its import."""
    _register()
    try:
        try:
            app()  # standalone: click reports usage errors itself (exit 2)
        finally:
            if sys.stdout is not None:  # None: started with stdout closed
                sys.stdout.flush()  # here, where a failed write can still be reported
    except LabError as exc:
        _fail(str(exc), exc.hint)
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as exc:
        _quiet_stdout()
        _fail(_describe_os_error(exc))
    except Exception as exc:
        if os.environ.get("LABKIT_DEBUG"):
            raise
        _fail(
            f"unexpected {type(exc).__name__}: {exc}",
            "this is a bug in labkit; LABKIT_DEBUG=1 shows where",
        )


def _fail(message: str, hint: str | None = None) -> NoReturn:
    """One line on stderr (and a hint), exit status 1."""
    from rich.console import Console
    from rich.markup import escape

    err = Console(stderr=True, emoji=False)
    err.print(f"[red]error:[/red] {escape(one_line(message))}", highlight=False, soft_wrap=True)
    if hint:
        err.print(f"[dim]hint: {escape(one_line(hint))}[/dim]", highlight=False, soft_wrap=True)
    sys.exit(1)


def one_line(text: str, limit: int = 300) -> str:
    """`text` fit for one terminal line: control characters (a newline, an escape sequence that
    came in with the user's input) shown escaped, and long texts cut."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _describe_os_error(exc: OSError) -> str:
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def _quiet_stdout() -> None:
    """stdout could not be written (a closed pipe, a full disk): point it at /dev/null, so the
    interpreter's own flush at exit does not print a second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


@app.command()
def version() -> None:
    """Print labkit's version."""
    from labkit import __version__

    print(__version__)
