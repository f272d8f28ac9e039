"""`taskoverflow serve | worker`: the API on Hypercorn, and a calendar worker.

Both read the same settings (env vars, see docs/taskoverflow.md); the worker runs the transport
`JOB_TRANSPORT` names (RQ by default: an RQ worker on queue `ical` against `REDIS_URL`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

import typer

from labkit.errors import LabError

app = typer.Typer(
    help="TaskOverflow: the todo API and its calendar workers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _settings():
    from taskoverflow.config import Settings

    try:
        return Settings.load()
    except ValueError as exc:
        raise LabError(str(exc), hint="check the environment variables") from None


def _run_fast(coro) -> None:
    """uvloop when installed (a pinned dependency off Windows): less overhead per request."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        asyncio.run(coro)
    else:
        uvloop.run(coro)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="address to bind"),
    port: int = typer.Option(6400, help="port to bind (0: any free port)"),
) -> None:
    """Serve the API and the web UI on Hypercorn."""
    from hypercorn.asyncio import serve as hypercorn_serve
    from hypercorn.config import Config

    from taskoverflow.app import create_app

    _logging()
    _settings()  # fail early, with one line, on bad env values
    config = Config()
    config.bind = [f"{host}:{port}"]
    config.accesslog = "-"
    config.errorlog = "-"
    application = create_app()
    stop = asyncio.Event()

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await hypercorn_serve(application, config, shutdown_trigger=stop.wait)

    try:
        _run_fast(run())
    except OSError as exc:
        raise LabError(
            f"cannot serve on {host}:{port}: {exc}", hint="pick another --port"
        ) from None


def _redis_connection_error() -> type[Exception]:
    from redis.exceptions import ConnectionError as RedisConnectionError

    return RedisConnectionError


@app.command()
def worker(burst: bool = typer.Option(False, help="exit once the queue is empty")) -> None:
    """Run a calendar worker (RQ on queue `ical` unless JOB_TRANSPORT says otherwise)."""
    from taskoverflow.jobs import run_worker

    _logging()
    settings = _settings()
    try:
        run_worker(settings, burst=burst)
    except ValueError as exc:
        raise LabError(str(exc)) from None
    except (ConnectionError, _redis_connection_error()) as exc:
        raise LabError(
            f"cannot reach the job queue: {exc}", hint="is Redis running? see REDIS_URL"
        ) from None
    _exit_now()


def _exit_now() -> None:
    """Leave without the interpreter's teardown once the worker has closed everything.

    Unloading the few hundred modules a worker imports (boto3, SQLAlchemy, RQ…) took 2-4 s on a
    busy 2-core machine — a SIGTERMed worker then looked hung to `labkit down` and to tests. By
    now every job is finished or handed back and every connection closed; only buffered output
    is left, so that is flushed first.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@app.command()
def migrate(revision: str = typer.Argument("head", help="Alembic revision to go to")) -> None:
    """Bring the database (DATABASE_URL) to the newest schema with Alembic."""
    from taskoverflow.migrations import upgrade

    settings = _settings()
    try:
        asyncio.run(upgrade(settings.database_url, revision))
    except (OSError, _sqlalchemy_error()) as exc:
        raise LabError(f"migration failed: {exc}", hint="is DATABASE_URL right?") from None
    print(f"database at {revision}")


def _sqlalchemy_error() -> type[Exception]:
    from sqlalchemy.exc import SQLAlchemyError

    return SQLAlchemyError


@app.command()
def version() -> None:
    """Print the version."""
    print("0.1.0")


def main() -> None:
    try:
        app()
    except LabError as exc:
        from rich.console import Console

        err = Console(stderr=True)
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        if exc.hint:
            err.print(f"[dim]hint: {exc.hint}[/dim]", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":  # `python -m taskoverflow.cli` (tests use the running interpreter)
    main()
