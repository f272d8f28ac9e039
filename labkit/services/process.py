"""Detached service processes that `labkit down` can later stop safely.

A PID alone is not an identity: once a process exits its PID may be reused by anything. We record the
PID together with the process's start time (and command line, for humans) and only signal a process
when both still match, so a recycled PID is never killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

import psutil

# start times are floats from /proc; the same process always reports the same value, but allow for
# rounding when it went through JSON.
_START_TIME_TOLERANCE = 0.05


@dataclass(frozen=True)
class ProcessRecord:
    pid: int
    create_time: float
    cmdline: list[str]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProcessRecord | None:
        try:
            return cls(int(data["pid"]), float(data["create_time"]), list(data.get("cmdline", [])))
        except (KeyError, TypeError, ValueError):
            return None


def launch(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    log: Path | None = None,
    cwd: Path | None = None,
    detached: bool = False,
    tied: bool = False,
) -> subprocess.Popen[bytes]:
    """Start a service or worker process — the one way the lab does — and return its handle.

    Output (stdout and stderr) is appended to `log` (created 0600: it holds job data), else
    dropped; stdin is closed. `detached` starts it in a new session, private files and all, so it
    outlives us and a Ctrl-C here does not reach it (`labkit up`). `tied` asks Linux to stop it
    when this process dies (a notebook kernel's or a test's workers).
    """
    out: IO[bytes] | int = subprocess.DEVNULL
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        out = os.fdopen(os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "ab")
    try:
        return subprocess.Popen(
            list(argv),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env),
            cwd=cwd,
            start_new_session=detached,
            close_fds=True,
            umask=0o077 if detached else -1,
            preexec_fn=die_with_parent() if tied else None,
        )
    finally:
        if not isinstance(out, int):
            out.close()


def spawn_detached(
    argv: Sequence[str], log_file: Path, env: Mapping[str, str], cwd: Path | None = None
) -> tuple[subprocess.Popen[bytes], ProcessRecord]:
    """Start `argv` detached (see `launch`) and record who it is, so `stop` can find it again.

    A line marking the start goes to the log first: one log holds every run of a service.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "ab") as log:
        log.write(
            f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(argv)}\n".encode()
        )
    proc = launch(argv, env=env, log=log_file, cwd=cwd, detached=True)
    try:
        create_time = psutil.Process(proc.pid).create_time()
    except psutil.Error:  # already gone: record something that can never match
        create_time = -1.0
    return proc, ProcessRecord(proc.pid, create_time, list(argv))


def live_process(record: ProcessRecord) -> psutil.Process | None:
    """The process `record` describes if it is still the same, running process; else None."""
    try:
        proc = psutil.Process(record.pid)
        if abs(proc.create_time() - record.create_time) > _START_TIME_TOLERANCE:
            return None  # PID recycled by another process
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return proc
    except psutil.Error:
        return None


def is_running(record: ProcessRecord) -> bool:
    return live_process(record) is not None


def stop(record: ProcessRecord, timeout: float = 10.0) -> bool:
    """SIGTERM the verified process and its descendants, SIGKILL what is left after `timeout`.

    Returns True when something was stopped, False when the record no longer matched a live process.
    """
    proc = live_process(record)
    if proc is None:
        return False
    try:
        family = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        family = [proc]
    for member in family:
        with contextlib.suppress(psutil.Error):
            member.send_signal(signal.SIGTERM)
    alive = _wait_gone(family, timeout)
    for member in alive:
        with contextlib.suppress(psutil.Error):
            member.kill()
    _wait_gone(alive, 5)
    _reap(record.pid)
    return True


def terminate(proc: subprocess.Popen[Any], timeout: float = 10.0) -> None:
    """Stop a child we started ourselves: SIGTERM, then SIGKILL if it is still there after `timeout`."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _gone(proc: psutil.Process) -> bool:
    """Exited, or a zombie: its parent (often init, for detached services) has yet to reap it."""
    try:
        return not proc.is_running() or proc.status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return True


def _wait_gone(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Poll until every process is gone (psutil.wait_procs waits for the reaping too); the rest."""
    end = time.monotonic() + timeout
    alive = [p for p in procs if not _gone(p)]
    while alive and time.monotonic() < end:
        time.sleep(0.02)
        alive = [p for p in alive if not _gone(p)]
    return alive


def _reap(pid: int) -> None:
    """Collect the exit status if the process is our own child (ensure_up in a notebook kernel)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A `preexec_fn` asking Linux to send `sig` to the child when its parent dies.

    For throw-away test servers: if pytest is killed before its fixtures tear down, the servers
    go with it instead of lingering. (Not for `labkit up`, whose services must outlive the CLI.)
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1

    def _preexec() -> None:
        libc.prctl(pr_set_pdeathsig, int(sig), 0, 0, 0)

    return _preexec
