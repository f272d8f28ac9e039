"""The service declarations: URLs, the worker's readiness read from its log, and `launch`."""

from __future__ import annotations

import sys
from pathlib import Path

from labkit.services.ports import free_port
from labkit.services.process import launch, spawn_detached
from labkit.services.specs import (
    REDIS,
    SERVICES,
    SQS,
    TASKOVERFLOW,
    WORKER,
    Instance,
    by_name,
    log_since_start,
)


def test_each_service_is_declared_once_under_its_own_name() -> None:
    names = [spec.name for spec in SERVICES]
    assert len(set(names)) == len(names)
    assert all(by_name(name) is spec for name, spec in zip(names, SERVICES, strict=True))


def test_urls_follow_each_declaration() -> None:
    assert REDIS.url(6379) == "redis://127.0.0.1:6379/0"
    assert SQS.url(9324) == "http://127.0.0.1:9324"
    assert WORKER.url(None) is None  # listens on nothing


def test_nothing_listening_is_not_ready() -> None:
    port = free_port()
    assert not SQS.ready(Instance(url=f"http://127.0.0.1:{port}"))
    assert not TASKOVERFLOW.ready(Instance(url=f"http://127.0.0.1:{port}"))
    assert not REDIS.ready(Instance(url=f"redis://127.0.0.1:{port}/0"))
    assert SQS.problem(Instance(url=f"http://127.0.0.1:{port}")) == "not answering"


def test_log_since_start_reads_only_the_latest_run(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    log.write_text("--- 10:00 starting: a\nworker on old\n\n--- 11:00 starting: b\nbooting\n")
    assert "worker on" not in log_since_start(log)
    assert "booting" in log_since_start(log)
    assert log_since_start(tmp_path / "missing.log") == ""


def test_an_sqs_worker_is_ready_once_its_current_run_logged_its_queue(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    sqs_worker = Instance(pid=1, log=log, env={"JOB_TRANSPORT": "sqs"})
    log.write_text("\n--- 10:00 starting: taskoverflow worker\nconnecting\n")
    assert not WORKER.ready(sqs_worker)
    assert WORKER.problem(sqs_worker) == "not listening on its queue"
    log.write_text(log.read_text() + "INFO taskoverflow: worker on http://q (visibility 30s)\n")
    assert WORKER.ready(sqs_worker)
    assert WORKER.problem(sqs_worker) is None


def test_an_rq_worker_without_a_reachable_redis_has_that_problem() -> None:
    port = free_port()
    rq_worker = Instance(pid=1, env={"REDIS_URL": f"redis://127.0.0.1:{port}/0"})  # rq: default
    assert not WORKER.ready(rq_worker)
    assert WORKER.problem(rq_worker) == "cannot reach Redis"


def test_launch_gives_the_process_its_env_and_appends_its_output_to_the_log(
    tmp_path: Path,
) -> None:
    log = tmp_path / "logs" / "w.log"
    code = (
        "import os, sys; print(os.environ['GREETING'], flush=True); print('oops', file=sys.stderr)"
    )
    for _ in range(2):
        assert launch([sys.executable, "-c", code], env={"GREETING": "hi"}, log=log).wait(30) == 0
    assert log.read_text().splitlines() == ["hi", "oops", "hi", "oops"]
    assert log.stat().st_mode & 0o777 == 0o600


def test_spawn_detached_marks_each_start_and_records_the_process(tmp_path: Path) -> None:
    log = tmp_path / "svc.log"
    proc, record = spawn_detached([sys.executable, "-c", "print('up')"], log, {})
    assert proc.wait(30) == 0
    assert record.pid == proc.pid
    assert "starting:" in log.read_text() and log_since_start(log).endswith("up\n")
