"""The local stack: start, inspect and stop Valkey, the SQS service, TaskOverflow and one worker.

`up` starts only what is not already running (idempotent), on loopback ports (the port it had
last time, else the DESIGN §3 default, else the next free port; `LABKIT_<SERVICE>_PORT` pins one, 0
means "any free port"), waits until each service is healthy within a deadline, and records URLs,
ports and process identities in `<lab dir>/state.json` — the file `labkit.config.endpoints()` reads.
A running API or worker whose Redis/SQS URL is no longer the stack's (Valkey came back on another
port) is restarted. `down` stops exactly the processes recorded there (all, or the services named),
after checking each is still the same process (PID + start time).

Secrets: Valkey requires a generated password (`.lab/secrets/`, 0600, passed in a config file so
it is not in the process list); the API and worker get it inside REDIS_URL; state.json and every
message hold URLs without passwords (`redact`). `.lab/` is 0700 and its files 0600.

Supervisors such as honcho or supervisord would keep a foreground parent alive for the whole session;
the lab needs services that outlive the CLI call (and a notebook cell), so this module is the small
hand-written part: detached processes, a state file, health checks.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from labkit.config import (
    Endpoints,
    authenticated_redis_url,
    endpoints,
    lab_dir,
    redis_password_file,
)
from labkit.errors import LabError
from labkit.services.ports import LOOPBACK, free_port, next_free_port, port_is_free
from labkit.services.process import ProcessRecord, is_running, live_process, spawn_detached, stop
from labkit.services.secrets import (
    fingerprint,
    make_private,
    private_file,
    read_or_create_password,
    redact,
)
from labkit.services.valkey import password_config, ping, valkey_command

# Settings given to `labkit up` that change how services behave; recorded so a later `up` can say
# that the running stack was started with other values.
BEHAVIOUR_ENV = ("JOB_TRANSPORT", "ICAL_DELAY_SECONDS", "DATABASE_URL")


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    default_port: int | None  # None: the service listens on nothing (the worker)
    health_path: str | None = None  # HTTP health endpoint, for HTTP services

    @property
    def port_env(self) -> str:
        return f"LABKIT_{self.name.upper()}_PORT"


REDIS = ServiceSpec("redis", 6379)
SQS = ServiceSpec("sqs", 9324, "/_lab/health")
TASKOVERFLOW = ServiceSpec("taskoverflow", 6400, "/api/v1/health")
WORKER = ServiceSpec("worker", None)
SERVICES = (REDIS, SQS, TASKOVERFLOW, WORKER)
# Started phase by phase: the API and the worker need the stores' URLs (and the worker a live Redis).
PHASES = ((REDIS, SQS), (TASKOVERFLOW, WORKER))
# Services told where Valkey and the SQS service are when they start (restarted when that changes).
DEPENDANTS = (TASKOVERFLOW, WORKER)


# ---------------------------------------------------------------- state file


def _state_path(lab: Path) -> Path:
    return lab / "state.json"


def _read_state(lab: Path) -> dict:
    try:
        data = json.loads(_state_path(lab).read_text())
        return data if isinstance(data, dict) else {}
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _write_state(lab: Path, state: dict) -> None:
    """Atomic replace (a reader never sees half a file), readable by the owner only."""
    private_file(_state_path(lab), json.dumps(state, indent=2, sort_keys=True) + "\n")


@contextlib.contextmanager
def _locked(lab: Path) -> Iterator[None]:
    """One `up`/`down` at a time per lab dir (two notebooks calling ensure_up at once)."""
    make_private(lab)
    fd = os.open(lab / "stack.lock", os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _record(entry: Mapping | None) -> ProcessRecord | None:
    return ProcessRecord.from_json(entry) if entry else None


# ---------------------------------------------------------------- commands and health


def _entry_point(name: str) -> str:
    """The console script installed next to this Python (the venv), else the one on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    if found := shutil.which(name):
        return found
    raise LabError(f"`{name}` command not found", hint="install the lab: `make install`")


