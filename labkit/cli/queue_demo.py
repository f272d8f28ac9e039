"""`labkit queue`: the ordering and de-duplication demo — the course's publisher/subscriber
container as a command, with the same options, bodies and output lines.

Publishing shows a rich progress bar on stderr; receiving writes one line per message to stdout
(`HH:MM:SS CLIENT: BODY`, or one JSON object with `--json`) so it can be piped, and a closing
count on stderr. Bodies are printed verbatim, never as rich markup.
"""

from __future__ import annotations

import contextlib
import json
from typing import Annotated, Any

import typer

from labkit.cli.aws_options import AwsOption, EnvFileOption, client_for
from labkit.errors import LabError


def queue(
    name: Annotated[str, typer.Option("--name", "-n", help="Queue name, e.g. csse6400_prac.fifo.")],
    client_name: Annotated[
        str,
        typer.Option("--client-name", "-c", help="Who you are: sent as the `client` attribute."),
    ],
    send: Annotated[bool, typer.Option("--send", help="Publish messages (the default).")] = False,
    receive: Annotated[
        bool, typer.Option("--receive", help="Receive, print and delete messages.")
    ] = False,
    prepend: Annotated[
        str, typer.Option("--prepend", help="Text put before each body, e.g. 'A-'.")
    ] = "",
    count: Annotated[
        int | None,
        typer.Option(
            "--count",
            min=1,
            max=1_000_000,
            help="Send: how many (default 100). Receive: stop after this many.",
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            min=0,
            max=86_400,
            help="Receive: stop after this many seconds without one.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Receive: one JSON object per message.")
    ] = False,
    aws: AwsOption = False,
    env_file: EnvFileOption = None,
) -> None:
    """Publish 100 numbered messages to a queue, or receive them (--receive) until Ctrl-C."""
    from labkit.aws import queue_url

    if send and receive:
        raise LabError("choose --send or --receive, not both")
    client = client_for(aws, env_file)
    url = queue_url(client, name)
    if receive:
        _receive(client, name, url, count=count, timeout=timeout, as_json=as_json)
    else:
        _send(client, name, url, client_name=client_name, prepend=prepend, n=count or 100)


def _send(client: Any, name: str, url: str, *, client_name: str, prepend: str, n: int) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from labkit import queue_demo
    from labkit.aws import describe_target, lab_errors

    err = Console(stderr=True, highlight=False)
    progress = Progress(
        TextColumn(f"sending to {name}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
    with progress, lab_errors(client, queue=name):
        task = progress.add_task("send", total=n)
        results = queue_demo.publish(
            client,
            url,
            n,
            client_name=client_name,
            prepend=prepend,
            on_progress=lambda k: progress.advance(task, k),
        )
    failed = [r for r in results if not r.ok]
    if failed:
        first = failed[0]
        raise LabError(
            f"{len(failed)} of {n} messages were not sent (first: {first.body!r}: {first.error})"
        )
    err.print(
        f"sent {n} messages to {name} on {describe_target(client)}", markup=False, soft_wrap=True
    )


def _receive(
    client: Any,
    name: str,
    url: str,
    *,
    count: int | None,
    timeout: float | None,
    as_json: bool,
) -> None:
    from rich.console import Console

    from labkit import queue_demo
    from labkit.aws import describe_target, lab_errors

    err = Console(stderr=True, highlight=False)
    if count is None and timeout is None:
        err.print(
            f"receiving from {name} on {describe_target(client)} — Ctrl-C to stop", markup=False
        )
    got = 0
    try:
        records = queue_demo.iter_receive(client, url, count=count, timeout=timeout)
        # closing(): on Ctrl-C the generator still deletes what it already handed out
        with lab_errors(client, queue=name), contextlib.closing(records):
            for record in records:
                got += 1
                line = json.dumps(record.to_json()) if as_json else record.line()
                print(line, flush=True)
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a subscriber normally stops
    err.print(f"received {got} messages from {name}", markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add `labkit queue` to the `labkit` app."""
    app.command("queue")(queue)
