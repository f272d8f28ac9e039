"""Where the SQS transport looks for SQS: AWS_ENDPOINT_URL_SQS, else `labkit up`'s state, else AWS."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from taskoverflow.jobs.sqs_transport import SqsSettings, make_client

from labkit.aws import is_local


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in ("AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL", "SQS_ICAL_QUEUE", "AWS_REGION"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    monkeypatch.setenv("LAB_DIR", str(tmp_path))
    return tmp_path


def write_state(lab: Path, url: str) -> None:
    (lab / "state.json").write_text(json.dumps({"services": {"sqs": {"url": url}}}))


def test_environment_wins(lab: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_state(lab, "http://127.0.0.1:1111")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:2222")
    monkeypatch.setenv("SQS_ICAL_QUEUE", "jobs")
    settings = SqsSettings.from_env()
    assert (settings.endpoint, settings.queue, settings.region) == (
        "http://127.0.0.1:2222",
        "jobs",
        "us-west-2",
    )
    assert is_local(make_client(settings))


def test_then_the_service_labkit_up_started(lab: Path) -> None:
    write_state(lab, "http://127.0.0.1:1111")
    settings = SqsSettings.from_env()
    assert settings.endpoint == "http://127.0.0.1:1111"
    assert settings.queue == "ical"


def test_else_real_aws(lab: Path) -> None:
    settings = SqsSettings.from_env()
    assert settings.endpoint is None
    client = make_client(settings)
    assert not is_local(client)
    assert client.meta.endpoint_url == "https://sqs.us-west-2.amazonaws.com"


def test_bad_retry_delay_is_a_clear_error(lab: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQS_RETRY_DELAY_SECONDS", "soon")
    with pytest.raises(ValueError, match="SQS_RETRY_DELAY_SECONDS must be a number"):
        SqsSettings.from_env()
