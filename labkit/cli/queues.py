"""`labkit queues list|create|purge|delete|redrive`: manage queues on the local service or AWS."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from labkit.cli.aws_options import AwsOption, EnvFileOption, client_for
from labkit.errors import LabError

queues_app = typer.Typer(
    help="List, create, purge and delete SQS queues (local service by default).",
    no_args_is_help=True,
)

_COUNTS = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


def _list_urls(client: Any, prefix: str) -> list[str]:
    from labkit.aws import queue_name

    urls: list[str] = []
    kwargs: dict[str, Any] = {"MaxResults": 1000}
    if prefix:
        kwargs["QueueNamePrefix"] = prefix
    while True:
        reply = client.list_queues(**kwargs)
        urls.extend(reply.get("QueueUrls", []))
        token = reply.get("NextToken")
        if not token:
            return sorted(urls, key=queue_name)
        kwargs["NextToken"] = token


@queues_app.command("list")
def list_queues(
    prefix: Annotated[str, typer.Option("--prefix", help="Only names starting with this.")] = "",
    aws: AwsOption = False,
    env_file: EnvFileOption = None,
) -> None:
    """Show every queue with its type and message counts."""
    from rich.console import Console
    from rich.table import Table

    from labkit.aws import describe_target, lab_errors, queue_name

    client = client_for(aws, env_file)
    table = Table(title=f"SQS queues on {describe_target(client)}")
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("type")
    table.add_column("visible", justify="right")
    table.add_column("in flight", justify="right")
    table.add_column("delayed", justify="right")
    table.add_column("dedup")
    with lab_errors(client):
        urls = _list_urls(client, prefix)
        for url in urls:
            name = queue_name(url)
            with lab_errors(client, queue=name):
                try:
                    attrs = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
                        "Attributes"
                    ]
                except client.exceptions.QueueDoesNotExist:
                    continue  # deleted between list and describe
            fifo = attrs.get("FifoQueue") == "true"
            table.add_row(
                name,
                "FIFO" if fifo else "standard",
                *(attrs.get(key, "?") for key in _COUNTS),
                ("on" if attrs.get("ContentBasedDeduplication") == "true" else "off")
                if fifo
                else "",
            )
    console = Console()
    if urls:
        console.print(table)
    else:
        console.print(
            f"no queues on {describe_target(client)}"
            + (f" starting with {prefix!r}" if prefix else ""),
            markup=False,
        )


@queues_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Queue name; FIFO names end in .fifo.")],
    fifo: Annotated[
        bool, typer.Option("--fifo", help="A FIFO queue (name must end in .fifo).")
    ] = False,
    content_dedup: Annotated[
        bool | None,
        typer.Option(
            "--content-dedup/--no-content-dedup",
            help="FIFO: de-duplicate on the body's SHA-256 (default on, like the course's queue).",
        ),
    ] = None,
    visibility_timeout: Annotated[
        int | None,
        typer.Option("--visibility-timeout", min=0, max=43200, help="Seconds (default 30)."),
    ] = None,
    aws: AwsOption = False,
    env_file: EnvFileOption = None,
) -> None:
    """Create a standard or FIFO queue (re-creating one with the same settings is fine)."""
    from rich.console import Console

    from labkit.aws import lab_errors

    is_fifo = fifo or name.endswith(".fifo")
    if fifo and not name.endswith(".fifo"):
        raise LabError(f"a FIFO queue's name must end in .fifo: {name!r}", hint=f"use {name}.fifo")
    if content_dedup is not None and not is_fifo:
        raise LabError(
            "content-based de-duplication exists only on FIFO queues",
            hint=f"create {name}.fifo instead",
        )
    attributes: dict[str, str] = {}
    if is_fifo:
        attributes["FifoQueue"] = "true"
        attributes["ContentBasedDeduplication"] = "false" if content_dedup is False else "true"
    if visibility_timeout is not None:
        attributes["VisibilityTimeout"] = str(visibility_timeout)
    client = client_for(aws, env_file)
    with lab_errors(client):
        url = client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    Console().print(f"created {name}: {url}", markup=False, highlight=False, soft_wrap=True)


def _act_on_queue(name: str, aws: bool, env_file: Path | None, operation: str, done: str) -> None:
    """Look the queue up by name, call one boto3 operation on it, and say what was done."""
    from rich.console import Console

    from labkit.aws import lab_errors, queue_url

    client = client_for(aws, env_file)
    url = queue_url(client, name)
    with lab_errors(client, queue=name):
        getattr(client, operation)(QueueUrl=url)
    Console().print(f"{done} {name}", markup=False, highlight=False, soft_wrap=True)


@queues_app.command("purge")
def purge(
    name: Annotated[str, typer.Argument(help="Queue to empty.")],
    aws: AwsOption = False,
    env_file: EnvFileOption = None,
) -> None:
    """Delete every message in a queue (SQS allows one purge per queue per 60 s)."""
    _act_on_queue(name, aws, env_file, "purge_queue", "purged")


@queues_app.command("delete")
def delete(
    name: Annotated[str, typer.Argument(help="Queue to delete, with its messages.")],
    aws: AwsOption = False,
    env_file: EnvFileOption = None,
) -> None:
    """Delete a queue and its messages."""
    _act_on_queue(name, aws, env_file, "delete_queue", "deleted")


def _queue_arn(client: Any, name: str) -> str:
    from labkit.aws import lab_errors, queue_url

    url = queue_url(client, name)
    with lab_errors(client, queue=name):
        reply = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    arn: str = reply["Attributes"]["QueueArn"]
    return arn


def _move_status(task: dict[str, Any]) -> str:
    line = (
        f"{task['Status'].lower()}: {task.get('ApproximateNumberOfMessagesMoved', 0)} of "
        f"{task.get('ApproximateNumberOfMessagesToMove', '?')} messages moved"
    )
    if task.get("FailureReason"):
        line += f" ({task['FailureReason']})"
    return line


@queues_app.command("redrive")
def redrive(
    dlq: Annotated[str, typer.Argument(help="The dead-letter queue to move messages out of.")],
    to: Annotated[
        str | None,
        typer.Option("--to", help="Move them to this queue (default: back to their sources)."),
    ] = None,
    rate: Annotated[
        int | None,
        typer.Option(
            "--rate", min=1, max=500, help="Messages per second (default: as fast as SQS likes)."
        ),
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Follow the task until it ends.")
    ] = True,
    aws: AwsOption = False,
    env_file: EnvFileOption = None,
) -> None:
    """Redrive a dead-letter queue: start a message move task (StartMessageMoveTask)."""
    import time

    from rich.console import Console

    from labkit.aws import lab_errors

    client = client_for(aws, env_file)
    source_arn = _queue_arn(client, dlq)
    kwargs: dict[str, Any] = {"SourceArn": source_arn}
    if to is not None:
        kwargs["DestinationArn"] = _queue_arn(client, to)
    if rate is not None:
        kwargs["MaxNumberOfMessagesPerSecond"] = rate
    console = Console(highlight=False, soft_wrap=True)
    with lab_errors(client, queue=dlq):
        client.start_message_move_task(**kwargs)
        console.print(f"redriving {dlq} → {to or 'its source queues'}", markup=False)
        pause = 0.1  # a small DLQ (and the local service) is done in a moment; AWS at 1 s
        while True:
            (task,) = client.list_message_move_tasks(SourceArn=source_arn, MaxResults=1)["Results"]
            if not wait or task["Status"] != "RUNNING":
                break
            time.sleep(pause)
            pause = min(pause * 2, 1.0)
    console.print(_move_status(task), markup=False)
    if task["Status"] == "FAILED":
        raise typer.Exit(1)


@queues_app.command("apply")
def apply(
    directory: Annotated[
        Path, typer.Argument(help="A Terraform directory declaring aws_sqs_queue resources.")
    ] = Path("terraform"),
    var: Annotated[
        list[str] | None, typer.Option("--var", help="Set a Terraform variable: NAME=VALUE.")
    ] = None,
    aws: AwsOption = False,
    env_file: EnvFileOption = None,
) -> None:
    """Create (or bring in line) the queues a Terraform directory declares, without Terraform."""
    from rich.console import Console
    from rich.table import Table

    from labkit import terraform  # parsing HCL is heavy: load it only for this command
    from labkit.aws import describe_target, lab_errors

    variables: dict[str, str] = {}
    for item in var or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise LabError(f"--var wants NAME=VALUE, got {item!r}")
        variables[key] = value
    if not directory.is_dir():
        raise LabError(f"no such directory: {str(directory)!r}")
    client = client_for(aws, env_file)
    with lab_errors(client):
        applied = terraform.apply(directory, client, variables)
    table = Table(title=f"queues from {directory} on {describe_target(client)}")
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("action")
    table.add_column("url", overflow="fold")
    for queue in applied:
        table.add_row(queue.name, queue.action, queue.url)
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add `labkit queues …` to the `labkit` app."""
    app.add_typer(queues_app, name="queues")
