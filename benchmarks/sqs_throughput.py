"""SQS throughput, side by side: the lab's service, moto server and a do-nothing endpoint.

    .venv/bin/python benchmarks/sqs_throughput.py [--quick] [--targets null,http,asgi,ours,moto] [--json FILE]

One boto3 client in one thread (what a student's publisher or subscriber is) drives two phases:

* send:    SendMessageBatch, 10 messages a call (the demo's bodies and `client` attribute);
* receive: ReceiveMessage(MaxNumberOfMessages=10) + DeleteMessageBatch of what came back.

Each target is first filled to a queue depth (1,000; ours also 50,000), then the phases alternate
in chunks of 100 messages so the depth stays between D and D+100 while being measured. Rates are
messages per second of wall time. The do-nothing endpoint keeps no state and answers every call
with the smallest valid reply (correct MD5s, so boto3 accepts it): its rate is the client's own
limit, the ceiling for any server. moto is slow at depth (quadratic scans), so it gets a bounded
number of operations and its rate is reported from those.

Two more do-nothing targets give the same replies through a server: `http` through the service's
own HTTP layer (`labkit.sqslocal.http_server`), `asgi` from an ASGI app on uvicorn (httptools,
uvloop) — what each costs before any work (ours ran on uvicorn until issue 13).

All servers run at once and the plans take turns a chunk (100 messages each way) at a time; each
"÷ null" ratio is the median over rounds of the two chunk rates measured in the same round, so a
burst of load from elsewhere on a shared machine slows both sides of a ratio alike.

Each phase also records the CPU the server process used (`server µs/msg`) and the client
thread's own CPU (`client µs/msg`, `time.thread_time`): between them they account for most of a
phase's time, the rest being the wait for the other side. The client makes the same calls against
every target, yet its CPU per message differs between targets and runs: on a virtual machine a
thread's CPU time also carries part of the cost of waking an idled vCPU (the same client against the
do-nothing endpoint used 364–399 µs a message with the other vCPU idle and 241–300 µs with it kept
busy by an unrelated process), so compare that column within one run only.

Each server runs in its own process, so it never shares the client's GIL. Ports are free
ephemeral loopback ports. The do-nothing server is hand-written on asyncio + httptools because
its point is to cost nothing: any framework adds per-request overhead on top. The machine's load
average is printed with the results: ratios from one run are what compare.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import os
import socket
import statistics
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from labkit.services.ports import free_port
from labkit.services.process import terminate

TARGET_VS_NULL = 0.85  # issue 13: ours ≥ 0.85× the do-nothing endpoint, both phases, both depths
NULL_TARGETS = ("null", "http", "asgi")  # keep no state: no standing depth to fill
TARGETS = ("null", "http", "asgi", "ours", "moto")
CHUNK = 100  # messages per send/receive alternation: the depth stays within [D, D + CHUNK]
ATTRIBUTES = {"client": {"DataType": "String", "StringValue": "bench"}}

# --------------------------------------------------------------------------------------------
# The do-nothing endpoint
# --------------------------------------------------------------------------------------------


def md5_of_attributes(attributes: dict[str, dict[str, str]]) -> str:
    """SQS's MD5 of message attributes (name, type, transport byte, value; names sorted)."""
    digest = hashlib.md5()
    for name in sorted(attributes):
        attribute = attributes[name]
        data_type = attribute["DataType"]
        for part in (name, data_type):
            encoded = part.encode()
            digest.update(struct.pack(">I", len(encoded)) + encoded)
        if "StringValue" in attribute:
            value = attribute["StringValue"].encode()
            digest.update(b"\x01" + struct.pack(">I", len(value)) + value)
        else:
            raw = base64.b64decode(attribute["BinaryValue"])  # base64 text, as it arrives in JSON
            digest.update(b"\x02" + struct.pack(">I", len(raw)) + raw)
    return digest.hexdigest()


