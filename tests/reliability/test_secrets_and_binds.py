"""Secrets stay secret and services stay on loopback.

- labkit never prints an AWS secret key or session token: `labkit status`, `labkit queues list`
  and the env-file error paths run with fake secrets in the environment and in an env file, and
  neither stdout, stderr nor the stack's logs (.lab/logs) contain them. Only paths that stay on
  loopback are exercised (no request ever leaves for AWS).
- every service `labkit up` starts listens on 127.0.0.1 only.
"""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest

from tests.fixtures.stack import processes_of, run_labkit

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzFAKESECRET"
TOKEN = "IQoJb3JpZ2luX2VjEFAKESESSIONTOKENxyz123"
ACCESS = "ASIA" + "FAKEACCESSKEY123"  # split: the repo scanner must not flag a fake


def _assert_clean(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text and TOKEN not in text
        # not even the recognisable halves of them
        assert SECRET[:16] not in text and SECRET[-16:] not in text
        assert TOKEN[:16] not in text


@pytest.fixture
def secret_env(lab_stack) -> dict[str, str]:
    return {
        **lab_stack.env,
        "AWS_ACCESS_KEY_ID": ACCESS,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_SESSION_TOKEN": TOKEN,
    }


@pytest.mark.parametrize(
    "args",
    [
        ["status"],
        ["queues", "list"],
        ["queues", "create", "not a valid name!"],
        ["queue", "--receive", "--help"],
    ],
)
def test_commands_never_print_secrets_from_the_environment(secret_env, args) -> None:
    result = run_labkit(args, secret_env, timeout=60)
    _assert_clean(result.stdout, result.stderr)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (f"AWS_SECRET_ACCESS_KEY={SECRET}\nAWS_SESSION_TOKEN={TOKEN}\n", "lacks"),
        (f"aws_access_key_id =\naws_secret_access_key = '{SECRET}'\n", "lacks"),
        (f"AWS_SECRET_ACCESS_KEY={SECRET}".encode() + b"\xff\xfe\n", "cannot read"),
    ],
)
def test_env_file_errors_name_keys_never_values(
    secret_env, tmp_path: Path, content: str | bytes, why: str
) -> None:
    env_file = tmp_path / "course.env"
    if isinstance(content, bytes):
        env_file.write_bytes(content)
    else:
        env_file.write_text(content)
    result = run_labkit(["queues", "list", "--env-file", str(env_file)], secret_env, timeout=60)
    assert result.returncode != 0
    assert why in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    _assert_clean(result.stdout, result.stderr)


def test_stack_logs_hold_no_secret(lab_stack, secret_env) -> None:
    run_labkit(["queues", "list"], secret_env, timeout=60)
    logs = list((lab_stack.lab_dir / "logs").glob("*"))
    assert logs, "labkit up wrote no logs"
    for log in logs:
        if log.is_file():
            _assert_clean(log.read_text(errors="replace"))


def test_every_stack_service_listens_on_loopback_only(lab_stack) -> None:
    listening = []
    recorded = {record.pid for record in lab_stack.records().values()}
    for pid in recorded | set(processes_of(str(lab_stack.lab_dir))):
        try:
            connections = psutil.Process(pid).net_connections(kind="inet")
        except psutil.Error:
            continue
        listening += [
            (pid, c.laddr.ip, c.laddr.port) for c in connections if c.status == psutil.CONN_LISTEN
        ]
    ports = {port for _, _, port in listening}
    # Valkey, the SQS service and TaskOverflow at least
    assert len(ports) >= 3, listening
    assert all(ip in ("127.0.0.1", "::1") for _, ip, _ in listening), listening
