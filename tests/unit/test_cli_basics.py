"""The CLI starts, answers --help and turns a LabError into one line and exit 1."""

import subprocess
import sys


def run_labkit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from labkit.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_lists_commands() -> None:
    result = run_labkit("--help")
    assert result.returncode == 0
    assert "version" in result.stdout


def test_unknown_command_is_one_clear_error() -> None:
    result = run_labkit("no-such-command")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