def _command(spec: ServiceSpec, port: int | None, lab: Path) -> list[str]:
    if spec is REDIS:
        assert port is not None
        data = lab / "valkey"
        data.mkdir(parents=True, exist_ok=True, mode=0o700)
        password = read_or_create_password(redis_password_file(lab))
        config = lab / "secrets" / "valkey.conf"
        private_file(config, password_config(password))
        return valkey_command(port, data, persistent=True, config_file=config)
    if spec is SQS:
        argv = [_entry_point("labkit"), "sqs", "serve", "--host", LOOPBACK, "--port", str(port)]
        if seed := os.environ.get("LABKIT_SQS_SEED"):
            argv += ["--seed", seed]
        (lab / "sqs").mkdir(parents=True, exist_ok=True, mode=0o700)
        return [*argv, "--data-dir", str(lab / "sqs")]  # accepted messages survive a restart
    if spec is TASKOVERFLOW:
        return [_entry_point("taskoverflow"), "serve", "--host", LOOPBACK, "--port", str(port)]
    return [_entry_point("taskoverflow"), "worker"]


def _url(spec: ServiceSpec, port: int | None) -> str | None:
    if port is None:
        return None
    if spec is REDIS:
        return f"redis://{LOOPBACK}:{port}/0"
    return f"http://{LOOPBACK}:{port}"


