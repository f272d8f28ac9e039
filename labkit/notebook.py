"""What a notebook imports to reach the lab: one `setup()` call, then clients and small helpers.

Services are started *outside* the kernel: `setup()` checks the ones a notebook needs and, when
one is missing, asks `labkit.stack.ensure_up` to start the stack (the same code as `labkit up`)
with a deadline — never `!cmd &`, whose processes die with the kernel and whose failures vanish.
Endpoints come from `labkit.config.endpoints()`, so a test run points the notebooks at its own
services through the environment variables (`AWS_ENDPOINT_URL_SQS`, `REDIS_URL`,
`TASKOVERFLOW_URL`). The lab's extensions of the SQS service (metrics, clock, reset under
`/_lab/`) are wrapped here so notebooks read as lessons, not HTTP plumbing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labkit.config import Endpoints, endpoints, lab_dir
from labkit.errors import LabError
from labkit.services import specs
from labkit.services.process import launch
from labkit.services.specs import Instance

if TYPE_CHECKING:  # httpx is imported where a client is made: notebook 03 never makes one
    import httpx

    from labkit.sqslocal.lab_client import LabClient

__all__ = [
    "JobStack",
    "Lab",
    "distinct",
    "missing_services",
    "setup",
    "side_by_side",
    "start_celery_worker",
    "start_taskoverflow",
    "start_worker",
    "stop_process",
    "stop_processes",
    "wait_for",
    "wait_ready",
    "watch",
    "with_redis_db",
]

#: What a notebook may need: the services clients reach by URL (the worker is reached through them).
SERVICES = tuple(spec.name for spec in specs.SERVICES if spec.url_env)


def missing_services(needs: Iterable[str], ends: Endpoints | None = None) -> list[str]:
    """The services among ``needs`` that do not answer at their resolved endpoints."""
    ends = ends or endpoints()
    return [
        name for name in needs if not specs.by_name(name).ready(Instance(url=getattr(ends, name)))
    ]


@dataclass
class Lab:
    """The services one notebook talks to, and the clients for them."""

    endpoints: Endpoints
    aws: bool = False
    env_file: str | None = None
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    # --- clients -------------------------------------------------------------------------
    def sqs(self) -> Any:
        """A boto3 SQS client: the local service, or AWS when the notebook asked for it."""
        if "sqs" not in self._clients:
            from labkit.aws import sqs_client

            if self.aws:
                self._clients["sqs"] = sqs_client(aws=True, env_file=self.env_file)
            else:
                self._clients["sqs"] = sqs_client(endpoint=self.endpoints.sqs)
        return self._clients["sqs"]

    def redis(self) -> Any:
        """A redis-py client for the Valkey server RQ uses."""
        if "redis" not in self._clients:
            import redis

            self._clients["redis"] = redis.Redis.from_url(self.endpoints.redis)
        return self._clients["redis"]

    def api(self) -> httpx.Client:
        """An HTTP client whose base URL is TaskOverflow's `/api/v1`."""
        if "api" not in self._clients:
            import httpx

            base = f"{self.endpoints.taskoverflow.rstrip('/')}/api/v1"
            self._clients["api"] = httpx.Client(base_url=base, timeout=10.0)
        client: httpx.Client = self._clients["api"]
        return client

    # --- the local SQS service's lab extensions -------------------------------------------
    def _lab(self) -> LabClient:
        if self.aws:
            raise LabError(
                "/_lab/ exists only on the local SQS service",
                hint="AWS has no such switch: skip this cell when running against AWS",
            )
        from labkit.sqslocal.lab_client import LabClient

        return LabClient(self.endpoints.sqs)

    def reset(self, seed: int | None = None) -> Any:
        """Empty the local service (the course's queues come back) and re-seed its model.

        The service re-seeds with the seed it was started with (`labkit sqs serve --seed N`);
        a different ``seed`` is refused rather than silently ignored, so a notebook's output
        never claims a seed it did not use.
        """
        if seed is not None:
            running = self._lab().config().get("seed")
            if running != seed:
                raise LabError(
                    f"the SQS service runs with seed {running}, not {seed}",
                    hint=f"set seed = {running} in the parameters cell, or restart the service "
                    f"with `labkit sqs serve --seed {seed}`",
                )
        return self._lab().reset()

    def metrics(self, queue: str) -> Any:
        """Per-queue counters like the console's monitoring tab: `totals` of sent, received,
        deleted, empty receives…, plus per-minute buckets and the current depth."""
        return self._lab().metrics(queue)

    def events(self, queue: str) -> list[dict[str, Any]]:
        """Each message's life on one queue, oldest first: dicts with `time` (service clock),
        `message_id`, `event` (sent, received, visible, deleted, dead-lettered, moved, expired,
        purged), `receive_count` and `group_id` (FIFO, else None)."""
        return self._lab().events(queue)

    def advance_clock(self, seconds: float) -> Any:
        """Move the local service's clock forward (e.g. past the 5-minute de-duplication window)."""
        return self._lab().advance_clock(seconds)

    def close(self) -> None:
        for client in self._clients.values():
            close = getattr(client, "close", None)
            if close:
                close()
        self._clients.clear()


