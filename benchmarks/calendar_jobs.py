"""Calendar jobs, side by side: our Quart + RQ stack against the course's Flask + Celery stack.

    .venv/bin/python benchmarks/calendar_jobs.py [--jobs 200] [--drain 1000] [--todos 10000]

1. POST /todos/ical → SUCCESS latency (ICAL_DELAY_SECONDS=0), p50/p95 over `--jobs` jobs, one job at a
   time, each polled over HTTP like the course's client. Both stacks use the same Valkey (separate
   databases), the same todos and the same calendar; target: our p50 ≤ Celery's.
2. `--drain` jobs queued first, then drained by 2 `taskoverflow worker --burst` processes, and the
   same jobs by the course's Celery worker (prefork `-c 2`, its default pool) — jobs/s for both,
   with start-up (wall) and without it (first job end → last job end); target: RQ ≥ 1.0× Celery.
   `--profile FILE` runs one RQ worker under py-spy.
3. A `--todos`-todo calendar built by our builder vs icalendar used directly (target ratio ≤ 1.2).

Every server runs on a free loopback port and is stopped at the end. Further job transports plug in
through `CONTENDERS`; `--transports rq,sqs` (the default) also races the SQS transport (issue 5).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from labkit.services.ports import LOOPBACK, free_port  # noqa: E402
from labkit.services.process import terminate  # noqa: E402
from labkit.services.valkey import running_valkey  # noqa: E402

BIN = Path(sys.executable).parent
console = Console()
POLL_INTERVAL = 0.005  # seconds between status polls, the same for every contender
SEED_TODOS = 20
RQ_NAME, SQS_NAME = "ours: Quart + RQ", "ours: Quart + SQS transport"
JOB_TIMEOUT = 30.0  # a job slower than this means a dead worker: stop instead of spinning


def sample_todos(n: int) -> list[dict]:
    """`n` todos, all with deadlines (so each is one event), deterministic."""
    base = datetime(2026, 12, 1, 9, 0, 0)
    return [
        {
            "id": i + 1,
            "title": f"Todo {i + 1}: finish part {i % 7}",
            "description": f"Details for todo {i + 1}" if i % 3 else None,
            "completed": False,
            "deadline_at": (base + timedelta(hours=i)).isoformat(),
        }
        for i in range(n)
    ]


# ---------------------------------------------------------------- processes


@contextmanager
def process(argv: list[str], env: dict[str, str], log: Path, cwd: Path | None = None) -> Iterator:
    with log.open("ab") as fh:
        proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield proc
    finally:
        terminate(proc, timeout=15)


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"{proc.args[0]} exited; see {log}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} not healthy after {timeout}s; see {log}")


def wait_rq_worker(redis_url: str, timeout: float = 60) -> None:
    import redis
    from rq import Worker

    conn = redis.Redis.from_url(redis_url)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if Worker.all(connection=conn):
            conn.close()
            return
        time.sleep(0.1)
    raise SystemExit("RQ worker did not register")


def base_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("REDIS_URL", "DATABASE_URL", "AWS_ENDPOINT_URL_SQS", "JOB_TRANSPORT")
    }
    env.update(
        LAB_DIR=str(tmp),
        TASKOVERFLOW_DATA_DIR=str(tmp),  # the app's default SQLite file
        ICAL_DELAY_SECONDS="0",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


# ---------------------------------------------------------------- contenders


@dataclass
class Contender:
    """A running stack that answers the course's calendar API at `api`."""

    name: str
    api: str


def run_job(client: httpx.Client, api: str) -> float:
    """POST /todos/ical, poll the status URL until SUCCESS; seconds from POST to SUCCESS seen."""
    start = time.perf_counter()
    response = client.post(f"{api}/todos/ical")
    response.raise_for_status()
    task_url = response.json()["task_url"]
    while time.perf_counter() - start < JOB_TIMEOUT:
        status = client.get(task_url).json()["task_status"]
        if status == "SUCCESS":
            return time.perf_counter() - start
        if status == "FAILURE":
            raise SystemExit(f"job failed: {task_url}")
        time.sleep(POLL_INTERVAL)
    raise SystemExit(f"job not done after {JOB_TIMEOUT}s (is the worker alive?): {task_url}")


def measure(contender: Contender, jobs: int, warmup: int = 10) -> list[float]:
    with httpx.Client(timeout=30) as client:
        for _ in range(warmup):
            run_job(client, contender.api)
        return [run_job(client, contender.api) for _ in range(jobs)]