def _http_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        return httpx.get(url, timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def _worker_ready(pid: int, redis_url: str | None, transport: str) -> bool:
    """An RQ worker is ready once it has registered itself in Redis under its own PID."""
    if transport != "rq" or not redis_url:
        return True  # other transports register nowhere: alive is all we can check
    import redis
    from rq import Worker

    conn = redis.Redis.from_url(redis_url, socket_timeout=1)
    try:
        return any(worker.pid == pid for worker in Worker.all(connection=conn))
    except (redis.RedisError, OSError):
        return False
    finally:
        conn.close()


def _redis_url(lab: Path, services: Mapping) -> str | None:
    """The stack's Valkey URL with its password (for clients; never printed or stored)."""
    url = services.get("redis", {}).get("url")
    return authenticated_redis_url(url, lab) if url else None


def _healthy(
    spec: ServiceSpec, entry: Mapping, lab: Path, services: Mapping, transport: str
) -> bool:
    """Ready to be used: answers its health check (the API: its HTTP health route answers)."""
    if spec is REDIS:
        return ping(authenticated_redis_url(entry["url"], lab))
    if spec.health_path:
        return _http_ok(entry["url"] + spec.health_path)
    return _worker_ready(int(entry["pid"]), _redis_url(lab, services), transport)


def _problem(
    spec: ServiceSpec, entry: Mapping, lab: Path, services: Mapping, transport: str
) -> str | None:
    """Why a running service cannot do its job (None: it can), checked from what it reaches."""
    # (with Valkey stopped the health check below says more than an address comparison)
    if spec in DEPENDANTS and "redis" in services and _stale(entry, lab, services):
        return "started with another Redis/SQS address than the stack's; `labkit up` restarts it"
    if spec is TASKOVERFLOW:
        try:
            reply = httpx.get(entry["url"] + spec.health_path, timeout=5.0)
        except httpx.HTTPError as exc:
            return f"not answering ({type(exc).__name__})"
        if reply.status_code != 200:
            return f"health check answered {reply.status_code}"
        try:
            body = reply.json()
        except ValueError:
            return "health check answered no JSON"
        if body.get("status") != "ok":
            failing = [
                f"{name}: {body[name]}"
                for name in ("database", "job_queue")
                if body.get(name) != "ok"
            ]
            return redact("; ".join(failing) or f"status {body.get('status')!r}")
        return None
    if spec is WORKER and transport == "rq" and not ping(_redis_url(lab, services) or ""):
        return "cannot reach Redis"
    if _healthy(spec, entry, lab, services, transport):
        return None
    return {REDIS: "not answering PING", WORKER: "not registered in Redis"}.get(
        spec, "not answering"
    )


def _service_env(lab: Path, services: Mapping) -> dict[str, str]:
    """The caller's environment (ICAL_DELAY_SECONDS, DATABASE_URL, JOB_TRANSPORT…) plus where the
    stack's own services are — those always win, so the API and worker talk to this stack."""
    env = dict(os.environ)
    env["LAB_DIR"] = str(lab)
    env["PYTHONUNBUFFERED"] = "1"
    # the app reads no lab files: its database (unless the caller chose one) is said explicitly
    env.setdefault("DATABASE_URL", f"sqlite+aiosqlite:///{lab / 'taskoverflow.db'}")
    if url := _redis_url(lab, services):
        env["REDIS_URL"] = url
    if url := services.get("sqs", {}).get("url"):
        env["AWS_ENDPOINT_URL_SQS"] = url
    if url := services.get("taskoverflow", {}).get("url"):
        env["TASKOVERFLOW_URL"] = url
    env.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_REGION", "us-east-1"))
    if "AWS_ACCESS_KEY_ID" not in env and not Path("~/.aws/credentials").expanduser().exists():
        # boto3 signs every request; the local SQS service accepts any key.
        env["AWS_ACCESS_KEY_ID"] = "lab-local"
        env["AWS_SECRET_ACCESS_KEY"] = "lab-local"
    return env


def provision_queues(sqs_url: str) -> list[str]:
    """Create (or bring in line) the queues terraform/ declares on a local SQS service, as
    `terraform apply` does on AWS: TaskOverflow only uses its queue, it never makes it.
    Returns the names of the queues created."""
    from labkit import terraform
    from labkit.aws import sqs_client
    from labkit.config import project_root

    directory = project_root() / "terraform"
    if not directory.is_dir():  # no checkout here: the API's health check names what is missing
        return []
    applied = terraform.apply(directory, sqs_client(endpoint=sqs_url))
    return [queue.name for queue in applied if queue.action == "created"]


def _wiring(lab: Path, services: Mapping) -> str:
    """A digest of the stack's own addresses the API and worker are given (REDIS_URL with its
    password, AWS_ENDPOINT_URL_SQS): when it changes (Valkey came back on another port), a running
    API or worker still talks to the old address and must be restarted."""
    return fingerprint(json.dumps([_redis_url(lab, services), services.get("sqs", {}).get("url")]))


def _stale(entry: Mapping | None, lab: Path, services: Mapping) -> bool:
    """True when a running API/worker was started with other stack addresses than the current —
    or by a labkit that recorded none (before Valkey had a password): restarted once, it gets
    the password too."""
    return (entry or {}).get("wiring") != _wiring(lab, services)


def _choose_port(spec: ServiceSpec, previous: int | None) -> int | None:
    """`LABKIT_<NAME>_PORT` (0 = any free port, preferring the last one), else the port used last
    time, else the default; the next free port when that one is taken."""
    if spec.default_port is None:
        return None
    last = previous if isinstance(previous, int) else None
    wanted = os.environ.get(spec.port_env, "").strip()
    if wanted:
        try:
            port = int(wanted)
        except ValueError:
            raise LabError(f"{spec.port_env} must be a port number, got {wanted!r}") from None
        if port == 0:
            return last if last and port_is_free(last) else free_port()
        if not 0 < port < 65536:
            raise LabError(f"{spec.port_env} must be between 1 and 65535, got {port}")
        if port_is_free(port):
            return port
        raise LabError(
            f"{spec.port_env}={port} but that port is taken",
            hint="choose another port, or unset it to take the next free one",
        )
    if last and port_is_free(last):
        return last
    return next_free_port(spec.default_port)


def _tail(log: Path, lines: int = 3) -> str:
    try:
        text = log.read_text(errors="replace").strip().splitlines()
    except FileNotFoundError:
        return ""
    return redact(" | ".join(line.strip() for line in text[-lines:]))


# ---------------------------------------------------------------- up / down / status


@dataclass
class _Starting:
    spec: ServiceSpec
    proc: subprocess.Popen | None  # None: was already running
    started_at: float


def up(
    timeout: float = 60.0,
    console: Console | None = None,
    quiet: bool = False,
    only: Iterable[str] | None = None,
) -> dict:
    """Start every service that is not running, wait until all are healthy; return the state.

    `only` limits this to some services (e.g. `["sqs"]` for the SQS notebooks); default: all.
    A running API or worker whose Redis/SQS address changed is restarted even if not in `only`.

    Raises LabError naming the service and its log file when one fails to start or to become
    healthy within `timeout` seconds; what this call started is stopped again in that case.
    """
    lab = lab_dir().resolve()
    console = console or Console(stderr=True, quiet=quiet)
    wanted = _select(only)
    with _locked(lab):
        state = _read_state(lab)
        services: dict = dict(state.get("services", {}))
        ports: dict = dict(state.get("ports", {}))
        config = {k: os.environ[k] for k in BEHAVIOUR_ENV if k in os.environ}
        transport = os.environ.get(
            "JOB_TRANSPORT", state.get("config", {}).get("JOB_TRANSPORT", "rq")
        )
        deadline = time.monotonic() + timeout
        started: list[str] = []
        running_before = [s.name for s in SERVICES if is_running_entry(services.get(s.name))]
        _warn_config_drift(console, state, config, running_before)

        def save() -> None:
            state.update(services=services, ports=ports, lab_dir=str(lab))
            state["config"] = {
                k: redact(v) for k, v in {**config, "JOB_TRANSPORT": transport}.items()
            }
            state["config_fingerprints"] = {k: fingerprint(v) for k, v in config.items()}
            _write_state(lab, state)

        try:
            with Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=console,
                transient=False,
            ) as progress:
                for phase in PHASES:
                    waiting: list[_Starting] = []
                    for spec in phase:
                        entry = services.get(spec.name)
                        if is_running_entry(entry):
                            if spec in DEPENDANTS and _stale(entry, lab, services):
                                console.print(
                                    f"[yellow]restarting {spec.name}[/yellow]: its Redis/SQS "
                                    "address changed",
                                    highlight=False,
                                )
                                stop(_record(entry))  # type: ignore[arg-type]
                            elif spec.name in wanted:
                                waiting.append(_Starting(spec, None, time.monotonic()))
                                continue
                            else:
                                continue
                        elif spec.name not in wanted:
                            continue
                        previous = (entry or {}).get("port") or ports.get(spec.name)
                        port = _choose_port(spec, previous)
                        url = _url(spec, port)
                        if url:  # the env of this phase's services must include their own URL
                            services[spec.name] = {"url": url, "port": port}
                            ports[spec.name] = port
                        log = lab / "logs" / f"{spec.name}.log"
                        argv = _command(spec, port, lab)
                        env = _service_env(lab, services)
                        proc, record = spawn_detached(argv, log, env, cwd=lab)
                        services[spec.name] = {
                            **({"url": url, "port": port} if url else {}),
                            **record.to_json(),
                            "log": str(log),
                            "started_at": time.time(),
                            **({"wiring": _wiring(lab, services)} if spec in DEPENDANTS else {}),
                        }
                        started.append(spec.name)
                        save()  # recorded at once, so `down` can always stop it
                        waiting.append(_Starting(spec, proc, time.monotonic()))
                    _wait_healthy(waiting, lab, services, transport, deadline, timeout, progress)
                    if SQS in phase and is_running_entry(services.get(SQS.name)):
                        created = provision_queues(services[SQS.name]["url"])
                        if created:
                            console.print(f"  created from terraform/: {', '.join(created)}")
        except BaseException:
            for name in reversed(started):
                record = _record(services.get(name))
                if record:
                    stop(record)
                services.pop(name, None)
            state["services"] = services
            _write_state(lab, state)
            raise
        save()
        if not started:
            console.print("[green]all services already running[/green] — nothing started")
        return state


