"""`taskoverflow serve | worker | migrate` as real processes: the course's cURL walk-through over
HTTP on Hypercorn, schemathesis against the live OpenAPI document, and one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

TASKOVERFLOW = [sys.executable, "-m", "taskoverflow.cli"]


def run_cli(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*TASKOVERFLOW, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
def test_curl_walkthrough_over_http(server: str, lab_env: dict[str, str], tmp_path: Path):
    with httpx.Client(base_url=server, timeout=10) as http:
        assert http.get("/api/v1/health").json() == {"status": "ok"}
        created = http.post(
            "/api/v1/todos", json={"title": "Demo", "deadline_at": "2023-02-27T00:00:00"}
        )
        assert created.status_code == 201
        task = http.post("/api/v1/todos/ical").json()
        assert task["task_url"].startswith(server)
        assert http.get(task["task_url"]).json()["task_status"] == "PENDING"

        worker = run_cli("worker", "--burst", env=lab_env)
        assert worker.returncode == 0, worker.stdout + worker.stderr

        status = http.get(task["task_url"]).json()
        assert status["task_status"] == "SUCCESS"
        calendar = http.get(status["result_url"])
        assert calendar.status_code == 200
        assert calendar.headers["content-type"].startswith("text/calendar")
        assert "SUMMARY:Demo\r\n" in calendar.text

        too_big = http.post("/api/v1/todos", content=b"{" + b" " * 70_000 + b"}")
        assert too_big.status_code == 413
        assert "error" in too_big.json()
        assert "<title>TaskOverflow</title>" in http.get("/").text
    # the default database lives in TASKOVERFLOW_DATA_DIR
    assert (tmp_path / "lab" / "taskoverflow.db").exists()


@pytest.mark.slow
def test_schemathesis_finds_no_failures(server: str, tmp_path: Path):
    st = str(Path(sys.executable).with_name("st"))  # schemathesis is pinned in the dev extras
    result = subprocess.run(
        [
            st,
            "run",
            f"{server}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            "15",
            "--seed",
            "1",
            "--phases",
            "coverage,fuzzing,stateful",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-6000:]


def test_worker_without_redis_is_one_line_error(dead_redis_url: str):
    result = run_cli("worker", "--burst", env={"REDIS_URL": dead_redis_url})
    assert result.returncode == 1
    assert "cannot reach the job queue" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_unknown_transport_is_one_line_error(dead_redis_url: str):
    result = run_cli("worker", "--burst", env={"JOB_TRANSPORT": "pigeon"})
    assert result.returncode == 1
    assert "unknown JOB_TRANSPORT 'pigeon'" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_setting_is_one_line_error():
    result = run_cli("worker", "--burst", env={"ICAL_DELAY_SECONDS": "soon"})
    assert result.returncode == 1
    assert "ICAL_DELAY_SECONDS" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_on_a_taken_port_is_one_line_error(tmp_path: Path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(
            "serve", "--port", str(port), env={"TASKOVERFLOW_DATA_DIR": str(tmp_path)}, timeout=120
        )
    assert result.returncode == 1
    assert f"127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_command(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    result = run_cli("migrate", env={"DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert "database at head" in result.stdout
    import sqlite3

    with sqlite3.connect(tmp_path / "m.db") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"todos", "alembic_version"} <= tables


@pytest.mark.parametrize(
    "args",
    [
        ("serve", "--port", "70000"),
        ("serve", "--port", "-1"),
        ("serve", "--workers", "1" + "0" * 400),
    ],
    ids=["port high", "port negative", "workers"],
)
def test_serve_out_of_range_numbers_are_usage_errors(args: tuple[str, ...]) -> None:
    result = run_cli(*args, env={})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_serve_on_a_host_that_is_no_address_is_one_line(tmp_path: Path) -> None:
    result = run_cli(
        "serve", "--host", "\udcff", "--port", "0", env={"TASKOVERFLOW_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode == 1
    assert "error: cannot serve on" in result.stderr
    assert "Traceback" not in result.stderr
