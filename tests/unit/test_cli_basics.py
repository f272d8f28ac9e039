"""The CLI starts, answers --help and turns a LabError into one line and exit 1."""

from tests.support.cli import labkit_cli


def test_help_lists_commands() -> None:
    result = labkit_cli("--help")
    assert result.returncode == 0
    assert "version" in result.stdout


def test_unknown_command_is_one_clear_error() -> None:
    result = labkit_cli("no-such-command")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