def _select(only: Iterable[str] | None) -> set[str]:
    names = {spec.name for spec in SERVICES}
    if only is None:
        return names
    chosen = {name.strip() for name in only if name.strip()}
    if unknown := chosen - names:
        raise LabError(
            f"unknown service(s): {', '.join(sorted(unknown))}",
            hint=f"choose from {', '.join(spec.name for spec in SERVICES)}",
        )
    return chosen


def is_running_entry(entry: Mapping | None) -> bool:
    record = _record(entry)
    return record is not None and is_running(record)


def _wait_healthy(
    waiting: list[_Starting],
    lab: Path,
    services: Mapping,
    transport: str,
    deadline: float,
    timeout: float,
    progress: Progress,
) -> None:
    tasks = {}
    for item in waiting:
        entry = services[item.spec.name]
        where = shown_url(item.spec.name, entry.get("url"), lab) or f"pid {entry['pid']}"
        verb = "starting" if item.proc else "checking"
        tasks[item.spec.name] = progress.add_task(f"  {item.spec.name:<13}{verb} {where}", total=1)
    pending = list(waiting)
    while pending:
        for item in list(pending):
            spec, entry = item.spec, services[item.spec.name]
            log = entry.get("log", "")
            record = _record(entry)
            if (item.proc is not None and item.proc.poll() is not None) or (
                item.proc is None and (record is None or live_process(record) is None)
            ):
                code = item.proc.returncode if item.proc else "?"
                raise LabError(
                    f"{spec.name} exited (status {code}) while starting; see its log: {log}",
                    hint=_tail(Path(log)) or None,
                )
            if _healthy(spec, entry, lab, services, transport):
                where = shown_url(spec.name, entry.get("url"), lab) or f"pid {entry['pid']}"
                progress.update(
                    tasks[spec.name],
                    completed=1,
                    description=f"[green]✓[/green] {spec.name:<13}{where}",
                )
                pending.remove(item)
        if not pending:
            return
        if time.monotonic() > deadline:
            item = pending[0]
            log = services[item.spec.name].get("log", "")
            raise LabError(
                f"{item.spec.name} not healthy after {timeout:.0f}s; see its log: {log}",
                hint=_tail(Path(log)) or None,
            )
        time.sleep(0.1)