@contextmanager
def ours_rq(redis_url: str, tmp: Path) -> Iterator[Contender]:
    """`taskoverflow serve` + one `taskoverflow worker` (RQ), SQLite in a temp LAB_DIR."""
    port = free_port()
    env = base_env(tmp, REDIS_URL=redis_url, JOB_TRANSPORT="rq")
    with ExitStack() as stack:
        api_log, worker_log = tmp / "taskoverflow.log", tmp / "worker.log"
        api = stack.enter_context(
            process(
                [str(BIN / "taskoverflow"), "serve", "--host", LOOPBACK, "--port", str(port)],
                env,
                api_log,
            )
        )
        stack.enter_context(process([str(BIN / "taskoverflow"), "worker"], env, worker_log))
        base = f"http://{LOOPBACK}:{port}"
        wait_http(base + "/api/v1/health", api, api_log)
        wait_rq_worker(redis_url)
        with httpx.Client() as client:
            for todo in sample_todos(SEED_TODOS):
                body = {k: todo[k] for k in ("title", "description", "deadline_at")}
                client.post(f"{base}/api/v1/todos", json=body).raise_for_status()
        yield Contender(RQ_NAME, base + "/api/v1")


@contextmanager
def ours_sqs(redis_url: str, tmp: Path) -> Iterator[Contender]:
    """JOB_TRANSPORT=sqs: `labkit sqs serve` + `taskoverflow serve` + one worker, jobs in SQLite."""
    sqs_port, api_port = free_port(), free_port()
    sqs_url = f"http://{LOOPBACK}:{sqs_port}"
    env = base_env(
        tmp,
        REDIS_URL=redis_url,
        JOB_TRANSPORT="sqs",
        AWS_ENDPOINT_URL_SQS=sqs_url,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="lab-local",
        AWS_SECRET_ACCESS_KEY="lab-local",
    )
    with ExitStack() as stack:
        sqs_log, api_log = tmp / "sqs.log", tmp / "taskoverflow.log"
        sqs = stack.enter_context(
            process(
                [str(BIN / "labkit"), "sqs", "serve", "--host", LOOPBACK, "--port", str(sqs_port)],
                env,
                sqs_log,
            )
        )
        wait_http(sqs_url + "/_lab/health", sqs, sqs_log)
        api = stack.enter_context(
            process(
                [str(BIN / "taskoverflow"), "serve", "--host", LOOPBACK, "--port", str(api_port)],
                env,
                api_log,
            )
        )
        stack.enter_context(process([str(BIN / "taskoverflow"), "worker"], env, tmp / "worker.log"))
        base = f"http://{LOOPBACK}:{api_port}"
        wait_http(base + "/api/v1/health", api, api_log)
        with httpx.Client() as client:
            for todo in sample_todos(SEED_TODOS):
                body = {k: todo[k] for k in ("title", "description", "deadline_at")}
                client.post(f"{base}/api/v1/todos", json=body).raise_for_status()
        yield Contender(SQS_NAME, base + "/api/v1")


@contextmanager
def course_celery(redis_url: str, tmp: Path) -> Iterator[Contender]:
    """The course's Flask app + a Celery worker (prefork, concurrency 1), Redis broker + backend."""
    from course.celery_calendar import seed

    db = tmp / "course.db"
    seed(str(db), sample_todos(SEED_TODOS))
    port = free_port()
    env = base_env(
        tmp, CELERY_BROKER_URL=redis_url, CELERY_RESULT_BACKEND=redis_url, COURSE_DB=str(db)
    )
    with ExitStack() as stack:
        web_log, worker_log = tmp / "flask.log", tmp / "celery.log"
        web = stack.enter_context(
            process([sys.executable, "-m", "course.celery_calendar", str(port)], env, web_log)
        )
        stack.enter_context(
            process(
                [str(BIN / "celery"), "-A", "course.celery_calendar:celery", "worker", "--pool",
                 "prefork", "--concurrency", "1", "--loglevel", "WARNING", "--without-gossip",
                 "--without-mingle", "--without-heartbeat"],
                env,
                worker_log,
                cwd=ROOT,
            )
        )  # fmt: skip
        base = f"http://{LOOPBACK}:{port}"
        wait_http(base + "/api/v1/health", web, web_log)
        yield Contender("course: Flask + Celery", base + "/api/v1")


# Our transports, by JOB_TRANSPORT name: (redis_url, work dir) -> context manager of a Contender.
# Another transport plugs in here and is raced with `--transports rq,sqs,...`.
CONTENDERS: dict[str, Callable[[str, Path], AbstractContextManager[Contender]]] = {
    "rq": ours_rq,
    "sqs": ours_sqs,  # issue 5: the SQS transport on the local service (target p50 ≤ 2× RQ's)
}


# ---------------------------------------------------------------- drain and builder


