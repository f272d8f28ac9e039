"""The SQS job transport as a `calendar_jobs.py` contender, and a side-by-side run with RQ.

    .venv/bin/python benchmarks/_sqs_transport.py [--jobs 200]

Starts the lab's SQS service, `taskoverflow serve` and one `taskoverflow worker` with
JOB_TRANSPORT=sqs (SQLite in a temporary LAB_DIR, ICAL_DELAY_SECONDS=0), and measures
POST /todos/ical → SUCCESS like calendar_jobs.py does, beside the RQ transport in the same run.
Target: SQS p50 ≤ 2× RQ's p50.

`calendar_jobs.py` can race it with its own contenders:
    from _sqs_transport import ours_sqs; CONTENDERS["sqs"] = ours_sqs
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import calendar_jobs as cj  # noqa: E402
import httpx  # noqa: E402

from labkit.services.ports import LOOPBACK, free_port  # noqa: E402

#: The worker's long poll returns as soon as a message arrives; a short visibility timeout
#: is irrelevant here (no crashes) but keeps the queue like the lab's.
QUEUE = "ical"


@contextmanager
def ours_sqs(redis_url: str, tmp: Path) -> Iterator[cj.Contender]:
    """The local SQS service + `taskoverflow serve` + one SQS worker. `redis_url` is unused."""
    sqs_port, api_port = free_port(), free_port()
    sqs_url = f"http://{LOOPBACK}:{sqs_port}"
    env = cj.base_env(
        tmp,
        JOB_TRANSPORT="sqs",
        AWS_ENDPOINT_URL_SQS=sqs_url,
        SQS_ICAL_QUEUE=QUEUE,
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
    )
    with ExitStack() as stack:
        sqs_log, api_log, worker_log = tmp / "sqs.log", tmp / "api.log", tmp / "sqs-worker.log"
        sqs = stack.enter_context(
            cj.process(
                [
                    str(cj.BIN / "labkit"),
                    "sqs",
                    "serve",
                    "--host",
                    LOOPBACK,
                    "--port",
                    str(sqs_port),
                ],
                env,
                sqs_log,
            )
        )
        wait_sqs(sqs_url, sqs, sqs_log)
        api = stack.enter_context(
            cj.process(
                [
                    str(cj.BIN / "taskoverflow"),
                    "serve",
                    "--host",
                    LOOPBACK,
                    "--port",
                    str(api_port),
                ],
                env,
                api_log,
            )
        )
        stack.enter_context(cj.process([str(cj.BIN / "taskoverflow"), "worker"], env, worker_log))
        base = f"http://{LOOPBACK}:{api_port}"
        cj.wait_http(base + "/api/v1/health", api, api_log)
        with httpx.Client() as client:
            for todo in cj.sample_todos(cj.SEED_TODOS):
                body = {k: todo[k] for k in ("title", "description", "deadline_at")}
                client.post(f"{base}/api/v1/todos", json=body).raise_for_status()
        yield cj.Contender("ours: Quart + SQS (local service)", base + "/api/v1")


def wait_sqs(url: str, proc, log: Path, timeout: float = 30) -> None:
    import time

    from labkit.aws import sqs_client

    client = sqs_client(endpoint=url)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"the SQS service exited; see {log}:\n{log.read_text()[-2000:]}")
        try:
            client.list_queues()
            return
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"the SQS service did not answer within {timeout}s; see {log}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200, help="jobs per latency run")
    args = parser.parse_args()
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="lab-bench-sqs-") as tmp_name:
        tmp = Path(tmp_name)
        with cj.running_valkey() as valkey:
            for name, contender in (("rq", cj.ours_rq), ("sqs", ours_sqs)):
                (tmp / name).mkdir()
                with contender(valkey, tmp / name) as running:
                    cj.console.print(f"latency: {running.name} ({args.jobs} jobs)…")
                    results[name] = cj.measure(running, args.jobs)
    rq_p50 = statistics.median(results["rq"])
    table = cj.Table(
        title="POST /todos/ical → SUCCESS (ICAL_DELAY_SECONDS=0, loopback, one client)"
    )
    for column in ("transport", "p50", "p95", "vs RQ p50", "target"):
        table.add_column(column)
    for name, values in results.items():
        p50, p95 = statistics.median(values), cj.pct(values, 95)
        ratio = p50 / rq_p50
        target = "" if name == "rq" else ("≤ 2.00 ✓" if ratio <= 2 else "≤ 2.00 ✗")
        table.add_row(name, f"{p50 * 1000:.1f} ms", f"{p95 * 1000:.1f} ms", f"{ratio:.2f}×", target)
    cj.console.print(table)


if __name__ == "__main__":
    main()
