"""`labkit up | down | status`: the local stack (the work is in labkit.stack; this only translates)."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `labkit` app."""
    app.command("up")(up)
    app.command("down")(down)
    app.command("status")(status)


def up(
    timeout: float = typer.Option(60.0, help="seconds to wait for every service to be healthy"),
    only: str = typer.Option(
        "", help="comma-separated subset: redis,sqs,taskoverflow,worker (default: all)"
    ),
) -> None:
    """Start Valkey, the SQS service, TaskOverflow and a worker (only what is not running)."""
    from rich.console import Console

    from labkit import stack

    state = stack.up(timeout=timeout, only=only.split(",") if only else None)
    console = Console()
    for name in ("taskoverflow", "sqs", "redis"):
        url = stack.shown_url(name, state["services"].get(name, {}).get("url"))
        if url:
            console.print(f"{name:<13} {url}", highlight=False)


def down(
    services: Annotated[
        list[str] | None,
        typer.Argument(help="services to stop: redis, sqs, taskoverflow, worker (default: all)"),
    ] = None,
) -> None:
    """Stop the services `labkit up` started (and nothing else); e.g. `labkit down worker`."""
    from labkit import stack

    stack.down(only=services or None)


def status(
    as_json: bool = typer.Option(False, "--json", help="machine-readable: URLs, PIDs and health"),
) -> None:
    """Show where each service is and whether it is healthy."""
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from labkit import stack

    report = stack.status()
    if as_json:
        print(json.dumps(report, indent=2))
        return
    table = Table(title=f"Queue Lab services (logs in {report['lab_dir']})", box=box.SIMPLE_HEAD)
    for column in ("service", "url", "pid"):  # the state and log columns fold first
        table.add_column(column, no_wrap=True)
    table.add_column("state", overflow="fold")
    table.add_column("log", overflow="fold")
    for name, info in report["services"].items():
        if not info["running"]:
            state = "[dim]stopped[/dim]"
        elif info["healthy"]:
            state = "[green]healthy[/green]"
        else:
            state = "[yellow]unhealthy[/yellow]"
            if info.get("problem"):
                state += f": {escape(info['problem'])}"
        table.add_row(
            name,
            stack.shown_url(name, info["url"]) or "",
            str(info["pid"] or "") if info["running"] else "",
            state,
            os.path.relpath(info["log"], report["lab_dir"]) if info["log"] else "",
        )
    Console().print(table)
