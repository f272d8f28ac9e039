"""`labkit sqs serve` runs the local SQS service (boto3 and the AWS CLI reach it via
AWS_ENDPOINT_URL_SQS); `labkit sqs reset|advance|metrics` drive its lab extensions from a terminal."""

from __future__ import annotations

import dataclasses
import errno
import functools
import inspect
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import typer

from labkit.errors import LabError
from labkit.sqslocal.config import (
    DEFAULT_FSYNC,
    MAX_CLOCK_ADVANCE,
    EngineConfig,
    FsyncPolicy,
    QueueDeclaration,
    settings,
)

__all__ = ["declared_queues", "register", "sqs_app"]

sqs_app = typer.Typer(
    help="The local SQS service.", no_args_is_help=True, pretty_exceptions_enable=False
)


def _with_settings(command: Callable[..., None]) -> Callable[..., None]:
    """`command` with one option per `EngineConfig` setting, handed to it as `config`.

    The options are derived from the settings' declaration (default, help, range), so a new
    setting needs no edit here."""
    own = inspect.signature(command, eval_str=True)
    parameters = [p for p in own.parameters.values() if p.name != "config"]
    names: list[str] = []
    for declared, meta in settings():
        bounds: dict[str, Any] = {}
        if declared.type in ("int", "float"):
            bounds = {"min": meta.minimum, "max": meta.maximum}
        option = typer.Option(*([meta.flag] if meta.flag else []), help=meta.help, **bounds)
        parameters.append(
            inspect.Parameter(
                declared.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=declared.default,
                annotation=Annotated[type(declared.default), option],
            )
        )
        names.append(declared.name)

    @functools.wraps(command)
    def with_config(**options: Any) -> None:
        config = EngineConfig(**{name: options.pop(name) for name in names})
        command(config=config, **options)

    signature = own.replace(parameters=parameters)
    with_config.__dict__["__signature__"] = signature  # what typer reads the options from
    with_config.__annotations__ = {p.name: p.annotation for p in parameters}
    return with_config


