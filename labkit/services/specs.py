"""The lab's services, each declared once: how it starts, where it listens, how to tell it is ready.

`labkit.stack` starts, checks and stops whatever is declared here without knowing what any one
service is; `labkit.notebook` asks the same probes whether a notebook's services answer. What is
particular to TaskOverflow — the settings it is started with, its transport's readiness (an RQ
worker registers itself in Redis; the SQS worker logs the queue it listens on) — lives in its two
declarations, and reaches the app only through its command line and environment.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from labkit.config import authenticated_redis_url, redis_password_file
from labkit.errors import LabError
from labkit.services.ports import LOOPBACK
from labkit.services.secrets import private_file, read_or_create_password, redact
from labkit.services.valkey import password_config, ping, valkey_command

__all__ = [
    "REDIS",
    "SERVICES",
    "SQS",
    "TASKOVERFLOW",
    "WORKER",
    "Instance",
    "ServiceSpec",
    "by_name",
    "http_ok",
    "log_since_start",
]


@dataclass(frozen=True)
class Instance:
    """One running (or expected) service as its probes see it."""

    url: str | None = None  # what a client connects to (Valkey's with its password)
    pid: int | None = None
    log: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict)  # the settings it was started with


@dataclass(frozen=True, eq=False)
class ServiceSpec:
    """A service of the local stack. Compared by identity: each exists once."""

    name: str
    default_port: int | None  # None: listens on nothing (the worker)
    command: Callable[[int | None, Path], list[str]]  # (port, lab dir) → argv
    ready: Callable[[Instance], bool]  # answers and can take work
    url_format: str | None = "http://{host}:{port}"
    url_env: str | None = None  # the variable that tells clients (and the app) where it is
    login: Callable[[str, Path], str] | None = None  # recorded URL → the URL clients log in with
    diagnose: Callable[[Instance], str | None] | None = None  # why it cannot work; None: it can
    # Settings from the caller's environment that change how the service behaves: recorded by
    # `labkit up`, which says when a later call asks for other values.
    settings: tuple[str, ...] = ()
    setting_defaults: Mapping[str, str] = field(default_factory=dict)  # what it assumes unset
    wired: bool = False  # told where the stores are at start; restarted when they move
    # Settings the service gets unless the caller set them, placed in the lab dir (the app reads
    # no lab files: where its data lives is said to it explicitly).
    lab_defaults: Callable[[Path], Mapping[str, str]] = lambda _lab: {}

    @property
    def port_env(self) -> str:
        return f"LABKIT_{self.name.upper()}_PORT"

    def url(self, port: int | None) -> str | None:
        if port is None or self.url_format is None:
            return None
        return self.url_format.format(host=LOOPBACK, port=port)

    def client_url(self, url: str, lab: Path) -> str:
        return self.login(url, lab) if self.login else url

    def problem(self, instance: Instance) -> str | None:
        if self.diagnose:
            return self.diagnose(instance)
        return None if self.ready(instance) else "not answering"


# ---------------------------------------------------------------- probes


class Unreachable(Exception):
    """A probe got no HTTP reply: refused, timed out, not HTTP, or a malformed URL (the cause is
    chained). One class, so each caller names one exception instead of repeating the list."""


def http_get(url: str, timeout: float = 1.0) -> tuple[int, bytes]:
    """GET `url` once on a fresh connection: (status, body); `Unreachable` if no reply came.

    http.client, not httpx: a probe is one GET to a loopback server, and importing httpx (with
    its CLI: rich, click, pygments) cost every `labkit up|down|status` ~100 ms of CPU at start.
    `timeout` bounds each blocking step (connect, send, each read), as httpx's did. The
    connection is closed after the reply: an idle one would hold up a server's graceful
    shutdown."""
    import http.client  # here: most stack commands never probe
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        connection_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("GET", target, headers={"Connection": "close"})
            reply = connection.getresponse()
            return reply.status, reply.read()
        finally:
            connection.close()
    except (OSError, http.client.HTTPException, ValueError) as exc:  # ValueError: a bad port
        raise Unreachable(type(exc).__name__) from exc


def http_ok(url: str) -> bool:
    """True when `url` answers 200 within a second (refused, timed out, malformed: False)."""
    try:
        return http_get(url)[0] == 200
    except Unreachable:
        return False


def _http_health(path: str) -> Callable[[Instance], bool]:
    """A probe: the service answers 200 on its health route `path`."""

    def answers(instance: Instance) -> bool:
        return instance.url is not None and http_ok(f"{instance.url.rstrip('/')}{path}")

    return answers


def log_since_start(log: Path) -> str:
    """The log written since the process was last started (`spawn_detached` marks each start)."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return ""
    mark = text.rfind("\n--- ")
    return text[mark:] if mark >= 0 else text


# ---------------------------------------------------------------- Valkey (RQ's store)


def _valkey_command(port: int | None, lab: Path) -> list[str]:
    assert port is not None
    data = lab / "valkey"
    data.mkdir(parents=True, exist_ok=True, mode=0o700)
    password = read_or_create_password(redis_password_file(lab))
    config = lab / "secrets" / "valkey.conf"  # the password stays out of the process list
    private_file(config, password_config(password))
    return valkey_command(port, data, persistent=True, config_file=config)


def _valkey_problem(instance: Instance) -> str | None:
    return None if ping(instance.url or "") else "not answering PING"


