"""The `--data-dir` journal, side by side with the first format: disk use and start time.

    .venv/bin/python benchmarks/sqs_journal.py [--messages 100000] [--check]

Both formats see the same workload through the real AWS JSON dispatcher (in process, no HTTP, so
the numbers are the journal's and not the network's): N message lifecycles on the standard course
queue, in the way a student's publisher and worker run them — SendMessageBatch of 10,
ReceiveMessage of up to 10, DeleteMessageBatch of what came back — until every message is deleted.

Measured for each format:

* **journal written**: bytes appended while the workload ran (history);
* **data dir at rest**: bytes on disk after a clean shutdown — for the new format a snapshot of the
  live state plus an empty journal, for the old format the whole journal (it only grows);
* **start**: time to rebuild the state from the data dir (snapshot load + replay);
* **worst start** (new format only): the start after a crash just before a compaction, i.e. a
  snapshot plus a full journal of `COMPACT_BYTES` — the bound that keeps every start short.

The old format is the `labkit/sqslocal/journal.py` of commit `OLD_FORMAT_COMMIT`, imported from a
temporary copy. Targets (issue 11): at rest < 5 MB, start < 1 s after 100,000 lifecycles.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from labkit.sqslocal.engine import Engine, EngineConfig
from labkit.sqslocal.journal import COMPACT_BYTES, CountingRandom, Journal
from labkit.sqslocal.protocol import Dispatcher

OLD_FORMAT_COMMIT = "72490b1"  # the last commit with the first journal format
OLD_NUMBERS_FROM_ISSUE = {"journal written": 53e6, "start": 2.9}  # issue 11, defect 6
QUEUE = "csse6400_prac"
TARGET_BYTES = 5e6
TARGET_START = 1.0


class Clock:
    """Time that moves a millisecond per read: long enough runs cross minutes, as real ones do."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.t = start

    def __call__(self) -> float:
        self.t += 0.001
        return self.t


def new_engine(clock: Clock) -> Engine:
    return Engine(clock, CountingRandom(6400), EngineConfig(initial_queues=((QUEUE, ()),)))


