"""The CLI starts, answers --help and turns a LabError into one line and exit 1."""

import os
import subprocess
import sys

import pytest

from tests.support.cli import labkit_cli


def test_help_lists_commands() -> None:
    result = labkit_cli("--help")
    assert result.returncode == 0
    assert "version" in result.stdout


def test_unknown_command_is_one_clear_error() -> None:
    result = labkit_cli("no-such-command")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr


def test_output_that_cannot_be_written_is_one_line() -> None:
    with open("/dev/full", "w") as full:  # every write fails: No space left on device
        result = subprocess.run(
            [sys.executable, "-c", "from labkit.cli import main; main()", "version"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr.strip() == "error: No space left on device"


@pytest.mark.parametrize(
    "url", ["notaurl", "ftp://x", "http://127.0.0.1:99999", "http://[::1", "http://"]
)
def test_a_bad_endpoint_in_the_environment_is_named(url: str) -> None:
    result = labkit_cli("sqs", "metrics", env={**os.environ, "AWS_ENDPOINT_URL_SQS": url})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"AWS_ENDPOINT_URL_SQS={url!r} is not an http(s) URL" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("sqs", "serve", "--port", "70000"),
        ("sqs", "advance", "inf"),
        ("queue", "--name", "q", "--client-name", "x", "--count", "1" + "0" * 400),
        ("queue", "--name", "q", "--client-name", "x", "--receive", "--timeout", "1e400"),
    ],
    ids=["port", "advance", "count", "timeout"],
)
def test_out_of_range_numbers_are_usage_errors(args: tuple[str, ...]) -> None:
    result = labkit_cli(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_a_host_that_is_no_address_is_one_line() -> None:
    result = labkit_cli("sqs", "serve", "--host", "\udcff", "--port", "0")
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot listen on \\udcff:0")
    assert "Traceback" not in result.stderr


def test_an_unexpected_exception_is_one_line_naming_it_a_bug() -> None:
    code = (
        "import labkit.cli as cli; from labkit.cli import app\n"
        "@app.command()\n"
        "def boom() -> None:\n"
        "    raise RuntimeError('kaput\\n\\x1b[31m')\n"
        "cli.main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "boom"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "error: unexpected RuntimeError: kaput\\n\\x1b[31m"
    assert "LABKIT_DEBUG" in lines[1] and len(lines) == 2


def test_an_empty_notebook_name_is_refused_not_taken_for_all() -> None:
    result = labkit_cli("notebooks", "execute", "", "--outdir", "/nonexistent-outdir")
    assert result.returncode == 1
    assert result.stderr.startswith("error: a notebook name may not be empty")
