"""Where the SQS transport looks for SQS: AWS_ENDPOINT_URL_SQS (or AWS_ENDPOINT_URL), else AWS.

The app reads no state file of the lab's: `labkit up` passes the endpoint in the environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from taskoverflow.config import Settings, SettingsError
from taskoverflow.jobs.sqs_transport import is_local, make_client


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in ("AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL", "SQS_ICAL_QUEUE", "AWS_REGION"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    monkeypatch.setenv("LAB_DIR", str(tmp_path))
    return tmp_path


def test_environment_names_the_endpoint_and_queue(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1111")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:2222")  # the SQS-only one wins
    monkeypatch.setenv("SQS_ICAL_QUEUE", "jobs")
    settings = Settings.load()
    assert (settings.sqs_endpoint, settings.sqs_ical_queue, settings.aws_region) == (
        "http://127.0.0.1:2222",
        "jobs",
        "us-west-2",
    )
    client = make_client(settings)
    assert is_local(client.meta.endpoint_url)
    assert client.meta.endpoint_url == "http://127.0.0.1:2222"


def test_the_lab_state_file_is_not_read(env: Path) -> None:
    (env / "state.json").write_text(json.dumps({"services": {"sqs": {"url": "http://x:1"}}}))
    settings = Settings.load()
    assert settings.sqs_endpoint is None
    assert settings.sqs_ical_queue == "ical"


def test_else_real_aws(env: Path) -> None:
    client = make_client(Settings.load())
    assert not is_local(client.meta.endpoint_url)
    assert client.meta.endpoint_url == "https://sqs.us-west-2.amazonaws.com"


def test_bad_retry_delay_is_a_clear_error(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQS_RETRY_DELAY_SECONDS", "soon")
    with pytest.raises(
        SettingsError, match=r"^SQS_RETRY_DELAY_SECONDS must be a number, got 'soon'$"
    ):
        Settings.load()


def test_negative_retry_delay_means_none(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQS_RETRY_DELAY_SECONDS", "-2")
    assert Settings.load().sqs_retry_delay_seconds == 0