@sqs_app.command()
@_with_settings
def serve(
    config: EngineConfig,
    host: Annotated[str, typer.Option(help="Address to bind (loopback by default).")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port to listen on (0 picks a free one).")
    ] = 9324,
    queues: Annotated[
        Path | None,
        typer.Option(
            help="A Terraform directory: the service creates the aws_sqs_queue resources declared "
            "there, with their attributes, at start and on every reset. Default: the project's "
            "terraform/ when there is one (the course's queues), else none.",
            show_default=False,
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Keep queues and messages across restarts (a snapshot and a journal here)."
        ),
    ] = None,
    fsync: Annotated[
        FsyncPolicy,
        typer.Option(
            help="With --data-dir: sync the journal to disk after every call (always), once a "
            "second (everysec) or when the OS likes (no). A crash of the service loses nothing "
            "acknowledged with any of them; a power cut up to a second with everysec."
        ),
    ] = DEFAULT_FSYNC,
) -> None:
    """Serve the AWS JSON SQS API on HOST:PORT, with the queues declared in --queues."""
    from labkit.config import project_root
    from labkit.sqslocal.errors import SqsError
    from labkit.sqslocal.server import SqsApp, bind, build_engine
    from labkit.sqslocal.server import serve as run

    if not 0 <= port <= 65535:
        raise LabError(f"port {port} is not a TCP port", hint="use 1-65535, or 0 for a free one")
    if queues is None and (project_root() / "terraform").is_dir():
        queues = project_root() / "terraform"
    if queues is not None:
        config = dataclasses.replace(config, initial_queues=declared_queues(queues, config))
    try:
        sock = bind(host, port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise LabError(
                f"port {port} on {host} is already in use",
                hint="is the SQS service already running (`labkit status`)? or pick --port",
            ) from None
        raise LabError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    except (UnicodeError, TypeError, ValueError) as exc:  # no address: undecodable, out of range
        raise LabError(f"cannot listen on {host}:{port}: {exc}") from None
    try:
        engine, journal = build_engine(config, data_dir, fsync)
    except SqsError as exc:  # a declared queue the service refuses
        sock.close()
        raise LabError(f"--queues {queues}: {exc.message}") from None
    except ValueError as exc:  # data written with other knobs, or a snapshot not to be trusted
        sock.close()
        raise LabError(str(exc), hint=getattr(exc, "hint", None)) from None
    except OSError as exc:
        sock.close()
        raise LabError(f"cannot use --data-dir {data_dir}: {exc}") from None
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    print(f"SQS service listening on http://{shown}:{bound_port}", flush=True)
    if journal is not None:
        if journal.replayed:
            print(f"replayed {journal.replayed} journaled calls from {data_dir}", file=sys.stderr)
        for note in journal.notes:
            print(note, file=sys.stderr, flush=True)
    run(SqsApp(engine, journal), sock)


def declared_queues(directory: Path, config: EngineConfig) -> tuple[QueueDeclaration, ...]:
    """The aws_sqs_queue resources of a Terraform directory as the service creates them:
    dead-letter queues first, redrive policies pointing at this service's ARNs.

    Read through the lab dir's cache (`labkit.terraform.remembered`): parsing the same files
    again at every start cost most of a second."""
    from labkit.config import lab_dir
    from labkit.terraform import remembered_queue_specs

    if not directory.is_dir():
        raise LabError(f"--queues {directory}: no such directory", hint="give terraform/")
    declared: list[QueueDeclaration] = []
    specs = remembered_queue_specs(directory, cache_dir=lab_dir() / "cache", region=config.region)
    for spec in specs:
        attributes = dict(spec.attributes)
        if spec.dead_letter_target is not None:
            policy = json.loads(attributes["RedrivePolicy"])
            policy["deadLetterTargetArn"] = config.arn(spec.dead_letter_target)
            attributes["RedrivePolicy"] = json.dumps(policy, separators=(",", ":"))
        declared.append((spec.name, tuple(attributes.items())))
    return tuple(declared)


def _lab(method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
    """Call a /_lab/ endpoint of the running service (found like every other lab client finds it)."""
    from labkit.config import endpoints
    from labkit.sqslocal.lab_client import LabClient

    return LabClient(endpoints().sqs).call(method, path, payload)


@sqs_app.command()
def reset() -> None:
    """Back to the start: only the queues it was started with, empty; RNG reseeded; clock offset 0."""
    result = _lab("POST", "reset")
    print(f"reset: queues {', '.join(result['queues'])}")


@sqs_app.command()
def advance(
    seconds: Annotated[
        float,
        typer.Argument(help="How far to move the service's clock.", min=0, max=MAX_CLOCK_ADVANCE),
    ],
) -> None:
    """Move the service's clock forward (e.g. 300 to let the FIFO de-duplication window pass)."""
    result = _lab("POST", "clock/advance", {"seconds": seconds})
    print(f"clock advanced by {seconds:g} s (total offset {result['offset']:g} s)")


@sqs_app.command()
def metrics(
    queue: Annotated[str | None, typer.Argument(help="One queue (default: all).")] = None,
) -> None:
    """Per-queue counts, like the AWS console's monitoring tab."""
    from rich.console import Console
    from rich.table import Table

    rows = (
        [_lab("GET", f"queues/{quote(queue, safe='')}/metrics")]
        if queue
        else _lab("GET", "queues")["queues"]
    )
    table = Table("queue", "sent", "received", "deleted", "empty receives", "visible", "in flight",
                  "delayed", "dead-lettered")  # fmt: skip
    for row in rows:
        t = row["totals"]
        table.add_row(
            row["queue"], *(str(v) for v in (t["sent"], t["received"], t["deleted"],
            t["empty_receives"], row["visible"], row["in_flight"], row["delayed"], t["dead_lettered"]))
        )  # fmt: skip
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add `labkit sqs …` to the `labkit` app."""
    app.add_typer(sqs_app, name="sqs")