def drain(
    redis_url: str, tmp: Path, jobs: int, workers: int = 2, profile: Path | None = None
) -> dict[str, float]:
    """Queue `jobs` calendar jobs with no worker running, then time `workers` burst workers.

    `profile`: the first worker runs under `py-spy record` (raw collapsed stacks to that file).
    """
    import redis
    from rq import Queue
    from rq.registry import FinishedJobRegistry

    conn = redis.Redis.from_url(redis_url)
    conn.flushdb()
    queue = Queue("ical", connection=conn)
    todos = sample_todos(SEED_TODOS)
    enqueued = [
        queue.enqueue("taskoverflow.tasks.ical.create_ical", todos, 0, result_ttl=3600)
        for _ in range(jobs)
    ]
    env = base_env(tmp, REDIS_URL=redis_url, JOB_TRANSPORT="rq")
    argv = [str(BIN / "taskoverflow"), "worker", "--burst"]
    spy = [str(BIN / "py-spy"), "record", "--format", "raw", "--rate", "250", "--output"]
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [*spy, str(profile), "--", *argv] if profile and i == 0 else argv,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(workers)
    ]
    for proc in procs:
        proc.wait(600)
    wall = time.perf_counter() - start
    finished = FinishedJobRegistry("ical", connection=conn).get_job_ids()
    assert len(set(finished) & {j.id for j in enqueued}) == jobs, "not every job finished"
    fetched = [queue.fetch_job(j.id) for j in enqueued]
    ends = sorted(j.ended_at for j in fetched if j and j.ended_at)
    conn.close()
    return {"wall": wall, "steady": (ends[-1] - ends[0]).total_seconds()}


def drain_celery(redis_url: str, tmp: Path, jobs: int, concurrency: int = 2) -> dict[str, float]:
    """The same drain on the course's stack: `jobs` Celery tasks queued, then one prefork worker
    with `-c concurrency` (the course's default pool) started and timed until every result is in.
    """
    import redis

    env = base_env(tmp, CELERY_BROKER_URL=redis_url, CELERY_RESULT_BACKEND=redis_url)
    redis.Redis.from_url(redis_url).flushdb()
    os.environ.update(CELERY_BROKER_URL=redis_url, CELERY_RESULT_BACKEND=redis_url)
    from course.celery_calendar import celery, create_ical

    celery.conf.update(broker_url=redis_url, result_backend=redis_url)
    todos = sample_todos(SEED_TODOS)
    results = [create_ical.delay(todos) for _ in range(jobs)]
    log = tmp / "celery-drain.log"
    start = time.perf_counter()
    with process(
        [str(BIN / "celery"), "-A", "course.celery_calendar:celery", "worker", "--pool", "prefork",
         "--concurrency", str(concurrency), "--loglevel", "WARNING", "--without-gossip",
         "--without-mingle", "--without-heartbeat"],
        env,
        log,
        cwd=ROOT,
    ):  # fmt: skip
        pending = list(results)
        deadline = time.monotonic() + 600
        while pending and time.monotonic() < deadline:
            pending = [r for r in pending if r.state != "SUCCESS"]
            time.sleep(0.05)
        wall = time.perf_counter() - start
    if pending:
        raise SystemExit(f"Celery drain: {len(pending)} jobs unfinished; see {log}")
    ends = sorted(r.date_done for r in results)
    return {"wall": wall, "steady": (ends[-1] - ends[0]).total_seconds()}


def builder_ratio(n: int, repeat: int = 5) -> tuple[float, float]:
    """Best-of-`repeat` seconds: our build_calendar vs icalendar building the same events."""
    from icalendar import Calendar, Event
    from taskoverflow.tasks.ical import build_calendar

    todos = sample_todos(n)
    now = datetime.now(UTC)

    def plain_icalendar() -> bytes:
        cal = Calendar()
        cal.add("prodid", "-//Taskoverflow Calendar//mxm.dk//")
        cal.add("version", "2.0")
        for todo in todos:
            event = Event()
            event.add("uid", f"todo-{todo['id']}@taskoverflow")
            event.add("dtstamp", now)
            event.add("summary", todo["title"])
            event.add("description", todo["description"] or "")
            # the stored deadline is UTC; our builder writes it with `Z` (never floating)
            event.add("dtstart", datetime.fromisoformat(todo["deadline_at"]).replace(tzinfo=UTC))
            cal.add_component(event)
        return cal.to_ical()

    def once(fn: Callable[[], bytes]) -> float:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    assert build_calendar(todos, now) == plain_icalendar(), "the two builders disagree"
    # interleaved, best of `repeat`: other load on the shared machine hits both alike
    ours, theirs = [], []
    for _ in range(repeat):
        ours.append(once(lambda: build_calendar(todos, now)))
        theirs.append(once(plain_icalendar))
    return min(ours), min(theirs)