def md5_hex(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


_CANNED_BODY = "Message 0"
_CANNED = json.dumps(
    {
        "Messages": [
            {
                "MessageId": f"00000000-0000-4000-8000-{i:012d}",
                "ReceiptHandle": f"rh-{i}",
                "MD5OfBody": md5_hex(_CANNED_BODY),
                "Body": _CANNED_BODY,
            }
            for i in range(10)
        ]
    }
).encode()


def null_reply(target: str, request: dict[str, Any]) -> bytes:
    """The smallest reply boto3 accepts for each call the benchmark makes."""
    action = target.rsplit(".", 1)[-1]
    if action == "ReceiveMessage":
        return _CANNED
    if action == "SendMessageBatch":
        successful = []
        for entry in request.get("Entries", []):
            item = {
                "Id": entry["Id"],
                "MessageId": str(uuid.uuid4()),
                "MD5OfMessageBody": md5_hex(entry["MessageBody"]),
            }
            if entry.get("MessageAttributes"):
                item["MD5OfMessageAttributes"] = md5_of_attributes(entry["MessageAttributes"])
            successful.append(item)
        return json.dumps({"Successful": successful, "Failed": []}).encode()
    if action == "DeleteMessageBatch":
        ids = [{"Id": e["Id"]} for e in request.get("Entries", [])]
        return json.dumps({"Successful": ids, "Failed": []}).encode()
    if action in {"CreateQueue", "GetQueueUrl"}:
        name = request.get("QueueName", "q")
        return json.dumps({"QueueUrl": f"http://127.0.0.1/000000000000/{name}"}).encode()
    if action == "GetQueueAttributes":
        return b'{"Attributes":{"ApproximateNumberOfMessages":"0"}}'
    return b"{}"


class NullProtocol(asyncio.Protocol):
    """HTTP/1.1 keep-alive, parsed by httptools; every request gets `null_reply`."""

    def __init__(self) -> None:
        import httptools

        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.headers: dict[bytes, bytes] = {}
        self.body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except Exception:
            if self.transport is not None:
                self.transport.close()

    # httptools callbacks
    def on_message_begin(self) -> None:
        self.headers = {}
        self.body = []

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.lower()] = value

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        target = self.headers.get(b"x-amz-target", b"").decode()
        try:
            request = json.loads(b"".join(self.body) or b"{}")
        except ValueError:
            request = {}
        payload = null_reply(target, request)
        head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
            b"Content-Length: " + str(len(payload)).encode() + b"\r\n\r\n"
        )
        if self.transport is not None:
            self.transport.write(head + payload)


async def null_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The same do-nothing replies as an ASGI app: what uvicorn costs on its own."""
    if scope["type"] != "http":
        return
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    target = dict(scope["headers"]).get(b"x-amz-target", b"").decode()
    try:
        request = json.loads(b"".join(chunks) or b"{}")
    except ValueError:
        request = {}
    payload = null_reply(target, request)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/x-amz-json-1.0"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def serve_null_asgi(port: int) -> None:
    """Run the do-nothing ASGI app on uvicorn (httptools, uvloop, no access log)."""
    import uvicorn

    uvicorn.run(
        null_asgi,
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        http="httptools",
        lifespan="off",
        access_log=False,
        log_level="warning",
    )


def serve_null_http(port: int) -> None:
    """The same do-nothing replies through the SQS service's own HTTP layer
    (`labkit.sqslocal.http_server`): what its framing costs, without the service's work."""
    from labkit.sqslocal import http_server
    from labkit.sqslocal.http_server import Reply, Request

    def handle(request: Request) -> Reply:  # answered at once, as the service answers these calls
        try:
            payload = json.loads(request.body or b"{}")
        except ValueError:
            payload = {}
        body = null_reply(request.headers.get("x-amz-target", ""), payload)
        return 200, [(b"content-type", b"application/x-amz-json-1.0")], body

    with socket.create_server(("127.0.0.1", port)) as sock:
        runner: Any = asyncio.run
        with contextlib.suppress(ImportError):
            import uvloop

            runner = uvloop.run
        runner(http_server.serve(handle, sock, 8 * 1024 * 1024))


