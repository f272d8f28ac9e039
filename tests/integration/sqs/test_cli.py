"""`labkit sqs serve` as a user meets it: a taken port is one clear line, not a traceback.

A taken port and a served terraform/ directory go through real processes; help, a missing
directory and the lab commands' output run `labkit.cli.main` in this process (`in_process`)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3

from labkit.sqslocal.config import settings
from tests.support.cli import labkit_in_process


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


def in_process(*args: str, **env: str) -> subprocess.CompletedProcess:
    return labkit_in_process("sqs", *args, env={**os.environ, "COLUMNS": "200", **env})


def test_serve_help_lists_the_knobs() -> None:
    result = in_process("serve", "--help")
    assert result.returncode == 0
    derived = [meta.flag or "--" + declared.name.replace("_", "-") for declared, meta in settings()]
    assert {"--seed", "--hosts", "--duplicate-rate", "--strict-order"} <= set(derived)
    for option in ("--port", "--data-dir", "--queues", *derived):
        assert option in result.stdout


def test_queues_come_from_a_terraform_directory(start_sqs_server, tmp_path: Path) -> None:
    """`--queues DIR` creates what DIR declares (DLQ first, redrive policy on this service's
    ARN), and a reset brings exactly those back."""
    (tmp_path / "main.tf").write_text(
        'resource "aws_sqs_queue" "orders" {\n'
        '  name = "orders.fifo"\n'
        "  fifo_queue = true\n"
        "  content_based_deduplication = true\n"
        "  redrive_policy = jsonencode({\n"
        "    deadLetterTargetArn = aws_sqs_queue.dead.arn\n"
        "    maxReceiveCount = 2\n"
        "  })\n"
        "}\n"
        'resource "aws_sqs_queue" "dead" {\n'
        '  name = "orders-dlq.fifo"\n'
        "  fifo_queue = true\n"
        "}\n"
    )
    server = start_sqs_server("--queues", str(tmp_path), "--region", "eu-west-1")
    assert server.lab("POST", "reset")["queues"] == ["orders-dlq.fifo", "orders.fifo"]
    sqs = boto3.client(
        "sqs", region_name="eu-west-1", endpoint_url=server.url,
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    url = sqs.get_queue_url(QueueName="orders.fifo")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ContentBasedDeduplication"] == "true"
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": "arn:aws:sqs:eu-west-1:000000000000:orders-dlq.fifo",
        "maxReceiveCount": 2,
    }


def test_a_missing_queues_directory_is_one_clear_line(tmp_path: Path) -> None:
    result = in_process("serve", "--port", "0", "--queues", str(tmp_path / "nope"))
    assert result.returncode == 1
    assert "no such directory" in result.stderr
    assert "Traceback" not in result.stderr


def run_against(url: str, *args: str) -> subprocess.CompletedProcess:
    return in_process(*args, AWS_ENDPOINT_URL_SQS=url)


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
