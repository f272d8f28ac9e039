"""Settings: explicit config beats env beats defaults; bad values are clear errors."""

from __future__ import annotations

import pytest
from taskoverflow.config import Settings
from taskoverflow.jobs import JobTransport, create_transport


def test_defaults_follow_the_lab(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "REDIS_URL", "ICAL_DELAY_SECONDS", "JOB_TRANSPORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LAB_DIR", str(tmp_path))
    settings = Settings.load()
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'taskoverflow.db'}"
    assert settings.redis_url.startswith("redis://")
    assert settings.ical_delay_seconds == 5.0
    assert settings.job_transport == "rq"
    assert settings.rq_lost_grace_seconds == 30  # a dead worker's job is lost within ~30 s
    assert settings.ical_max_backlog == 100


def test_env_then_config_override(monkeypatch):
    monkeypatch.setenv("ICAL_DELAY_SECONDS", "1.5")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    assert Settings.load().ical_delay_seconds == 1.5
    assert Settings.load().redis_url == "redis://127.0.0.1:1/0"
    overridden = Settings.load({"ICAL_DELAY_SECONDS": 0, "redis_url": "redis://x:2/0"})
    assert (overridden.ical_delay_seconds, overridden.redis_url) == (0.0, "redis://x:2/0")


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("ICAL_DELAY_SECONDS", "soon", "ICAL_DELAY_SECONDS"),
        ("ICAL_DELAY_SECONDS", "-1", ">= 0"),
        ("ICAL_JOB_TIMEOUT", "1.5", "ICAL_JOB_TIMEOUT"),
        ("ICAL_MAX_BACKLOG", "-1", "ICAL_MAX_BACKLOG must be >= 0"),
        ("RQ_LOST_GRACE_SECONDS", "0", "RQ_LOST_GRACE_SECONDS must be >= 1"),
    ],
)
def test_bad_values(key, value, message):
    with pytest.raises(ValueError, match=message):
        Settings.load({key: value})


def test_transport_is_chosen_by_name():
    transport = create_transport(Settings.load({"REDIS_URL": "redis://127.0.0.1:1/0"}))
    assert isinstance(transport, JobTransport)
    assert transport.name == "rq"
    with pytest.raises(ValueError, match="unknown JOB_TRANSPORT 'sqs-typo'"):
        create_transport(Settings.load({"JOB_TRANSPORT": "sqs-typo"}))
