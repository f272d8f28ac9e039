"""`labkit queue` and `labkit queues` as a student runs them, against the real service.

The local SQS service runs as its own process (the `sqs_server` fixture); `sqs` resets it before
each test and is used here only to set up or inspect what the CLI cannot show. Most commands run
through `labkit.cli.main` in this process (what they do and print is the point); each family also
runs as a real child process (`real_process=True`): the FIFO demo and an unknown queue for
`labkit queue`, `labkit queues create`.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from labkit import analysis
from tests.support.cli import labkit_cli, labkit_in_process

STANDARD = "csse6400_prac"
FIFO = "csse6400_prac.fifo"
LINE = re.compile(r"^\d\d:\d\d:\d\d (.+?): (.*)$")

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def labkit(sqs_server: Any, sqs: Any, tmp_path: Path):
    """Run `labkit …` against the test's SQS service; returns the finished process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LAB_"))} | {
        "AWS_ENDPOINT_URL_SQS": sqs_server.url,
        "LAB_DIR": str(tmp_path / "lab"),
        "COLUMNS": "200",
    }
    for name, attributes in (
        (STANDARD, {}),
        (FIFO, {"FifoQueue": "true", "ContentBasedDeduplication": "true"}),
    ):
        sqs.create_queue(QueueName=name, Attributes=attributes)  # present already: a no-op

    def run(
        *args: str, endpoint: str | None = None, real_process: bool = False
    ) -> subprocess.CompletedProcess:
        run_env = env if endpoint is None else env | {"AWS_ENDPOINT_URL_SQS": endpoint}
        if real_process:
            return labkit_cli(*args, env=run_env, timeout=90)
        return labkit_in_process(*args, env=run_env)

    return run


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def one_line_error(result: subprocess.CompletedProcess) -> str:
    """The CLI failed cleanly: non-zero, no traceback, exactly one `error:` line; returns it."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def printed(result: subprocess.CompletedProcess) -> list[tuple[str, str]]:
    lines = result.stdout.splitlines()
    matches = [LINE.match(line) for line in lines]
    assert all(matches), lines
    return [(m.group(1), m.group(2)) for m in matches if m]


def test_standard_queue_delivers_all_100_out_of_order(labkit) -> None:
    sent = ok(labkit("queue", "--name", STANDARD, "--client-name", "alice"))
    assert f"sent 100 messages to {STANDARD}" in sent.stderr

    got = ok(
        labkit(
            "queue",
            "--name",
            STANDARD,
            "--client-name",
            "bob",
            "--receive",
            "--timeout",
            "1",  # all 100 are sent already; a long poll answers as soon as any is visible
            "--json",
        )
    )
    records = [json.loads(line) for line in got.stdout.splitlines()]
    numbers = [r["number"] for r in records]
    summary = analysis.summarize(numbers)
    assert summary.complete and set(numbers) == set(range(100))  # duplicates allowed, loss not
    assert {r["client"] for r in records} == {"alice"}
    assert all(r["body"] == f"Message {r['number']}" for r in records)
    assert summary.inversions > 0  # the teaching model: a standard queue shows disorder
    assert f"received {len(records)} messages" in got.stderr


def test_fifo_demo_in_order_rerun_dropped_prepend_delivers_again(labkit) -> None:
    receive = ("queue", "--name", FIFO, "--client-name", "bob", "--receive")

    ok(labkit("queue", "--name", FIFO, "--client-name", "Client 1", "--send", real_process=True))
    first = printed(ok(labkit(*receive, "--count", "100", "--timeout", "5", real_process=True)))
    assert first == [("Client 1", f"Message {i}") for i in range(100)]

    ok(labkit("queue", "--name", FIFO, "--client-name", "Client 1"))  # same bodies: de-duplicated
    assert printed(ok(labkit(*receive, "--timeout", "1"))) == []

    ok(labkit("queue", "--name", FIFO, "--client-name", "Client 1", "--prepend", "A-"))
    again = printed(ok(labkit(*receive, "--count", "100", "--timeout", "5")))
    assert again == [("Client 1", f"A-Message {i}") for i in range(100)]


def test_count_sends_that_many(labkit, sqs: Any) -> None:
    ok(labkit("queue", "--name", STANDARD, "--client-name", "c", "--count", "7"))
    url = sqs.get_queue_url(QueueName=STANDARD)["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "7"


def test_message_without_client_attribute_is_printed(labkit, sqs: Any) -> None:
    url = sqs.get_queue_url(QueueName=STANDARD)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello [bold]world[/bold]")
    got = ok(
        labkit(
            "queue",
            "--name",
            STANDARD,
            "--client-name",
            "bob",
            "--receive",
            "--count",
            "1",
            "--timeout",
            "5",
        )
    )
    assert printed(got) == [("<no client>", "hello [bold]world[/bold]")]  # verbatim, no markup


def test_unknown_queue_is_one_clear_line(labkit) -> None:
    result = labkit("queue", "--name", "no-such-queue", "--client-name", "alice", real_process=True)
    line = one_line_error(result)
    assert "queue 'no-such-queue' does not exist" in line
    assert "labkit queues create no-such-queue" in result.stderr


def test_unreachable_endpoint_is_one_clear_line(labkit) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    result = labkit("queue", "--name", STANDARD, "--client-name", "a", "--receive", endpoint=dead)
    line = one_line_error(result)
    assert f"cannot reach the local SQS service at {dead}" in line
    assert "labkit up" in result.stderr


def test_send_and_receive_together_is_an_error(labkit) -> None:
    result = labkit("queue", "--name", STANDARD, "--client-name", "a", "--send", "--receive")
    assert "not both" in one_line_error(result)


def test_queues_create_list_purge_delete(labkit, sqs: Any) -> None:
    created = ok(
        labkit("queues", "create", "demo-q.fifo", "--visibility-timeout", "5", real_process=True)
    )
    assert "created demo-q.fifo" in created.stdout
    url = sqs.get_queue_url(QueueName="demo-q.fifo")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "5" and attrs["ContentBasedDeduplication"] == "true"
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageGroupId="g")

    listing = ok(labkit("queues", "list")).stdout
    row = next(line for line in listing.splitlines() if "demo-q.fifo" in line)
    assert "FIFO" in row and " 3 " in row and "on" in row
    assert STANDARD in listing

    assert "purged demo-q.fifo" in ok(labkit("queues", "purge", "demo-q.fifo")).stdout
    assert "deleted demo-q.fifo" in ok(labkit("queues", "delete", "demo-q.fifo")).stdout
    assert "does not exist" in one_line_error(labkit("queues", "delete", "demo-q.fifo"))


def test_queues_create_rejects_dedup_on_a_standard_queue(labkit) -> None:
    line = one_line_error(labkit("queues", "create", "plain", "--content-dedup"))
    assert "only on FIFO" in line


def test_missing_env_file_is_one_clear_line(labkit, tmp_path: Path) -> None:
    missing = tmp_path / "aws.env"
    result = labkit("queue", "--name", STANDARD, "--client-name", "a", "--env-file", str(missing))
    assert "not found" in one_line_error(result)