def shown_url(name: str, url: str | None, lab: Path | None = None) -> str | None:
    """A service's URL as printed: Valkey's with its password masked (`redis://:***@…`)."""
    if url and name == REDIS.name:
        return redact(authenticated_redis_url(url, lab or lab_dir().resolve()))
    return url


def _warn_config_drift(
    console: Console, state: Mapping, new: Mapping[str, str], running: list[str]
) -> None:
    """Say which settings the running services were started with, when `new` differs.

    Values are compared by fingerprint and shown redacted: DATABASE_URL may hold a password.
    """
    if not running:
        return
    shown = state.get("config", {})
    prints = state.get("config_fingerprints", {})
    for key, value in new.items():
        if key in prints:
            changed = prints[key] != fingerprint(value)
        elif key in shown:  # a state file from before fingerprints (values stored in clear)
            changed = redact(shown[key]) != redact(value)
        else:
            changed = key != "JOB_TRANSPORT"
        if changed:
            console.print(
                f"[yellow]note:[/yellow] the running services were started with "
                f"{key}={redact(shown.get(key, '(unset)'))}; run `labkit down` first to apply "
                f"{key}={redact(value)}",
                highlight=False,
            )


def down(
    console: Console | None = None, quiet: bool = False, only: Iterable[str] | None = None
) -> list[str]:
    """Stop the services recorded in the state file (only if still the same processes).

    `only` names the services to stop (e.g. `["worker"]`); default: all. Their ports stay
    recorded, so the next `up` takes them again.
    """
    lab = lab_dir().resolve()
    console = console or Console(stderr=True, quiet=quiet)
    wanted = _select(only)
    stopped: list[str] = []
    with _locked(lab):
        state = _read_state(lab)
        services = dict(state.get("services", {}))
        ports = dict(state.get("ports", {}))
        for spec in reversed(SERVICES):
            if spec.name not in wanted:
                continue
            entry = services.pop(spec.name, None)
            if isinstance((entry or {}).get("port"), int):
                ports[spec.name] = entry["port"]  # type: ignore[index]
            record = _record(entry)
            if record is None:
                continue
            if stop(record):
                stopped.append(spec.name)
                console.print(f"[green]✓[/green] stopped {spec.name} (pid {record.pid})")
            else:
                console.print(f"[dim]{spec.name} was not running[/dim]")
        state["services"] = services
        state["ports"] = ports
        if _state_path(lab).exists():
            _write_state(lab, state)
    if not stopped:
        console.print("nothing to stop")
    return stopped


def status(check_health: bool = True) -> dict:
    """What the state file says, checked against reality: per service url, pid, running, healthy,
    and `problem` — why a running service cannot do its job (e.g. the API cannot reach Redis)."""
    lab = lab_dir().resolve()
    state = _read_state(lab)
    services = state.get("services", {})
    transport = state.get("config", {}).get("JOB_TRANSPORT", "rq")
    report: dict = {spec.name: None for spec in SERVICES if spec.default_port is not None}
    report.update(lab_dir=str(lab), services={})
    for spec in SERVICES:
        entry = services.get(spec.name)
        running = is_running_entry(entry)
        problem = None
        if running and check_health:
            problem = _problem(spec, entry, lab, services, transport)  # type: ignore[arg-type]
        report["services"][spec.name] = {
            "url": (entry or {}).get("url"),
            "pid": (entry or {}).get("pid"),
            "running": running,
            "healthy": bool(running and check_health and problem is None),
            "problem": problem,
            "log": (entry or {}).get("log"),
        }
        if spec.default_port is not None:
            report[spec.name] = (entry or {}).get("url") if running else None
    return report


def ensure_up(
    deadline: float = 60.0, quiet: bool = True, only: Iterable[str] | None = None
) -> Endpoints:
    """For notebooks: start the stack if needed, wait until healthy, return where everything is."""
    up(timeout=deadline, quiet=quiet, only=only)
    return endpoints()


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll `check` until it is true or `timeout` seconds pass (for tests and notebooks)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(interval)
    return check()
