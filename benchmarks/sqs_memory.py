"""Memory per message, side by side: the lab's SQS engine vs a Valkey list of the same bodies.

    .venv/bin/python benchmarks/sqs_memory.py [--quick] [--json FILE]

For each size (100,000 and 1,000,000 messages; `--quick`: 100,000 only) the same 100-byte bodies
(distinct: a number, padded) are stored twice:

* **engine** — `Engine.send_message` on a standard queue, in a fresh child process (so nothing
  else lives in it); measured as the growth of the process's resident set size (RSS, from
  /proc/self/statm) from just before the first send to just after the last, after a garbage
  collection. RSS is what the machine pays: it includes the allocator's slack, which tracemalloc
  would not count. A second row sends every message with one String attribute (the throughput
  benchmark's `client`), which the engine shares between messages.
* **valkey** — `RPUSH` of the same bodies to one list on a real Valkey (`running_valkey()`),
  pipelined; measured as the growth of `INFO memory` `used_memory` (bytes Valkey allocated).

Prints bytes per message and the ratio engine ÷ Valkey. Target (issue 13): ≤ 300 bytes per
100-byte message at 1,000,000 (≤ 3× Valkey's list).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BODY_BYTES = 100
TARGET_BYTES = 300
ATTRIBUTES = {"client": {"DataType": "String", "StringValue": "bench"}}


def body(i: int) -> str:
    return f"{i:012d}".ljust(BODY_BYTES, "x")


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def engine_bytes(n: int, with_attributes: bool) -> dict[str, float]:
    """In this process: RSS growth per message for n sends (run it in a fresh child)."""
    import random

    from labkit.sqslocal.engine import Engine

    engine = Engine(time.time, random.Random(1))
    engine.create_queue("csse6400_prac")
    attributes = ATTRIBUTES if with_attributes else None
    engine.send_message("csse6400_prac", body(-1), message_attributes=attributes)  # warm up
    gc.collect()
    before = rss()
    started = time.perf_counter()
    for i in range(n):
        engine.send_message("csse6400_prac", body(i), message_attributes=attributes)
    elapsed = time.perf_counter() - started
    gc.collect()
    grown = rss() - before
    depth = engine.get_queue_attributes("csse6400_prac", ["ApproximateNumberOfMessages"])
    assert int(depth["ApproximateNumberOfMessages"]) == n + 1
    return {"bytes_per_message": grown / n, "sends_per_s": n / elapsed}


def engine_in_child(n: int, with_attributes: bool) -> dict[str, float]:
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import sqs_memory; "
        "print(json.dumps(sqs_memory.engine_bytes(int(sys.argv[2]), sys.argv[3] == '1')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(Path(__file__).parent), str(n), str(int(with_attributes))],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def valkey_bytes(url: str, n: int) -> float:
    import redis

    client = redis.Redis.from_url(url)
    key = f"bench-{n}"
    client.delete(key)
    before = int(client.info("memory")["used_memory"])
    batch = 2_000
    for first in range(0, n, batch):
        pipe = client.pipeline(transaction=False)
        for i in range(first, min(first + batch, n)):
            pipe.rpush(key, body(i))
        pipe.execute()
    grown = int(client.info("memory")["used_memory"]) - before
    assert client.llen(key) == n
    client.delete(key)
    client.close()
    return grown / n


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100,000 messages only")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    from labkit.services.valkey import running_valkey

    sizes = [100_000] if args.quick else [100_000, 1_000_000]
    console = Console(width=120)
    console.print(f"load average at start: {load()}", highlight=False)
    rows: list[dict[str, Any]] = []
    with running_valkey() as url:
        for n in sizes:
            valkey = valkey_bytes(url, n)
            for with_attributes in (False, True):
                ours = engine_in_child(n, with_attributes)
                rows.append(
                    {
                        "messages": n,
                        "attributes": with_attributes,
                        "engine_bytes": ours["bytes_per_message"],
                        "engine_sends_per_s": ours["sends_per_s"],
                        "valkey_bytes": valkey,
                        "ratio": ours["bytes_per_message"] / valkey,
                        "load": load(),
                    }
                )
    table = Table(
        title=f"Bytes per {BODY_BYTES}-byte message (engine: RSS growth; Valkey: used_memory)"
    )
    for column in ("messages", "engine", "Valkey list", "engine ÷ Valkey", "sends/s", "load avg"):
        table.add_column(column, justify="right")
    for row in rows:
        label = f"{row['messages']:,}" + (" + 1 attribute" if row["attributes"] else "")
        table.add_row(
            label,
            f"{row['engine_bytes']:,.0f}",
            f"{row['valkey_bytes']:,.0f}",
            f"{row['ratio']:.2f}×",
            f"{row['engine_sends_per_s']:,.0f}",
            row["load"],
        )
    console.print(table)
    met = True
    for row in rows:
        if row["messages"] == 1_000_000:
            ok = row["engine_bytes"] <= TARGET_BYTES and row["ratio"] <= 3.0
            met &= ok
            mark = "[green]met[/green]" if ok else "[red]MISSED[/red]"
            what = "with 1 attribute" if row["attributes"] else "plain"
            console.print(
                f"  target ≤ {TARGET_BYTES} bytes and ≤ 3× Valkey at 1,000,000 ({what}): {mark} "
                f"({row['engine_bytes']:.0f} bytes, {row['ratio']:.2f}×)"
            )
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "targets_met": met}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
