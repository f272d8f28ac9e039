"""The local stack: start, inspect and stop the services `labkit.services.specs` declares
(Valkey, the SQS service, TaskOverflow and one worker), knowing none of them in particular.

`up` starts only what is not already running (idempotent), on loopback ports (the port it had
last time, else the service's usual port, else the next free port; `LABKIT_<SERVICE>_PORT` pins
one, 0 means "any free port"), waits until each service is healthy within a deadline, and records URLs,
ports and process identities in `<lab dir>/state.json` — the file `labkit.config.endpoints()` reads.
A running API or worker whose Redis/SQS URL is no longer the stack's (Valkey came back on another
port) is restarted. `down` stops exactly the processes recorded there (all, or the services named),
after checking each is still the same process (PID + start time): SIGTERM, then SIGKILL after
`LABKIT_STOP_GRACE` seconds (default 10).

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
import math
import os
import subprocess
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labkit.config import (
    Endpoints,
    endpoints,
    lab_dir,
    read_state,
    state_file,
)
from labkit.errors import LabError
from labkit.services.ports import free_port, next_free_port, port_is_free
from labkit.services.process import ProcessRecord, is_running, live_process, spawn_detached, stop
from labkit.services.secrets import fingerprint, make_private, private_file, redact
from labkit.services.specs import SERVICES, Instance, ServiceSpec

if TYPE_CHECKING:  # rich is imported where it prints: `status` (and `status --json`) never does
    from rich.console import Console
    from rich.progress import Progress, TaskID

__all__ = ["down", "ensure_up", "is_running_entry", "shown_url", "status", "up"]

# Started phase by phase: the services told where the stores are (`wired`) need their URLs, and
# the worker a live Valkey.
PHASES = (
    tuple(spec for spec in SERVICES if not spec.wired),
    tuple(spec for spec in SERVICES if spec.wired),
)
# The settings of the caller's environment that some service is started with, and what each
# service assumes when one is unset.
SETTINGS = tuple(dict.fromkeys(name for spec in SERVICES for name in spec.settings))
SETTING_DEFAULTS = {k: v for spec in SERVICES for k, v in spec.setting_defaults.items()}
#: Seconds a service gets after SIGTERM (to finish its job, compact its journal) before SIGKILL.
#: `LABKIT_STOP_GRACE` sets another: a worker stuck on a Redis address that no longer answers
#: ignores SIGTERM until then, and throw-away stacks (the tests') need not wait that long.
STOP_GRACE_ENV = "LABKIT_STOP_GRACE"
DEFAULT_STOP_GRACE = 10.0

Json = dict[str, Any]


# ---------------------------------------------------------------- state file


def _write_state(lab: Path, state: Mapping[str, Any]) -> None:
    """Atomic replace (a reader never sees half a file), readable by the owner only."""
    private_file(state_file(lab), json.dumps(state, indent=2, sort_keys=True) + "\n")


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


def _record(entry: Mapping[str, Any] | None) -> ProcessRecord | None:
    return ProcessRecord.from_json(entry) if entry else None


# ---------------------------------------------------------------- what a service is given and how it is seen


def _client_url(spec: ServiceSpec, lab: Path, services: Mapping[str, Any]) -> str | None:
    """Where clients reach `spec` (Valkey's URL with its password: never printed or stored)."""
    url = services.get(spec.name, {}).get("url")
    return spec.client_url(url, lab) if url else None


def _instance(
    spec: ServiceSpec,
    entry: Mapping[str, Any],
    lab: Path,
    services: Mapping[str, Any],
    settings: Mapping[str, str],
) -> Instance:
    log = entry.get("log")
    return Instance(
        url=_client_url(spec, lab, services),
        pid=int(entry["pid"]) if "pid" in entry else None,
        log=Path(log) if log else None,
        env={**_service_env(lab, services), **settings},
    )


def _problem(
    spec: ServiceSpec,
    entry: Mapping[str, Any],
    lab: Path,
    services: Mapping[str, Any],
    settings: Mapping[str, str],
) -> str | None:
    """Why a running service cannot do its job (None: it can), checked from what it reaches."""
    # (with Valkey stopped the service's own check says more than an address comparison)
    if spec.wired and any(s.name in services for s in PHASES[0]) and _stale(entry, lab, services):
        return "started with another Redis/SQS address than the stack's; `labkit up` restarts it"
    return spec.problem(_instance(spec, entry, lab, services, settings))


def _service_env(lab: Path, services: Mapping[str, Any]) -> dict[str, str]:
    """The caller's environment (the services' settings among it) plus where the stack's own
    services are — those always win, so the API and worker talk to this stack."""
    env = dict(os.environ)
    env["LAB_DIR"] = str(lab)
    env["PYTHONUNBUFFERED"] = "1"
    for spec in SERVICES:
        if spec.url_env and (url := _client_url(spec, lab, services)):
            env[spec.url_env] = url
        for name, value in spec.lab_defaults(lab).items():
            env.setdefault(name, value)  # the caller's own value wins
    env.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_REGION", "us-east-1"))
    if "AWS_ACCESS_KEY_ID" not in env and not Path("~/.aws/credentials").expanduser().exists():
        # boto3 signs every request; the local SQS service accepts any key.
        env["AWS_ACCESS_KEY_ID"] = "lab-local"
        env["AWS_SECRET_ACCESS_KEY"] = "lab-local"
    return env


def _wiring(lab: Path, services: Mapping[str, Any]) -> str:
    """A digest of the stores' addresses the wired services are given (Valkey's URL with its
    password, the SQS service's URL): when it changes (Valkey came back on another port), a
    running API or worker still talks to the old address and must be restarted."""
    return fingerprint(json.dumps([_client_url(spec, lab, services) for spec in PHASES[0]]))


def _stale(entry: Mapping[str, Any] | None, lab: Path, services: Mapping[str, Any]) -> bool:
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


def _stop_grace() -> float:
    raw = os.environ.get(STOP_GRACE_ENV, "").strip()
    if not raw:
        return DEFAULT_STOP_GRACE
    try:
        grace = float(raw)
    except ValueError:
        grace = math.nan
    if not 0 <= grace <= 3600:  # NaN fails too
        raise LabError(f"{STOP_GRACE_ENV} must be a number of seconds (0-3600), got {raw!r}")
    return grace


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
    proc: subprocess.Popen[bytes] | None  # None: was already running
    started_at: float


def up(
    timeout: float = 60.0,
    console: Console | None = None,
    quiet: bool = False,
    only: Iterable[str] | None = None,
) -> Json:
    """Start every service that is not running, wait until all are healthy; return the state.

    `only` limits this to some services (e.g. `["sqs"]` for the SQS notebooks); default: all.
    A running API or worker whose Redis/SQS address changed is restarted even if not in `only`.

    Raises LabError naming the service and its log file when one fails to start or to become
    healthy within `timeout` seconds; what this call started is stopped again in that case.
    """
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    lab = lab_dir().resolve()
    console = console or Console(stderr=True, quiet=quiet)
    wanted = _select(only)
    grace = _stop_grace()
    with _locked(lab):
        state = read_state(lab)
        services: Json = dict(state.get("services", {}))
        ports: Json = dict(state.get("ports", {}))
        config = {k: os.environ[k] for k in SETTINGS if k in os.environ}
        # what the services run with: a setting the caller leaves unset keeps its recorded value
        recorded = state.get("config", {})
        settings = {k: recorded.get(k, v) for k, v in SETTING_DEFAULTS.items()} | config
        deadline = time.monotonic() + timeout
        started: list[str] = []
        running_before = [s.name for s in SERVICES if is_running_entry(services.get(s.name))]
        _warn_config_drift(console, state, config, running_before)

        def save() -> None:
            state.update(services=services, ports=ports, lab_dir=str(lab))
            kept = {k: settings[k] for k in SETTING_DEFAULTS}
            state["config"] = {k: redact(v) for k, v in {**config, **kept}.items()}
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
                            if spec.wired and _stale(entry, lab, services):
                                console.print(
                                    f"[yellow]restarting {spec.name}[/yellow]: its Redis/SQS "
                                    "address changed",
                                    highlight=False,
                                )
                                if record := _record(entry):
                                    stop(record, grace)
                            elif spec.name in wanted:
                                waiting.append(_Starting(spec, None, time.monotonic()))
                                continue
                            else:
                                continue
                        elif spec.name not in wanted:
                            continue
                        previous = (entry or {}).get("port") or ports.get(spec.name)
                        port = _choose_port(spec, previous)
                        url = spec.url(port)
                        if url:  # the env of this phase's services must include their own URL
                            services[spec.name] = {"url": url, "port": port}
                            ports[spec.name] = port
                        log = lab / "logs" / f"{spec.name}.log"
                        argv = spec.command(port, lab)
                        env = _service_env(lab, services)
                        proc, record = spawn_detached(argv, log, env, cwd=lab)
                        services[spec.name] = {
                            **({"url": url, "port": port} if url else {}),
                            **record.to_json(),
                            "log": str(log),
                            "started_at": time.time(),
                            **({"wiring": _wiring(lab, services)} if spec.wired else {}),
                        }
                        started.append(spec.name)
                        save()  # recorded at once, so `down` can always stop it
                        waiting.append(_Starting(spec, proc, time.monotonic()))
                    _wait_healthy(waiting, lab, services, settings, deadline, timeout, progress)
        except BaseException:
            for name in reversed(started):
                record = _record(services.get(name))
                if record:
                    stop(record, grace)
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


def is_running_entry(entry: Mapping[str, Any] | None) -> bool:
    record = _record(entry)
    return record is not None and is_running(record)


def _wait_healthy(
    waiting: list[_Starting],
    lab: Path,
    services: Mapping[str, Any],
    settings: Mapping[str, str],
    deadline: float,
    timeout: float,
    progress: Progress,
) -> None:
    tasks: dict[str, TaskID] = {}
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
            if spec.ready(_instance(spec, entry, lab, services, settings)):
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
    """A service's URL as printed: one with a password has it masked (`redis://:***@…`)."""
    if url is None:
        return None
    spec = next(spec for spec in SERVICES if spec.name == name)
    return redact(spec.client_url(url, lab or lab_dir().resolve()))


def _warn_config_drift(
    console: Console, state: Mapping[str, Any], new: Mapping[str, str], running: list[str]
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
            changed = key not in SETTING_DEFAULTS  # a default was never fingerprinted
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
    from rich.console import Console

    lab = lab_dir().resolve()
    console = console or Console(stderr=True, quiet=quiet)
    wanted = _select(only)
    grace = _stop_grace()
    stopped: list[str] = []
    with _locked(lab):
        state = read_state(lab)
        services = dict(state.get("services", {}))
        ports = dict(state.get("ports", {}))
        for spec in reversed(SERVICES):
            if spec.name not in wanted:
                continue
            entry = services.pop(spec.name, None) or {}
            if isinstance(entry.get("port"), int):
                ports[spec.name] = entry["port"]
            record = _record(entry)
            if record is None:
                continue
            if stop(record, grace):
                stopped.append(spec.name)
                console.print(f"[green]✓[/green] stopped {spec.name} (pid {record.pid})")
            else:
                console.print(f"[dim]{spec.name} was not running[/dim]")
        state["services"] = services
        state["ports"] = ports
        if state_file(lab).exists():
            _write_state(lab, state)
    if not stopped:
        console.print("nothing to stop")
    return stopped


def status(check_health: bool = True) -> Json:
    """What the state file says, checked against reality: per service url, pid, running, healthy,
    and `problem` — why a running service cannot do its job (e.g. the API cannot reach Redis)."""
    lab = lab_dir().resolve()
    state = read_state(lab)
    services = state.get("services", {})
    settings = {**SETTING_DEFAULTS, **state.get("config", {})}
    report: Json = {spec.name: None for spec in SERVICES if spec.default_port is not None}
    report.update(lab_dir=str(lab), services={})
    for spec in SERVICES:
        entry = services.get(spec.name)
        running = is_running_entry(entry)
        problem = None
        if running and check_health:
            problem = _problem(spec, entry or {}, lab, services, settings)
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