def serve_null(port: int) -> None:
    """Run the do-nothing endpoint until killed (uvloop when available)."""
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(NullProtocol, "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# --------------------------------------------------------------------------------------------
# Servers under test, each in its own process
# --------------------------------------------------------------------------------------------


def server_command(kind: str, port: int) -> list[str]:
    if kind == "ours":
        cli = "from labkit.cli import main; main()"
        return [
            sys.executable,
            "-c",
            cli,
            "sqs",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
    if kind == "moto":
        return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    if kind == "null":
        return [sys.executable, __file__, "--serve-null", str(port)]
    if kind == "asgi":
        return [sys.executable, __file__, "--serve-null-asgi", str(port)]
    if kind == "http":
        return [sys.executable, __file__, "--serve-null-http", str(port)]
    raise ValueError(kind)


@contextlib.contextmanager
def running(kind: str) -> Iterator[tuple[str, int]]:
    """Start one server process on a free port; yield its URL and pid; always stop it."""
    port = free_port()
    proc = subprocess.Popen(
        server_command(kind, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{kind} server exited with status {proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{kind} server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        terminate(proc)


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far: what serving cost it, whatever the machine's load
    (wall-clock rates drop when other work shares the cores; this does not). Read from each
    thread's schedstat (nanoseconds) where the kernel keeps it: /proc/PID/stat counts in clock
    ticks (10 ms), coarse beside a 100-message chunk's few tens of milliseconds."""
    try:
        total = 0
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as schedstat:
                total += int(schedstat.read().split()[0])
        return total / 1e9
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:  # not Linux
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------------------------
# The client side
# --------------------------------------------------------------------------------------------


@dataclass
class Result:
    target: str
    depth: int
    send_msgs: int
    send_s: float
    recv_msgs: int
    recv_s: float
    send_cpu: float = 0.0  # the server's CPU seconds in each phase
    recv_cpu: float = 0.0
    send_client_cpu: float = 0.0  # the client thread's own CPU seconds in each phase
    recv_client_cpu: float = 0.0
    # each chunk's rate by round number: rounds pair targets measured within the same second
    send_chunks: dict[int, float] = field(default_factory=dict)
    recv_chunks: dict[int, float] = field(default_factory=dict)

    def merge(self, other: Result, offset: int) -> None:
        """Add another run of the same plan (its rounds numbered from `offset`)."""
        self.send_msgs += other.send_msgs
        self.send_s += other.send_s
        self.recv_msgs += other.recv_msgs
        self.recv_s += other.recv_s
        self.send_cpu += other.send_cpu
        self.recv_cpu += other.recv_cpu
        self.send_client_cpu += other.send_client_cpu
        self.recv_client_cpu += other.recv_client_cpu
        self.send_chunks |= {offset + k: v for k, v in other.send_chunks.items()}
        self.recv_chunks |= {offset + k: v for k, v in other.recv_chunks.items()}

    @property
    def send_rate(self) -> float:
        return self.send_msgs / self.send_s if self.send_s else 0.0

    @property
    def recv_rate(self) -> float:
        return self.recv_msgs / self.recv_s if self.recv_s else 0.0


def make_client(url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session(
        aws_access_key_id="bench", aws_secret_access_key="bench", region_name="us-east-1"
    ).client(
        "sqs",
        endpoint_url=url,
        config=Config(retries={"total_max_attempts": 1}, read_timeout=120, connect_timeout=5),
    )


def send(client: Any, url: str, n: int, start: int = 0) -> int:
    """Send `n` demo messages in batches of ten; returns how many SQS accepted."""
    accepted = 0
    for first in range(start, start + n, 10):
        entries = [
            {"Id": str(i), "MessageBody": f"Message {i}", "MessageAttributes": ATTRIBUTES}
            for i in range(first, min(first + 10, start + n))
        ]
        reply = client.send_message_batch(QueueUrl=url, Entries=entries)
        accepted += len(reply.get("Successful", []))
    return accepted


def receive(client: Any, url: str, n: int, max_calls: int | None = None) -> int:
    """Receive (10 a call, 1-s long poll) and batch-delete until `n` messages or `max_calls`."""
    got = 0
    calls = 0
    while got < n and (max_calls is None or calls < max_calls):
        calls += 1
        messages = client.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", [])
        if not messages:
            continue
        got += len(messages)
        client.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(k), "ReceiptHandle": m["ReceiptHandle"]} for k, m in enumerate(messages)
            ],
        )
    return got


class Contender:
    """One plan's client and queue on its own running server, measured a chunk at a time."""

    def __init__(self, plan: Plan, url: str, pid: int) -> None:
        self.plan, self.pid = plan, pid
        self.client = make_client(url)
        name = f"bench-{plan.depth}-{uuid.uuid4().hex[:6]}"
        self.queue = self.client.create_queue(QueueName=name)["QueueUrl"]
        self.result = Result(plan.target, plan.depth, 0, 0.0, 0, 0.0)

    def fill(self) -> None:
        """The standing depth: not timed."""
        if self.plan.target not in NULL_TARGETS:
            send(self.client, self.queue, self.plan.depth, start=1_000_000)

    @property
    def done(self) -> bool:
        return self.result.send_msgs >= self.plan.total

    def step(self, round_number: int) -> int:
        """One chunk each way: send `chunk` messages, then receive and delete as many."""
        result = self.result
        n = min(self.plan.chunk, self.plan.total - result.send_msgs)
        cpu = cpu_seconds(self.pid)
        mine = time.thread_time()
        t0 = time.perf_counter()
        sent = send(self.client, self.queue, n)
        elapsed = time.perf_counter() - t0
        mine2 = time.thread_time()
        result.send_client_cpu += mine2 - mine
        result.send_msgs += sent
        result.send_s += elapsed
        result.send_chunks[round_number] = sent / elapsed
        cpu2 = cpu_seconds(self.pid)
        result.send_cpu += cpu2 - cpu
        t0 = time.perf_counter()
        got = receive(self.client, self.queue, n, max_calls=n // 10 * 3 + 5)
        elapsed = time.perf_counter() - t0
        result.recv_client_cpu += time.thread_time() - mine2
        result.recv_msgs += got
        result.recv_s += elapsed
        result.recv_chunks[round_number] = got / elapsed
        result.recv_cpu += cpu_seconds(self.pid) - cpu2
        return n


def measure_interleaved(todo: list[Plan], progress: Any = None) -> list[Result]:
    """Start every plan's server, fill each to its depth, then run the plans a chunk each in
    turn (the first one rotating) until all are done: a burst of load from elsewhere on a shared
    machine lasts longer than a chunk, so it hits every target alike and the ratios hold."""
    with contextlib.ExitStack() as stack:
        contenders = []
        for plan in todo:
            url, pid = stack.enter_context(running(plan.target))
            contenders.append(Contender(plan, url, pid))
        for contender in contenders:
            contender.fill()
        task = (
            progress.add_task("measuring", total=sum(p.total for p in todo)) if progress else None
        )
        round_number = 0
        while not all(c.done for c in contenders):
            turn = round_number % len(contenders)
            for contender in contenders[turn:] + contenders[:turn]:
                if not contender.done:
                    n = contender.step(round_number)
                    if progress is not None:
                        progress.advance(task, n)
            round_number += 1
        if progress is not None:
            progress.remove_task(task)
        return [c.result for c in contenders]


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


@dataclass
class Plan:
    target: str
    depth: int
    total: int
    chunk: int = CHUNK


def plans(quick: bool, targets: list[str]) -> list[Plan]:
    n = 3_000 if quick else 10_000
    out: list[Plan] = []
    for target in targets:
        if target == "moto":
            # bounded: at depth 1,000 moto does tens of messages per second
            out.append(Plan("moto", 1_000, 100 if quick else 200, chunk=100))
        else:
            out.append(Plan(target, 1_000, n))
        if target == "ours":
            out.append(Plan("ours", 50_000, n))
    return out


def paired(run: Result, peer: Result, phase: str) -> float:
    """Median over rounds of run's chunk rate ÷ peer's chunk rate in the same round: a load
    burst from elsewhere slows both of a pair, so their ratio holds where whole-run rates drift."""
    mine, theirs = getattr(run, f"{phase}_chunks"), getattr(peer, f"{phase}_chunks")
    ratios = [mine[k] / theirs[k] for k in mine.keys() & theirs.keys() if theirs[k]]
    return statistics.median(ratios) if ratios else 0.0


def micros_each(seconds: float, messages: int) -> str:
    """CPU seconds spent on `messages` messages, as whole microseconds a message."""
    return f"{1e6 * seconds / messages:.0f}" if messages else "–"


def report(results: list[Result]) -> dict[str, Any]:
    from rich.console import Console
    from rich.table import Table

    by = {(r.target, r.depth): r for r in results}
    null = by.get(("null", 1_000))
    table = Table(title="SQS throughput — one boto3 client thread (messages/s)")
    columns = ("target", "depth", "send", "receive+delete", "send ÷ null", "recv ÷ null")
    cpu_columns = (
        "server µs/msg send",
        "server µs/msg recv",
        "client µs/msg send",
        "client µs/msg recv",
    )
    for column in (*columns, *cpu_columns):
        table.add_column(column, justify="left" if column == "target" else "right")
    for r in results:
        table.add_row(
            r.target,
            f"{r.depth:,}" if r.target not in NULL_TARGETS else "–",  # it keeps no queue
            f"{r.send_rate:,.0f}",
            f"{r.recv_rate:,.0f}",
            f"{paired(r, null, 'send'):.2f}×" if null else "–",
            f"{paired(r, null, 'recv'):.2f}×" if null else "–",
            micros_each(r.send_cpu, r.send_msgs),
            micros_each(r.recv_cpu, r.recv_msgs),
            micros_each(r.send_client_cpu, r.send_msgs),
            micros_each(r.recv_client_cpu, r.recv_msgs),
        )
    console = Console(width=150)
    console.print(table)
    one, five, fifteen = os.getloadavg()
    console.print(f"  load average at the end: {one:.2f} {five:.2f} {fifteen:.2f}", highlight=False)

    ratios: dict[str, float] = {}
    ours, ours50, moto = by.get(("ours", 1_000)), by.get(("ours", 50_000)), by.get(("moto", 1_000))
    checks: list[tuple[str, float, float]] = []  # (what, value, minimum)
    for other in results:
        if other.target in NULL_TARGETS and other.target != "null" and null:
            ratios[f"{other.target}/null send"] = paired(other, null, "send")
            ratios[f"{other.target}/null receive"] = paired(other, null, "recv")
    for run in results:
        if run.target == "ours" and null:
            for phase, key in (("send", "send"), ("receive", "recv")):
                name = f"ours@{run.depth // 1000}k/null {phase}"
                ratios[name] = paired(run, null, key)
                checks.append((name, ratios[name], TARGET_VS_NULL))
    if ours and moto:
        ratios["ours/moto send"] = paired(ours, moto, "send")
        ratios["ours/moto receive"] = paired(ours, moto, "recv")
    if ours and ours50:
        ratios["ours@50k/ours@1k send"] = paired(ours50, ours, "send")
        ratios["ours@50k/ours@1k receive"] = paired(ours50, ours, "recv")
        checks += [("ours@50k/ours@1k send", ratios["ours@50k/ours@1k send"], 1 / 1.5)]
        checks += [("ours@50k/ours@1k receive", ratios["ours@50k/ours@1k receive"], 1 / 1.5)]
    for name, value in ratios.items():
        console.print(f"  {name:<26} {value:8.2f}×", highlight=False)
    met = True
    for name, value, minimum in checks:
        ok = value >= minimum
        met &= ok
        mark = "[green]met[/green]" if ok else "[red]MISSED[/red]"
        console.print(f"  target {name} ≥ {minimum:.2f}×: {mark} ({value:.2f}×)")
    return {
        "results": [
            asdict(r) | {"send_rate": r.send_rate, "recv_rate": r.recv_rate} for r in results
        ],
        "ratios": ratios,
        "targets_met": met,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer messages (≈ 1 minute)")
    parser.add_argument(
        "--targets",
        default="null,http,asgi,ours,moto",
        help="comma-separated: " + ",".join(TARGETS),
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs, each with fresh servers; pooled"
    )
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--serve-null", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--serve-null-asgi", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--serve-null-http", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_null:
        serve_null(args.serve_null)
        return 0
    if args.serve_null_http:
        serve_null_http(args.serve_null_http)
        return 0
    if args.serve_null_asgi:
        serve_null_asgi(args.serve_null_asgi)
        return 0

    from rich.progress import Progress

    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = set(targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    results: list[Result] = []
    with Progress(transient=True) as progress:
        todo = plans(args.quick, targets)
        # each repeat starts every server afresh; rounds of later runs are numbered on
        results = measure_interleaved(todo, progress)
        for attempt in range(1, args.repeat):
            for result, more in zip(results, measure_interleaved(todo, progress), strict=True):
                result.merge(more, offset=attempt * 1_000_000)
    summary = report(results)
    summary["machine"] = {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "quick": args.quick,
        "repeat": args.repeat,
    }
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 1 if args.check and not summary["targets_met"] else 0


if __name__ == "__main__":
    sys.exit(main())
