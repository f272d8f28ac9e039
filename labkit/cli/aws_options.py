"""The `--aws` / `--env-file` options the SQS commands share, and the client they choose."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["AwsOption", "EnvFileOption", "client_for"]

AwsOption = Annotated[
    bool, typer.Option("--aws", help="Use real AWS SQS (the usual credential chain).")
]
EnvFileOption = Annotated[
    Path | None,
    typer.Option(
        "--env-file",
        help="The course's env file with AWS_ACCESS_KEY_ID/SECRET/SESSION_TOKEN (implies --aws).",
        dir_okay=False,
    ),
]


# boto3 takes about a second to import: the modules that need it are imported inside the
# commands, so `labkit --help` and the other sub-commands stay quick.
def client_for(aws: bool, env_file: Path | None) -> Any:
    from labkit.aws import sqs_client

    return sqs_client(aws=aws, env_file=env_file)