def lifecycles(engine: Any, messages: int) -> float:
    """Send, receive and delete `messages` messages through the dispatcher; returns seconds."""
    dispatcher = Dispatcher(engine)

    async def call(action: str, payload: dict[str, Any]) -> dict[str, Any]:
        status, _, body = await dispatcher.handle(
            f"AmazonSQS.{action}", json.dumps(payload).encode(), "127.0.0.1:9324"
        )
        assert status == 200, body
        return json.loads(body)

    async def run() -> None:
        url = f"http://127.0.0.1:9324/000000000000/{QUEUE}"
        sent = deleted = 0
        while deleted < messages:
            if sent < messages:
                batch = [{"Id": str(i), "MessageBody": f"Message {sent + i}"} for i in range(10)]
                await call("SendMessageBatch", {"QueueUrl": url, "Entries": batch})
                sent += 10
            got = await call(
                "ReceiveMessage",
                {"QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1},
            )
            handles = [m["ReceiptHandle"] for m in got.get("Messages", [])]
            if handles:
                entries = [{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(handles)]
                await call("DeleteMessageBatch", {"QueueUrl": url, "Entries": entries})
                deleted += len(handles)

    start = time.perf_counter()
    asyncio.run(run())
    return time.perf_counter() - start


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file())


def timed(build: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    built = build()
    return time.perf_counter() - start, built


def measure_new(messages: int, scratch: Path) -> dict[str, float]:
    data = scratch / "new"
    clock = Clock()
    live = new_engine(clock)
    live_journal = Journal(live, data)
    run_seconds = lifecycles(live, messages)
    written = live_journal.written
    crashed = scratch / "new-crashed"
    shutil.copytree(data, crashed)  # as a SIGKILL would leave it
    live_journal.close()
    start, _ = timed(lambda: Journal(new_engine(Clock(clock.t)), data))

    # The worst case: a crash just before a compaction (a snapshot + a journal at the bound).
    worst = scratch / "new-worst"
    engine = new_engine(Clock(clock.t))
    worst_journal = Journal(engine, worst, compact_bytes=10**12)
    while worst_journal.written < COMPACT_BYTES:
        lifecycles(engine, 1000)
    assert worst_journal._file is not None
    worst_journal._file.close()
    journal = worst / "sqs-journal.log"
    kept, size = [], 0
    for line in journal.read_bytes().splitlines(keepends=True):
        if size + len(line) > COMPACT_BYTES:
            break
        kept.append(line)
        size += len(line)
    journal.write_bytes(b"".join(kept))
    worst_start, worst_engine = timed(lambda: Journal(new_engine(Clock(clock.t)), worst))
    return {
        "run": run_seconds,
        "journal written": written,
        "at rest": dir_bytes(data),
        "start": start,
        "start after a crash": timed(lambda: Journal(new_engine(Clock(clock.t)), crashed))[0],
        "worst start": worst_start,
        "worst start records": worst_engine.replayed,
    }


def load_old_format(scratch: Path) -> Any | None:
    """The first journal module, from git, as a module of its own (None when git cannot give it)."""
    try:
        source = subprocess.run(
            ["git", "show", f"{OLD_FORMAT_COMMIT}:labkit/sqslocal/journal.py"],
            capture_output=True, text=True, check=True, cwd=Path(__file__).parent,
        ).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    path = scratch / "old_journal.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("old_journal", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure_old(messages: int, scratch: Path) -> dict[str, float] | None:
    old = load_old_format(scratch)
    if old is None:
        return None
    path = scratch / "old" / "sqs-journal.jsonl"
    clock = Clock()
    live = old.JournaledEngine(new_engine(clock), path)
    run_seconds = lifecycles(live, messages)
    live.close()
    size = path.stat().st_size
    start, _ = timed(lambda: old.JournaledEngine(new_engine(Clock(clock.t)), path))
    return {"run": run_seconds, "journal written": size, "at rest": size, "start": start}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sqs-journal-bench-") as tmp:
        scratch = Path(tmp)
        print(
            f"{args.messages:,} lifecycles (SendMessageBatch 10, ReceiveMessage 10, DeleteMessageBatch)"
        )
        new = measure_new(args.messages, scratch)
        old = measure_old(args.messages, scratch)
    if old is None:
        old = dict(OLD_NUMBERS_FROM_ISSUE)
        print(
            f"(old format not available from git: numbers from issue 11, commit {OLD_FORMAT_COMMIT})"
        )
    rows = [
        ("workload run (s)", "run", 1),
        ("journal written (MB)", "journal written", 1e-6),
        ("data dir at rest (MB)", "at rest", 1e-6),
        ("start: load + replay (s)", "start", 1),
        ("start after a crash (s)", "start after a crash", 1),
    ]
    print(f"{'':28} {'old format':>12} {'new format':>12} {'new/old':>9}")
    for label, key, scale in rows:
        a, b = old.get(key), new.get(key)
        shown_a = f"{a * scale:12.3f}" if a is not None else f"{'—':>12}"
        ratio = f"{b / a:9.3f}" if a else f"{'':>9}"
        print(f"{label:28} {shown_a} {b * scale:12.3f} {ratio}")
    print(
        f"worst start (snapshot + a full {COMPACT_BYTES // 1024} KiB journal, "
        f"{new['worst start records']:,} records): {new['worst start']:.3f} s"
    )
    at_rest_ok = new["at rest"] < TARGET_BYTES
    start_ok = max(new["start"], new["start after a crash"], new["worst start"]) < TARGET_START
    print(f"target at rest < {TARGET_BYTES / 1e6:g} MB: {'met' if at_rest_ok else 'MISSED'}")
    print(
        f"target start < {TARGET_START:g} s (every case above): {'met' if start_ok else 'MISSED'}"
    )
    return 0 if (at_rest_ok and start_ok) or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
