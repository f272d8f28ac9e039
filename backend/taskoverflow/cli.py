"""`taskoverflow serve | worker`: the API on uvicorn, and a calendar worker.

Both read the same settings (env vars, see docs/taskoverflow.md); the worker runs the transport
`JOB_TRANSPORT` names (RQ by default: an RQ worker on queue `ical` against `REDIS_URL`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from taskoverflow.config import Settings

app = typer.Typer(
    help="TaskOverflow: the todo API and its calendar workers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


#: One log format for the CLI and for every server process uvicorn starts (as dictConfig).
LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"level": "INFO", "handlers": ["stderr"]},
}


def _logging() -> None:
    import logging.config

    logging.config.dictConfig(LOG_CONFIG)


class CliError(Exception):
    """A problem the user can fix, shown as one line (and a hint), exit status 1."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def _settings() -> Settings:
    from taskoverflow.config import Settings, SettingsError

    try:
        return Settings.load()
    except SettingsError as exc:
        raise CliError(str(exc), hint="check the environment variables") from None


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="address to bind"),
    port: int = typer.Option(6400, min=0, max=65535, help="port to bind (0: any free port)"),
    workers: int = typer.Option(1, min=1, max=64, help="server processes sharing the port"),
    access_log: bool = typer.Option(False, help="log every request (one line each)"),
) -> None:
    """Serve the API and the web UI on uvicorn (httptools, uvloop), `--workers` processes.
    \f
    (`--help` shows the line above only: what follows is for whoever maintains this.)
    The socket is bound here, before any worker starts, so a taken port is one clear error; it
    accepts connections only once the app has started, so an open port means a ready API.
    One process is the default: SQLite's writes never wait for another process's lock, and
    keep-alive connections cannot pile up on one of several workers (each worker's accept loop
    takes every pending connection it sees, so one of two often holds most clients and its
    requests wait while the other idles). `--workers N` shares the socket among N processes.
    """
    import socket

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from taskoverflow.head_limit import BoundedHeadProtocol

    _logging()
    _settings()  # fail early, with one line, on bad env values
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))  # not listening yet: the server listens once the app has started
    except (OSError, UnicodeError, TypeError, ValueError) as exc:  # taken, or no address
        raise CliError(
            f"cannot serve on {host}:{port}: {exc}", hint="pick another --host or --port"
        ) from None
    sock.set_inheritable(True)
    config = uvicorn.Config(
        "taskoverflow.serving:create_served_app",
        factory=True,
        workers=workers,
        loop="uvloop" if _has_uvloop() else "asyncio",
        http=BoundedHeadProtocol,  # httptools, with a bound on request heads
        lifespan="on",
        access_log=access_log,
        log_config=LOG_CONFIG,  # the same format in every worker process
        # a worker that imports slowly (a loaded machine, no bytecode cache) is not a hung one
        timeout_worker_healthcheck=60,
    )
    log = logging.getLogger("taskoverflow")
    log.info("serving on http://%s:%d with %d worker(s)", host, sock.getsockname()[1], workers)
    with sock:
        if workers == 1:
            # uvicorn shuts down gracefully on SIGTERM, then raises the signal again to die of
            # it; with this handler in place, that second delivery ends the process with status 0
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            uvicorn.Server(config).run(sockets=[sock])
        else:
            Multiprocess(config, sockets=[sock]).run()


def _has_uvloop() -> bool:
    """uvloop is a pinned dependency off Windows: less overhead per request."""
    try:
        import uvloop  # noqa: F401
    except ImportError:  # pragma: no cover - Windows
        return False
    return True


def _redis_connection_error() -> type[Exception]:
    from redis.exceptions import ConnectionError as RedisConnectionError

    return RedisConnectionError


@app.command()
def worker(burst: bool = typer.Option(False, help="exit once the queue is empty")) -> None:
    """Run a calendar worker (RQ on queue `ical` unless JOB_TRANSPORT says otherwise)."""
    from taskoverflow.jobs import JobQueueUnavailable, run_worker

    _logging()
    settings = _settings()
    try:
        run_worker(settings, burst=burst)
    except (ValueError, JobQueueUnavailable) as exc:
        raise CliError(str(exc)) from None
    except (ConnectionError, _redis_connection_error()) as exc:
        raise CliError(
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
        raise CliError(f"migration failed: {exc}", hint="is DATABASE_URL right?") from None
    print(f"database at {revision}")


def _sqlalchemy_error() -> type[Exception]:
    from sqlalchemy.exc import SQLAlchemyError

    return SQLAlchemyError


@app.command()
def version() -> None:
    """Print the version."""
    print("0.1.0")


def main() -> None:
    """Run the CLI: whatever goes wrong is one line and a non-zero exit, never a traceback. An
    OSError is the user's to fix (a path, a full disk); any other exception that escapes is a
    bug, said in one line (`TASKOVERFLOW_DEBUG=1` shows its traceback)."""
    try:
        try:
            app()
        finally:
            if sys.stdout is not None:  # None: started with stdout closed
                sys.stdout.flush()  # here, where a failed write can still be reported
    except CliError as exc:
        _fail(str(exc), exc.hint)
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as exc:
        with contextlib.suppress(OSError, ValueError):  # the exit's own flush: quiet
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        _fail(f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))
    except Exception as exc:
        if os.environ.get("TASKOVERFLOW_DEBUG"):
            raise
        _fail(f"unexpected {type(exc).__name__}: {exc}", "a bug; TASKOVERFLOW_DEBUG=1 shows where")


def _fail(message: str, hint: str | None = None) -> NoReturn:
    """One line on stderr (control characters escaped, long texts cut), exit status 1."""
    from rich.console import Console
    from rich.markup import escape

    def one_line(text: str) -> str:
        shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
        return shown if len(shown) <= 300 else shown[:299] + "…"

    err = Console(stderr=True, emoji=False)  # soft_wrap: one line whatever the terminal's width
    err.print(f"[red]error:[/red] {escape(one_line(message))}", highlight=False, soft_wrap=True)
    if hint:
        err.print(f"[dim]hint: {escape(one_line(hint))}[/dim]", highlight=False, soft_wrap=True)
    sys.exit(1)


if __name__ == "__main__":  # `python -m taskoverflow.cli` (tests use the running interpreter)
    main()