def setup(
    needs: Sequence[str] = ("sqs",),
    *,
    aws: bool = False,
    env_file: str | None = None,
    start: bool = True,
    deadline: float = 60.0,
) -> Lab:
    """Make sure the services a notebook ``needs`` answer, starting the local stack if not.

    With ``aws=True`` (or an ``env_file``) SQS calls go to real AWS and the local SQS service is
    not required. Raises a LabError naming what is missing when the deadline passes.
    """
    unknown = sorted(set(needs) - set(SERVICES))
    if unknown:
        raise LabError(f"unknown service(s) {unknown}", hint=f"choose from {list(SERVICES)}")
    aws = aws or env_file is not None
    local_needs = [n for n in needs if not (aws and n == "sqs")]
    missing = missing_services(local_needs)
    if missing and start:
        try:
            from labkit.stack import ensure_up
        except ImportError as exc:  # the stack module is part of the lab; say so plainly
            raise LabError(
                f"not running: {', '.join(missing)}", hint="start the lab with `labkit up`"
            ) from exc
        ensure_up(deadline=deadline)
        stop = time.monotonic() + deadline
        while (missing := missing_services(local_needs)) and time.monotonic() < stop:
            time.sleep(0.2)
    if missing:
        raise LabError(
            f"not running: {', '.join(missing)}",
            hint=f"run `labkit up` in a terminal (logs under {lab_dir() / 'logs'})",
        )
    return Lab(endpoints=endpoints(), aws=aws, env_file=env_file)


