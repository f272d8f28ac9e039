"""Backends for the differential suite: a moto server subprocess and the lab's own SQS service.

Each test runs once per backend through the `backend` fixture. moto runs as a real HTTP server
(`python -m moto.server`) on a free loopback port, so both sides are reached by boto3 over the
same wire protocol; it is stopped when the session ends.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from labkit.aws import sqs_client
from labkit.services.ports import free_port
from labkit.services.process import terminate


def wait_for_port(port: int, proc: subprocess.Popen, deadline_s: float = 30.0) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"moto server exited with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"moto server did not listen on port {port} within {deadline_s} s")


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "MOTO_CALL_RESET_API": "false"},
    )
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        terminate(proc)


@dataclass
class Backend:
    """One SQS implementation under test, with a helper to make uniquely named queues."""

    name: str  # "moto" or "ours"
    client: Any

    def queue(self, stem: str, fifo: bool = False, **attributes: str) -> str:
        name = f"{stem}-{uuid.uuid4().hex[:8]}" + (".fifo" if fifo else "")
        if fifo:
            attributes = {"FifoQueue": "true", **attributes}
        return self.client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]


@pytest.fixture(scope="session")
def clients() -> dict[str, Any]:
    """One boto3 client per server for the session: each test makes its own uniquely named
    queues, so nothing leaks between tests, and building a client (a boto3 session loading the
    SQS model) cost about as much as a short test."""
    return {}


@pytest.fixture(params=["moto", "ours"])
def backend(request: pytest.FixtureRequest, clients: dict[str, Any]) -> Backend:
    if request.param == "moto":
        url = request.getfixturevalue("moto_url")
    else:
        url = request.getfixturevalue("sqs_server").url
    if url not in clients:
        clients[url] = sqs_client(endpoint=url)
    return Backend(request.param, clients[url])
