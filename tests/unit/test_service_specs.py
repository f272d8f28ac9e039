"""The service declarations: URLs, the worker's readiness read from its log, and `launch`."""

from __future__ import annotations

import http.server
import json
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

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


class _Health(http.server.BaseHTTPRequestHandler):
    """Answers GET with whatever the test put in `reply` (status, body)."""

    reply: tuple[int, bytes] = (200, b"")

    def do_GET(self) -> None:
        status, body = self.reply
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[tuple[str, type[_Health]]]:
    handler = type("Handler", (_Health,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


def test_the_api_probe_reads_what_the_health_route_answers(
    health_server: tuple[str, type[_Health]],
) -> None:
    url, handler = health_server
    api = Instance(url=url)
    handler.reply = (200, json.dumps({"status": "ok"}).encode())
    assert TASKOVERFLOW.ready(api)
    assert TASKOVERFLOW.problem(api) is None
    failing = {"status": "degraded", "database": "ok", "job_queue": "Redis is unreachable"}
    handler.reply = (200, json.dumps(failing).encode())
    assert TASKOVERFLOW.problem(api) == "job_queue: Redis is unreachable"
    handler.reply = (503, b"{}")
    assert not TASKOVERFLOW.ready(api)
    assert TASKOVERFLOW.problem(api) == "health check answered 503"
    handler.reply = (200, b"<html>not the API</html>")
    assert TASKOVERFLOW.problem(api) == "health check answered no JSON"
    handler.reply = (200, b"[]")
    assert TASKOVERFLOW.problem(api) == "health check answered no JSON object"


def test_a_server_that_accepts_but_never_answers_is_not_ready() -> None:
    """The probe's timeout bounds the wait: a hung service reads as not ready, not as a hang."""
    with socket.create_server(("127.0.0.1", 0)) as silent:  # listens, never replies
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        assert not SQS.ready(Instance(url=url))  # gives up after its 1 s timeout
