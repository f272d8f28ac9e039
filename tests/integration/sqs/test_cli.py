"""`labkit sqs serve` as a user meets it: a taken port is one clear line, not a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys


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
