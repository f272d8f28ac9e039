"""Where the lab's services are: environment variables first, then `.lab/state.json`, then defaults.

`labkit up` writes the state file; notebooks, the CLI and tests read it through `endpoints()`.
The state file holds no password: the Valkey URL there is completed with the password from
`.lab/secrets/valkey-password`, so `endpoints().redis` is a URL clients can log in with.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from labkit.errors import LabError

DEFAULT_SQS_URL = "http://127.0.0.1:9324"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_TASKOVERFLOW_URL = "http://127.0.0.1:6400"
DEFAULT_REGION = "us-east-1"


def project_root() -> Path:
    """The checkout this package lives in (editable install), else the current directory."""
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").exists():
        return here
    return Path.cwd()


def lab_dir() -> Path:
    """The folder for state, logs and data of the local services (`LAB_DIR` overrides)."""
    return Path(os.environ.get("LAB_DIR") or project_root() / ".lab")


def state_file(lab: Path | None = None) -> Path:
    """What `labkit up` recorded: URLs, ports, process identities, the settings it started with."""
    return (lab or lab_dir()) / "state.json"


def redis_password_file(lab: Path | None = None) -> Path:
    """The Valkey password `labkit up` generated (0600; never printed, never in state.json)."""
    return (lab or lab_dir()) / "secrets" / "valkey-password"


def redis_password(lab: Path | None = None) -> str | None:
    try:
        return redis_password_file(lab).read_text().strip() or None
    except OSError:
        return None


def authenticated_redis_url(url: str, lab: Path | None = None) -> str:
    """The stack's Valkey URL as recorded (no password) plus the password clients need."""
    from labkit.services.secrets import with_password

    return with_password(url, redis_password(lab))


def read_state(lab: Path | None = None) -> dict[str, Any]:
    """The state file's contents; empty when there is none yet (or it is not a JSON object)."""
    try:
        data = json.loads(state_file(lab).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class Endpoints:
    sqs: str
    redis: str
    taskoverflow: str
    region: str


def _http_url(env: str, value: str, example: str) -> str:
    """An endpoint given in the environment, checked here: boto3 and httpx would otherwise fail
    later with their own words (or a traceback) on a typo."""
    try:
        parts = urlsplit(value)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port that is no number, or out of range; a bracket left open
        valid = False
    if not valid:
        raise LabError(f"{env}={value!r} is not an http(s) URL", hint=f"e.g. {env}={example}")
    return value


def endpoints() -> Endpoints:
    """Resolve each service's URL: env var, then the state file `labkit up` wrote, then the default."""
    services = read_state().get("services", {})

    def pick(env: str, key: str, default: str) -> str:
        given = os.environ.get(env)
        if given:
            return _http_url(env, given, example=default)
        return services.get(key, {}).get("url") or default

    redis = os.environ.get("REDIS_URL")
    if not redis:
        recorded = services.get("redis", {}).get("url")
        redis = authenticated_redis_url(recorded) if recorded else DEFAULT_REDIS_URL
    return Endpoints(
        sqs=pick("AWS_ENDPOINT_URL_SQS", "sqs", DEFAULT_SQS_URL),
        redis=redis,
        taskoverflow=pick("TASKOVERFLOW_URL", "taskoverflow", DEFAULT_TASKOVERFLOW_URL),
        region=os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or DEFAULT_REGION,
    )
