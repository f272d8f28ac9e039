"""Settings: explicit config beats env beats defaults; bad values are clear errors."""

from __future__ import annotations

import pytest
from taskoverflow.config import Settings, SettingsError
from taskoverflow.jobs import JobTransport, create_transport

NAMES = (
    "DATABASE_URL",
    "REDIS_URL",
    "ICAL_DELAY_SECONDS",
    "JOB_TRANSPORT",
    "TASKOVERFLOW_DATA_DIR",
)


def test_defaults_need_no_lab(monkeypatch, tmp_path):
    """Without settings the app keeps its SQLite file in the working directory and expects Redis
    on its default port: nothing of the lab's (LAB_DIR, state file) is read."""
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LAB_DIR", str(tmp_path / "lab"))
    monkeypatch.chdir(tmp_path)
    settings = Settings.load()
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path.resolve() / 'taskoverflow.db'}"
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.ical_delay_seconds == 5.0
    assert settings.job_transport == "rq"
    assert settings.rq_lost_grace_seconds == 30  # a dead worker's job is lost within ~30 s
    assert settings.ical_max_backlog == 100
    assert settings.sqs_endpoint is None and settings.sqs_ical_queue == "ical"


def test_data_dir_moves_the_default_database(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("TASKOVERFLOW_DATA_DIR", str(tmp_path))
    assert Settings.load().database_url == f"sqlite+aiosqlite:///{tmp_path / 'taskoverflow.db'}"
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///elsewhere.db")
    assert Settings.load().database_url == "sqlite+aiosqlite:///elsewhere.db"


def test_env_then_config_override(monkeypatch):
    monkeypatch.setenv("ICAL_DELAY_SECONDS", "1.5")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("JOB_TRANSPORT", "")  # empty means not set
    assert Settings.load().ical_delay_seconds == 1.5
    assert Settings.load().redis_url == "redis://127.0.0.1:1/0"
    assert Settings.load().job_transport == "rq"
    overridden = Settings.load({"ICAL_DELAY_SECONDS": 0, "redis_url": "redis://x:2/0", "CLOCK": 1})
    assert (overridden.ical_delay_seconds, overridden.redis_url) == (0.0, "redis://x:2/0")


def test_region_and_endpoint_follow_boto3s_names(monkeypatch):
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_SQS", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9/")
    settings = Settings.load()
    assert (settings.aws_region, settings.sqs_endpoint) == ("eu-west-1", "http://127.0.0.1:9/")
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    assert Settings.load().aws_region == "ap-south-1"
    assert Settings.load({"AWS_REGION": "us-east-2"}).aws_region == "us-east-2"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("ICAL_DELAY_SECONDS", "soon", "^ICAL_DELAY_SECONDS must be a number, got 'soon'$"),
        ("ICAL_DELAY_SECONDS", "-1", "^ICAL_DELAY_SECONDS must be >= 0, got '-1'$"),
        ("ICAL_JOB_TIMEOUT", "1.5", "^ICAL_JOB_TIMEOUT must be a whole number, got '1.5'$"),
        ("ICAL_MAX_BACKLOG", "-1", "ICAL_MAX_BACKLOG must be >= 0"),
        ("RQ_LOST_GRACE_SECONDS", "0", "RQ_LOST_GRACE_SECONDS must be >= 1"),
        ("AWS_REGION", 3, "^AWS_REGION: "),
    ],
)
def test_bad_values(key, value, message):
    with pytest.raises(SettingsError, match=message) as caught:
        Settings.load({key: value})
    assert "\n" not in str(caught.value)


def test_bad_environment_value(monkeypatch):
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "lots")
    with pytest.raises(SettingsError, match=r"^MAX_CONTENT_LENGTH must be a whole number"):
        Settings.load()


def test_transport_is_chosen_by_name():
    transport = create_transport(Settings.load({"REDIS_URL": "redis://127.0.0.1:1/0"}))
    assert isinstance(transport, JobTransport)
    assert transport.name == "rq"
    with pytest.raises(ValueError, match="unknown JOB_TRANSPORT 'sqs-typo'"):
        create_transport(Settings.load({"JOB_TRANSPORT": "sqs-typo"}))