# --- RQ workers for notebook 03 ---------------------------------------------------------------
def start_worker(
    queue: str,
    *,
    name: str,
    redis_url: str,
    burst: bool = True,
    simple: bool = True,
    log: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start an RQ worker as a separate process (as in production), listening on ``queue``.

    ``simple`` runs each job inside the worker process (RQ's SimpleWorker) instead of forking a
    work horse per job as RQ's default Worker does (only SpawnWorker starts a fresh Python): the
    same import-by-name rules, less work per job.
    ``burst`` makes the worker exit once the queue is empty, so a notebook can wait for it.
    Both classes are RQ's, from `labkit.notebook_workers` (which says why: a second saved at exit).
    """
    argv = [sys.executable, "-c", "from rq.cli import main; main()", "worker", "--url", redis_url]
    argv += ["--name", name, "--quiet"]
    if burst:
        argv.append("--burst")
    worker_class = "SimpleWorker" if simple else "Worker"
    argv += ["--worker-class", f"labkit.notebook_workers.{worker_class}"]
    argv.append(queue)
    return launch(argv, env=os.environ, log=log)


def wait_for(processes: Iterable[subprocess.Popen[bytes]], timeout: float = 30.0) -> list[int]:
    """Wait for burst workers to finish; stop (and report) any still running at the deadline."""
    stop = time.monotonic() + timeout
    codes = []
    for proc in processes:
        try:
            codes.append(proc.wait(max(stop - time.monotonic(), 0.01)))
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(5)
            raise LabError(f"a worker was still busy after {timeout:g} s and was stopped") from None
    return codes


def watch(
    read_state: Callable[[], str],
    *,
    until: Iterable[str],
    timeout: float = 30.0,
    interval: float = 0.02,
) -> list[tuple[float, str]]:
    """Poll ``read_state`` until it returns one of ``until``; return ``(seconds, state)`` samples."""
    final = set(until)
    start = time.monotonic()
    samples: list[tuple[float, str]] = []
    while True:
        now = time.monotonic() - start
        state = read_state()
        samples.append((now, state))
        if state in final:
            return samples
        if now > timeout:
            raise LabError(f"still {state!r} after {timeout:g} s")
        time.sleep(interval)


def distinct(states: Iterable[str]) -> list[str]:
    """The states in the order first seen, consecutive repeats dropped: queued → started → …"""
    out: list[str] = []
    for state in states:
        if not out or out[-1] != state:
            out.append(state)
    return out


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> int:
    """Stop a worker this notebook started (SIGTERM: a warm shutdown; SIGKILL after ``timeout``)."""
    from labkit.services.process import terminate

    terminate(proc, timeout=timeout)
    return proc.returncode


# --- a Celery worker for notebook 04 (the course's code) ---------------------------------------
#: Runs Celery's own command line in a process that SIGTERMs itself after a deadline: a Celery
#: worker has no burst mode, and a kernel that dies before its stop cell must not leave it behind.
#: Once Celery's warm shutdown is done the process leaves without the interpreter's teardown of
#: the few hundred modules it imported (0.7 s of a 1.7 s stop on a busy machine), output flushed
#: first. (The other second is kombu draining its last 1-second BRPOP when it closes the broker
#: connection: the course's configuration, left alone.)
_CELERY_WITH_DEADLINE = """\
import logging, os, signal, sys, threading
deadline = float(sys.argv.pop(1))
timer = threading.Timer(deadline, os.kill, (os.getpid(), signal.SIGTERM))
timer.daemon = True
timer.start()
from celery.__main__ import main
try:
    main()
except SystemExit as done:
    code = done.code
else:
    code = None
logging.shutdown()
sys.stdout.flush()
sys.stderr.flush()
os._exit(0 if code is None else code if isinstance(code, int) else 1)
"""


def start_celery_worker(
    app: str,
    *,
    name: str,
    env: dict[str, str] | None = None,
    deadline: float = 120.0,
    log: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start a Celery worker for ``app`` (``module:attribute``) as a separate process.

    ``--pool solo`` runs tasks in the worker process itself (no forked children), and gossip,
    mingle and heartbeat are off: one worker needs none of them, and they cost seconds of start-up.
    The worker stops itself (warm shutdown) ``deadline`` seconds after it starts; stop it earlier
    with `stop_process`. ``env`` is added to this process's environment (e.g. the broker URL).
    """
    argv = [sys.executable, "-c", _CELERY_WITH_DEADLINE, f"{deadline:g}", "-A", app, "worker"]
    argv += ["--pool", "solo", "--hostname", f"{name}@%h", "--loglevel", "INFO"]
    argv += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return launch(argv, env={**os.environ, **(env or {})}, log=log)


def side_by_side(columns: dict[str, str]) -> Any:
    """Source code in columns, one per title (the course's code beside ours), as notebook HTML."""
    from html import escape

    from IPython.display import HTML

    head = "".join(f"<th style='text-align:left'>{escape(title)}</th>" for title in columns)
    cells = "".join(
        f"<td style='vertical-align:top'><pre style='font-size:85%'>{escape(code)}</pre></td>"
        for code in columns.values()
    )
    table = f"<table><tr>{head}</tr><tr>{cells}</tr></table>"
    return HTML(table)  # not type-checked (pyproject: follow_imports=skip)


# --- notebook 05: a TaskOverflow of the notebook's own, and workers it may kill ---------------
@dataclass
class JobStack:
    """One TaskOverflow API with its own port, SQLite file and ``JOB_TRANSPORT``, and the calendar
    workers a notebook starts beside it — separate processes, as in production, so a cell can
    SIGKILL one in the middle of a job. The lab's own stack (``labkit up``) is left alone."""

    transport: str
    url: str
    database: Path
    env: dict[str, str]
    directory: Path
    server: subprocess.Popen[bytes]
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def api(self) -> httpx.Client:
        """An HTTP client whose base URL is this API's `/api/v1`."""
        import httpx

        return httpx.Client(base_url=f"{self.url}/api/v1", timeout=10.0)

    def log(self, name: str) -> Path:
        return self.directory / f"{self.transport}-{name}.log"

    def start_worker(self, name: str, **env: Any) -> subprocess.Popen[bytes]:
        """`taskoverflow worker` on this stack's transport; ``env`` adds settings (e.g. a delay)."""
        if name in self.workers and self.workers[name].poll() is None:
            raise LabError(f"worker {name!r} is already running")
        log = self.log(name)
        log.write_bytes(b"")
        self.workers[name] = _spawn(
            ["worker"], {**self.env, **{k: str(v) for k, v in env.items()}}, log
        )
        return self.workers[name]

    def is_ready(self) -> bool:
        """The API answers and every worker started so far listens (or has already exited)."""
        if not specs.TASKOVERFLOW.ready(Instance(url=self.url)):
            return False
        return all(self._worker_ready(name) for name in self.workers)

    def _worker_ready(self, name: str) -> bool:
        proc = self.workers[name]
        if proc.poll() is not None:
            return True  # killed or finished: nothing to wait for
        return specs.WORKER.ready(Instance(pid=proc.pid, log=self.log(name), env=self.env))

    def log_lines(self, name: str, containing: str) -> list[str]:
        """Worker ``name``'s log messages that mention ``containing``, without the timestamp,
        level and logger name that start each line (those change from run to run)."""
        found = []
        for line in self.log(name).read_text(errors="replace").splitlines():
            if containing in line:
                found.append(line.split(": ", 1)[-1] if ": " in line else line)
        return found

    def worker_with(self, job_id: str) -> str | None:
        """The running worker whose log says it took job ``job_id`` (None until one has)."""
        for name, proc in self.workers.items():
            if proc.poll() is None and self.log_lines(name, job_id):
                return name
        return None

    def processes(self) -> list[subprocess.Popen[bytes]]:
        return [*self.workers.values(), self.server]

    def stop(self) -> None:
        """SIGTERM every process of this stack (workers first), SIGKILL what outlives 10 s."""
        stop_processes(self.processes())


def _spawn(args: list[str], env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`python -m taskoverflow.cli ARGS`, output to ``log``; it dies with the kernel (Linux), so a
    crashed kernel leaves no server or worker behind."""
    return launch([sys.executable, "-m", "taskoverflow.cli", *args], env=env, log=log, tied=True)


def start_taskoverflow(
    transport: str,
    *,
    sqs_url: str | None = None,
    redis_url: str | None = None,
    directory: Path | None = None,
    **settings: Any,
) -> JobStack:
    """Start a TaskOverflow API on a free port with ``JOB_TRANSPORT=transport`` and a fresh SQLite
    file of its own; return at once (call `wait_ready`). ``settings`` become environment
    variables of the API and of every worker (e.g. ``SQS_ICAL_QUEUE``, ``ICAL_DELAY_SECONDS``)."""
    from labkit.services.ports import free_port

    if transport not in ("rq", "sqs"):
        raise LabError(f"unknown transport {transport!r}", hint="choose 'rq' or 'sqs'")
    ends = endpoints()
    directory = directory or lab_dir() / "notebook-05"
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / f"{transport}.db"
    for leftover in (database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))):
        leftover.unlink(missing_ok=True)  # every run starts from an empty calendar_jobs table
    env = dict(os.environ)
    env.pop("TASKOVERFLOW_URL", None)
    env.update(
        {
            "JOB_TRANSPORT": transport,
            "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
            "AWS_ENDPOINT_URL_SQS": sqs_url or ends.sqs,
            "REDIS_URL": redis_url or ends.redis,
            "AWS_DEFAULT_REGION": ends.region,
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.setdefault("AWS_ACCESS_KEY_ID", "lab-local")  # the local service accepts any key
    env.setdefault("AWS_SECRET_ACCESS_KEY", "lab-local")
    env.update({key: str(value) for key, value in settings.items()})
    # the app never makes its queue: the lab's SQS service starts with terraform/'s (`--queues`)
    port = free_port()
    log = directory / f"{transport}-api.log"
    log.write_bytes(b"")
    server = _spawn(["serve", "--port", str(port)], env, log)
    return JobStack(transport, f"http://127.0.0.1:{port}", database, env, directory, server)


def wait_ready(*stacks: JobStack, deadline: float = 60.0) -> None:
    """Wait until every stack's API and workers answer; stop them all and say why if not."""
    stop = time.monotonic() + deadline
    while not all(stack.is_ready() for stack in stacks):
        for stack in stacks:
            if stack.server.poll() is not None:
                stop_processes([p for s in stacks for p in s.processes()])
                raise LabError(
                    f"the {stack.transport} API exited (code {stack.server.returncode})",
                    hint=_tail(stack.directory / f"{stack.transport}-api.log"),
                )
        if time.monotonic() > stop:
            stop_processes([p for s in stacks for p in s.processes()])
            raise LabError(
                f"TaskOverflow was not ready after {deadline:g} s",
                hint=f"see the logs in {stacks[0].directory}",
            )
        time.sleep(0.1)


def _tail(log: Path, lines: int = 3) -> str:
    try:
        return " | ".join(log.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return f"no log at {log}"


def stop_processes(processes: Iterable[subprocess.Popen[bytes]], timeout: float = 10.0) -> None:
    """SIGTERM each once (a second SIGTERM tells a worker to quit mid-job), wait for all of
    them together, and SIGKILL what is still running after ``timeout``."""
    running = [p for p in processes if p.poll() is None]
    for proc in running:
        proc.terminate()
    stop = time.monotonic() + timeout
    for proc in running:
        try:
            proc.wait(max(stop - time.monotonic(), 0.01))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def with_redis_db(url: str, db: int) -> str:
    """The same Redis server, another numbered database: RQ keys there never meet the lab's."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))