REDIS = ServiceSpec(
    "redis",
    6379,
    _valkey_command,
    ready=lambda instance: ping(instance.url or ""),
    url_format="redis://{host}:{port}/0",
    url_env="REDIS_URL",
    login=authenticated_redis_url,
    diagnose=_valkey_problem,
)


# ---------------------------------------------------------------- the local SQS service


def _entry_point(name: str) -> str:
    """The console script installed next to this Python (the venv), else the one on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    if found := shutil.which(name):
        return found
    raise LabError(f"`{name}` command not found", hint="install the lab: `make install`")


def _sqs_command(port: int | None, lab: Path) -> list[str]:
    argv = [_entry_point("labkit"), "sqs", "serve", "--host", LOOPBACK, "--port", str(port)]
    if seed := os.environ.get("LABKIT_SQS_SEED"):
        argv += ["--seed", seed]
    # no --queues: `labkit sqs serve` defaults to the checkout's terraform/ (the course's queues)
    (lab / "sqs").mkdir(parents=True, exist_ok=True, mode=0o700)
    return [*argv, "--data-dir", str(lab / "sqs")]  # accepted messages survive a restart


SQS = ServiceSpec(
    "sqs", 9324, _sqs_command, ready=_http_health("/_lab/health"), url_env="AWS_ENDPOINT_URL_SQS"
)


# ---------------------------------------------------------------- TaskOverflow: API and worker

_APP_SETTINGS = ("JOB_TRANSPORT", "ICAL_DELAY_SECONDS", "DATABASE_URL")
_APP_DEFAULTS = {"JOB_TRANSPORT": "rq"}
_APP_HEALTH = "/api/v1/health"
#: What the SQS worker logs once it listens (an RQ worker registers itself in Redis instead).
_SQS_WORKER_READY = "worker on "


def _app_data(lab: Path) -> Mapping[str, str]:
    return {"DATABASE_URL": f"sqlite+aiosqlite:///{lab / 'taskoverflow.db'}"}


def _app_command(port: int | None, lab: Path) -> list[str]:
    return [_entry_point("taskoverflow"), "serve", "--host", LOOPBACK, "--port", str(port)]


def _app_problem(instance: Instance) -> str | None:
    """What the API's health route says is broken (its database, its job queue)."""
    try:
        status, content = http_get(f"{(instance.url or '').rstrip('/')}{_APP_HEALTH}", timeout=5.0)
    except Unreachable as exc:
        return f"not answering ({exc})"
    if status != 200:
        return f"health check answered {status}"
    try:
        body = json.loads(content)
    except ValueError:
        return "health check answered no JSON"
    if not isinstance(body, dict):
        return "health check answered no JSON object"
    if body.get("status") != "ok":
        failing = [
            f"{name}: {body[name]}" for name in ("database", "job_queue") if body.get(name) != "ok"
        ]
        return redact("; ".join(failing) or f"status {body.get('status')!r}")
    return None


def _worker_command(port: int | None, lab: Path) -> list[str]:
    return [_entry_point("taskoverflow"), "worker"]


def _transport(instance: Instance) -> str:
    return instance.env.get("JOB_TRANSPORT") or _APP_DEFAULTS["JOB_TRANSPORT"]


def _rq_registered(pid: int, redis_url: str) -> bool:
    """An RQ worker is ready once it has registered itself in Redis under its own PID."""
    import redis
    from rq import Worker

    conn = redis.Redis.from_url(redis_url, socket_timeout=1)
    try:
        return any(worker.pid == pid for worker in Worker.all(connection=conn))
    except (redis.RedisError, OSError):
        return False
    finally:
        conn.close()


def _worker_ready(instance: Instance) -> bool:
    if _transport(instance) == "rq":
        redis_url = instance.env.get("REDIS_URL")
        if not redis_url or instance.pid is None:
            return True  # nothing to look it up in: alive is all we can check
        return _rq_registered(instance.pid, redis_url)
    if instance.log is None:
        return True
    return _SQS_WORKER_READY in log_since_start(instance.log)


def _worker_problem(instance: Instance) -> str | None:
    rq = _transport(instance) == "rq"
    if rq and not ping(instance.env.get("REDIS_URL") or ""):
        return "cannot reach Redis"
    if _worker_ready(instance):
        return None
    return "not registered in Redis" if rq else "not listening on its queue"


TASKOVERFLOW = ServiceSpec(
    "taskoverflow",
    6400,
    _app_command,
    ready=_http_health(_APP_HEALTH),
    url_env="TASKOVERFLOW_URL",
    diagnose=_app_problem,
    settings=_APP_SETTINGS,
    setting_defaults=_APP_DEFAULTS,
    wired=True,
    lab_defaults=_app_data,
)
WORKER = ServiceSpec(
    "worker",
    None,
    _worker_command,
    ready=_worker_ready,
    url_format=None,
    diagnose=_worker_problem,
    settings=_APP_SETTINGS,
    setting_defaults=_APP_DEFAULTS,
    wired=True,
    lab_defaults=_app_data,
)

SERVICES = (REDIS, SQS, TASKOVERFLOW, WORKER)


def by_name(name: str) -> ServiceSpec:
    for spec in SERVICES:
        if spec.name == name:
            return spec
    raise KeyError(name)
