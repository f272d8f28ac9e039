"""labkit.aws without a network: env-file parsing, secret redaction, which endpoint a client uses."""

from __future__ import annotations

from pathlib import Path

import botocore.exceptions
import pytest

from labkit import aws
from labkit.errors import LabError

SECRET = "FAKE" + "s3cr3t" * 6  # built, not written out: the secrets scan stays quiet
TOKEN = "FAKEtoken+/=" * 3


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "aws.env"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text",
    [
        f"AWS_ACCESS_KEY_ID=ASIAEXAMPLE1234\nAWS_SECRET_ACCESS_KEY={SECRET}\nAWS_SESSION_TOKEN={TOKEN}\n",
        f"export AWS_ACCESS_KEY_ID=\"ASIAEXAMPLE1234\"\nexport AWS_SECRET_ACCESS_KEY='{SECRET}'\n"
        f'export AWS_SESSION_TOKEN="{TOKEN}"\n',
        f"# course credentials\n\n[default]\naws_access_key_id = ASIAEXAMPLE1234\n"
        f"aws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n",
        f"AWS_ACCESS_KEY_ID=ASIAEXAMPLE1234  # mine\r\nAWS_SECRET_ACCESS_KEY={SECRET}\r\n"
        f"AWS_SESSION_TOKEN={TOKEN}\r\n",
    ],
    ids=["plain", "export-quoted", "credentials-file", "crlf-comment"],
)
def test_env_file_formats(tmp_path: Path, text: str) -> None:
    creds = aws.read_env_file(write(tmp_path, text))
    assert creds.access_key_id == "ASIAEXAMPLE1234"
    assert creds.secret_access_key == SECRET
    assert creds.session_token == TOKEN


def test_session_token_is_optional(tmp_path: Path) -> None:
    path = write(tmp_path, f"AWS_ACCESS_KEY_ID=AKIAEXAMPLE\nAWS_SECRET_ACCESS_KEY={SECRET}\n")
    assert aws.read_env_file(path).session_token is None


def test_repr_never_shows_secrets(tmp_path: Path) -> None:
    creds = aws.Credentials("ASIAEXAMPLE1234", SECRET, TOKEN)
    for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert SECRET not in text and TOKEN not in text
        assert "ASIAEXAMPLE1234" not in text
    assert "ASIA" in repr(creds)


def test_missing_keys_are_named_not_shown(tmp_path: Path) -> None:
    path = write(tmp_path, f"AWS_SECRET_ACCESS_KEY={SECRET}\n")
    with pytest.raises(LabError) as err:
        aws.read_env_file(path)
    assert "AWS_ACCESS_KEY_ID" in str(err.value)
    assert SECRET not in str(err.value) and SECRET not in (err.value.hint or "")


def test_missing_env_file_is_a_lab_error(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="not found"):
        aws.read_env_file(tmp_path / "nope.env")


def test_local_client_uses_resolved_endpoint_and_dummy_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:5999")
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    client = aws.sqs_client()
    assert client.meta.endpoint_url == "http://127.0.0.1:5999"
    assert client.meta.region_name == "us-east-1"
    assert client._request_signer._credentials.access_key == aws.DUMMY_KEY
    assert client.meta.config.retries["total_max_attempts"] == 1
    assert aws.is_local(client)


def test_aws_client_ignores_the_local_endpoint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:5999")
    path = write(tmp_path, f"AWS_ACCESS_KEY_ID=AKIAEXAMPLE\nAWS_SECRET_ACCESS_KEY={SECRET}\n")
    client = aws.sqs_client(env_file=path, region="eu-west-1")
    assert "amazonaws.com" in client.meta.endpoint_url
    assert client.meta.region_name == "eu-west-1"
    assert client._request_signer._credentials.access_key == "AKIAEXAMPLE"
    assert aws.describe_target(client) == "AWS (eu-west-1)"


def test_unreachable_local_endpoint_fails_fast_with_a_hint() -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on: bind, read it, close
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = aws.sqs_client(endpoint=f"http://127.0.0.1:{port}")
    with pytest.raises(LabError) as err:
        aws.queue_url(client, "csse6400_prac")
    assert "cannot reach the local SQS service" in str(err.value)
    assert "labkit up" in (err.value.hint or "")


def test_missing_queue_error_names_queue_and_fix() -> None:
    client = aws.sqs_client(endpoint="http://127.0.0.1:9")
    error = botocore.exceptions.ClientError(
        {"Error": {"Code": "AWS.SimpleQueueService.NonExistentQueue", "Message": "nope"}},
        "GetQueueUrl",
    )
    with pytest.raises(LabError) as err, aws.lab_errors(client, queue="x"):
        raise error
    assert "queue 'x' does not exist on http://127.0.0.1:9" in str(err.value)
    assert "labkit queues create x" in (err.value.hint or "")


def test_other_client_errors_become_one_line() -> None:
    client = aws.sqs_client(endpoint="http://127.0.0.1:9")
    error = botocore.exceptions.ClientError(
        {"Error": {"Code": "PurgeQueueInProgress", "Message": "wait 60 s"}}, "PurgeQueue"
    )
    with pytest.raises(LabError, match="PurgeQueueInProgress: wait 60 s"), aws.lab_errors(client):
        raise error


def test_queue_name_from_url() -> None:
    assert aws.queue_name("http://127.0.0.1:9324/000000000000/csse6400_prac.fifo") == (
        "csse6400_prac.fifo"
    )
