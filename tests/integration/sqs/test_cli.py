"""`labkit sqs serve` as a user meets it: a taken port is one clear line, not a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from typing import Any


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "labkit.cli", "sqs", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_port_taken_is_one_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port))
    assert result.returncode == 1
    assert "already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_help_lists_the_knobs() -> None:
    result = run("serve", "--help")
    assert result.returncode == 0
    for option in (
        "--port",
        "--seed",
        "--hosts",
        "--duplicate-rate",
        "--strict-order",
        "--data-dir",
    ):
        assert option in result.stdout


def run_against(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AWS_ENDPOINT_URL_SQS": url, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "labkit.cli", "sqs", *args],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip


def test_lab_commands_drive_the_running_service(sqs: Any, sqs_server) -> None:
    url = sqs.get_queue_url(QueueName="csse6400_prac")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    shown = run_against(sqs_server.url, "metrics", "csse6400_prac")
    assert shown.returncode == 0 and "csse6400_prac" in shown.stdout
    moved = run_against(sqs_server.url, "advance", "300")
    assert moved.returncode == 0
    assert sqs_server.lab("GET", "clock")["offset"] == 300
    assert run_against(sqs_server.url, "reset").returncode == 0
    assert sqs_server.metrics("csse6400_prac")["totals"]["sent"] == 0


def test_lab_commands_without_a_service_are_one_clear_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_against(f"http://127.0.0.1:{port}", "reset")
    assert result.returncode == 1
    assert "does not answer" in result.stderr
    assert "Traceback" not in result.stderr
