"""Notebook 05's helpers: stopping the processes it starts, reading worker logs, Redis databases.
(Starting real APIs and workers is exercised by running the notebook; its kill timeline is drawn
in test_plots.py.)"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from labkit.notebook import JobStack, stop_processes, with_redis_db


def _python(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)


def test_with_redis_db_keeps_the_server_and_changes_the_database():
    assert with_redis_db("redis://127.0.0.1:6381/0", 5) == "redis://127.0.0.1:6381/5"
    assert with_redis_db("redis://:secret@host:1234", 3) == "redis://:secret@host:1234/3"


def test_stop_processes_sends_one_sigterm_and_kills_what_ignores_it():
    # counts SIGTERMs: a worker quits mid-job on the second one, so there must be only one
    counting = _python(
        "import signal, sys, time\n"
        "n = 0\n"
        "def on(*_):\n"
        "    global n; n += 1\n"
        "signal.signal(signal.SIGTERM, on)\n"
        "print('ready', flush=True)\n"
        "end = time.monotonic() + 30\n"
        "while time.monotonic() < end and n == 0: time.sleep(0.01)\n"
        "time.sleep(0.3)\n"
        "print(n, flush=True)\n"
    )
    stubborn = _python(
        "import signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    for proc in (counting, stubborn):
        assert proc.stdout.readline().strip() == "ready"
    stop_processes([counting, stubborn], timeout=2)
    assert counting.returncode == 0
    assert counting.stdout.read().strip() == "1"
    assert stubborn.returncode == -signal.SIGKILL


def test_stop_processes_ignores_what_already_exited():
    done = _python("pass")
    done.wait()
    stop_processes([done])
    assert done.returncode == 0


def _offline_stack(tmp_path: Path) -> JobStack:
    """A JobStack with no processes behind it: only its log reading is exercised."""
    return JobStack(
        "sqs",
        "http://127.0.0.1:1",
        tmp_path / "x.db",
        {},
        tmp_path,
        server=None,  # type: ignore[arg-type]  # no API process: these tests read logs only
    )


def test_log_lines_drop_the_run_specific_prefix(tmp_path: Path):
    stack = _offline_stack(tmp_path)
    stack.log("worker-1").write_text(
        "2026-11-30 10:17:07,976 INFO taskoverflow.sqs.worker: job abc started (attempt 1)\n"
        "2026-11-30 10:17:07,990 INFO taskoverflow.sqs.worker: job xyz started (attempt 1)\n"
        "2026-11-30 10:17:08,990 INFO taskoverflow.sqs.worker: job abc succeeded\n"
    )
    assert stack.log_lines("worker-1", "abc") == [
        "job abc started (attempt 1)",
        "job abc succeeded",
    ]


def test_worker_with_names_the_running_worker_that_took_the_job(tmp_path: Path):
    stack = _offline_stack(tmp_path)
    dead, alive = _python("pass"), _python("import time; time.sleep(30)")
    dead.wait()
    try:
        stack.workers = {"worker-1": dead, "worker-2": alive}
        stack.log("worker-1").write_text("x INFO w: job abc started (attempt 1)\n")
        stack.log("worker-2").write_text("x INFO w: worker on http://…\n")
        assert stack.worker_with("abc") is None  # only a dead worker ever had it
        stack.log("worker-2").write_text("x INFO w: job abc started (attempt 2)\n")
        assert stack.worker_with("abc") == "worker-2"
    finally:
        stop_processes([alive])