# ---------------------------------------------------------------- report


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200, help="jobs per latency run")
    parser.add_argument("--drain", type=int, default=1000, help="jobs for the drain run")
    parser.add_argument(
        "--todos", type=int, default=10_000, help="todos in the builder run (0: skip it)"
    )
    parser.add_argument(
        "--transports", default="rq,sqs", help=f"our transports to race: {','.join(CONTENDERS)}"
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="py-spy (raw) profile of one RQ worker in the drain"
    )
    parser.add_argument(
        "--only-drain", action="store_true", help="skip the latency and builder runs"
    )
    args = parser.parse_args()

    latency: dict[str, list[float]] = {}
    one, five, fifteen = os.getloadavg()
    console.print(f"load average at the start: {one:.2f} {five:.2f} {fifteen:.2f}", highlight=False)
    with tempfile.TemporaryDirectory(prefix="lab-bench-") as tmp_name:
        tmp = Path(tmp_name)
        with running_valkey() as valkey:
            base = valkey.rsplit("/", 1)[0]
            transports = [] if args.only_drain else args.transports.split(",")
            for i, transport in enumerate(transports):
                run_dir = tmp / transport
                run_dir.mkdir()
                with CONTENDERS[transport](f"{base}/{i + 2}", run_dir) as contender:
                    console.print(f"latency: {contender.name} ({args.jobs} jobs)…")
                    latency[contender.name] = measure(contender, args.jobs)
            (tmp / "celery").mkdir()
            if not args.only_drain:
                with course_celery(f"{base}/1", tmp / "celery") as contender:
                    console.print(f"latency: {contender.name} ({args.jobs} jobs)…")
                    latency[contender.name] = measure(contender, args.jobs)
            console.print(f"drain: {args.drain} queued jobs, 2 RQ workers…")
            (tmp / "drain").mkdir()
            profile = Path(args.profile) if args.profile else None
            drained = drain(f"{base}/9", tmp / "drain", args.drain, profile=profile)
            console.print(f"drain: {args.drain} queued jobs, Celery prefork -c 2…")
            drained_celery = drain_celery(f"{base}/10", tmp / "drain", args.drain)
        skip_builder = args.only_drain or args.todos == 0
        if not skip_builder:
            console.print(f"builder: {args.todos} todos…")
            ours_build, ical_build = builder_ratio(args.todos)

    course = latency.get("course: Flask + Celery", [])
    table = Table(title="Calendar jobs (ICAL_DELAY_SECONDS=0, loopback, one client)")
    for col in ("measure", "value", "ratio", "target"):
        table.add_column(col)
    rq_p50 = statistics.median(latency[RQ_NAME]) if RQ_NAME in latency else None
    for name, values in latency.items():
        p50, p95 = statistics.median(values), pct(values, 95)
        ratio = p50 / statistics.median(course)
        versus, target = f"{ratio:.2f}× Celery p50", ""
        if name == RQ_NAME:
            target = "≤ 1.00× Celery " + ("✓" if ratio <= 1 else "✗")
        elif name == SQS_NAME and rq_p50:
            versus += f" · {p50 / rq_p50:.2f}× RQ"
            target = "≤ 2.00× RQ " + ("✓" if p50 <= 2 * rq_p50 else "✗")
        table.add_row(
            f"POST→SUCCESS {name}",
            f"p50 {p50 * 1000:.1f} ms · p95 {p95 * 1000:.1f} ms",
            versus,
            target,
        )
    for name, result in (("2 RQ workers", drained), ("Celery prefork -c 2", drained_celery)):
        ratio_text = target = ""
        if result is drained:
            wall_ratio = drained_celery["wall"] / drained["wall"]  # jobs/s ours ÷ Celery's
            steady_ratio = drained_celery["steady"] / drained["steady"]
            ratio_text = f"{wall_ratio:.2f}× Celery (wall) · {steady_ratio:.2f}× (steady)"
            target = "≥ 1.00× Celery " + ("✓" if wall_ratio >= 1 else "✗")
        table.add_row(
            f"drain {args.drain} jobs, {name}",
            f"{args.drain / result['wall']:.0f} jobs/s wall (start-up included) · "
            f"{(args.drain - 1) / result['steady']:.0f} jobs/s first end→last end",
            ratio_text,
            target,
        )
    if skip_builder:
        console.print(table)
        print_load()
        return
    ratio = ours_build / ical_build
    table.add_row(
        f"calendar of {args.todos} todos",
        f"ours {ours_build * 1000:.0f} ms · icalendar {ical_build * 1000:.0f} ms",
        f"{ratio:.2f}×",
        "≤ 1.20 ✓" if ratio <= 1.2 else "≤ 1.20 ✗",
    )
    console.print(table)
    print_load()


def print_load() -> None:
    """The machine's load average: the ratios above come from one run on a shared machine."""
    one, five, fifteen = os.getloadavg()
    console.print(f"load average at the end: {one:.2f} {five:.2f} {fifteen:.2f}", highlight=False)


if __name__ == "__main__":
    main()
