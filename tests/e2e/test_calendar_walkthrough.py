"""End to end through `labkit up`: the course's cURL walk-through in httpx.

HTTP client → TaskOverflow API → Valkey → RQ worker → result, against the real processes the
`lab_stack` fixture started (ICAL_DELAY_SECONDS=0, free ports, temporary LAB_DIR).
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import httpx
import icalendar
import psutil
import pytest

from labkit.services.process import is_running
from tests.fixtures.stack import LabStack, run_labkit

pytestmark = pytest.mark.slow


def _poll_until_done(client: httpx.Client, task_url: str, timeout: float = 30.0) -> list[str]:
    """Poll the status URL like the course's shell loop; return every status seen, in order."""
    seen: list[str] = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        response = client.get(task_url)
        assert response.status_code == 200, response.text
        status = response.json()["task_status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in ("SUCCESS", "FAILURE"):
            return seen
        time.sleep(0.05)
    pytest.fail(f"calendar job not finished after {timeout}s; statuses seen: {seen}")


def test_course_curl_walkthrough(lab_stack: LabStack) -> None:
    course_walkthrough(lab_stack)


def course_walkthrough(lab_stack: LabStack) -> None:
    """POST todos, POST /todos/ical, poll the status, GET the text/calendar result, check it."""
    api = f"{lab_stack.taskoverflow}/api/v1"
    with httpx.Client(timeout=10) as client:
        assert client.get(f"{api}/health").json() == {"status": "ok"}
        created = []
        for body in (
            {"title": "Write report", "deadline_at": "2026-12-01T09:30:00"},
            {"title": "Line one\nEND:VEVENT\nBEGIN:VEVENT", "deadline_at": "2026-12-02T10:00:00"},
            {"title": "No deadline, no event"},
        ):
            response = client.post(f"{api}/todos", json=body)
            assert response.status_code == 201, response.text
            created.append(response.json())

        # the stack is shared: the calendar holds every todo with a deadline at snapshot time
        expected = sorted(t["title"] for t in client.get(f"{api}/todos").json() if t["deadline_at"])
        job = client.post(f"{api}/todos/ical")
        assert job.status_code == 202, job.text
        task = job.json()
        assert task["task_url"].startswith(lab_stack.taskoverflow + "/")
        statuses = _poll_until_done(client, task["task_url"])
        assert statuses[-1] == "SUCCESS", statuses
        assert set(statuses) <= {"PENDING", "STARTED", "SUCCESS"}

        status = client.get(task["task_url"]).json()
        assert status["task_id"] == task["task_id"]
        result = client.get(status["result_url"])
        assert result.status_code == 200
        assert result.headers["content-type"].startswith("text/calendar")

    calendar = icalendar.Calendar.from_ical(result.content)
    events = list(calendar.walk("VEVENT"))
    # only todos with a deadline become events; the injection title stays inside its own event
    assert sorted(str(e["SUMMARY"]) for e in events) == expected
    assert {t["title"] for t in created if t["deadline_at"]} <= set(expected)
    assert "No deadline, no event" not in expected
    assert len({str(e["UID"]) for e in events}) == len(events)
    assert b"\r\n" in result.content


def test_unknown_job_is_404_through_the_stack(lab_stack: LabStack) -> None:
    api = f"{lab_stack.taskoverflow}/api/v1"
    missing = "00000000-0000-0000-0000-000000000000"
    assert httpx.get(f"{api}/todos/ical/{missing}/status").status_code == 404
    assert httpx.get(f"{api}/todos/ical/{missing}/result").status_code == 404


def test_status_json_names_every_service(lab_stack: LabStack) -> None:
    result = run_labkit(["status", "--json"], lab_stack.env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["taskoverflow"] == lab_stack.taskoverflow
    assert report["sqs"] == lab_stack.sqs
    password = urlsplit(lab_stack.redis).password
    assert password and password not in result.stdout  # the Valkey password is never printed
    assert report["redis"] == lab_stack.redis.replace(f":{password}@", "")
    for name in ("redis", "sqs", "taskoverflow", "worker"):
        assert report["services"][name]["running"], name
        assert report["services"][name]["healthy"], name


def test_second_up_starts_nothing(lab_stack: LabStack) -> None:
    before = {name: r.pid for name, r in lab_stack.records().items()}
    result = run_labkit(["up"], lab_stack.env)
    assert result.returncode == 0, result.stderr
    assert "nothing started" in result.stderr
    after = json.loads((lab_stack.lab_dir / "state.json").read_text())["services"]
    assert {name: after[name]["pid"] for name in before} == before
    assert all(is_running(r) for r in lab_stack.records().values())


def test_environment_reaches_the_services(lab_stack: LabStack) -> None:
    """What `labkit up` was given (ICAL_DELAY_SECONDS) and where the stack is reach API and worker."""
    records = lab_stack.records()
    for name in ("taskoverflow", "worker"):
        env = psutil.Process(records[name].pid).environ()
        assert env["ICAL_DELAY_SECONDS"] == "0", name
        assert env["REDIS_URL"] == lab_stack.redis, name
        assert env["AWS_ENDPOINT_URL_SQS"] == lab_stack.sqs, name
        assert env["LAB_DIR"] == str(lab_stack.lab_dir), name


def test_sqs_service_from_the_stack_answers_boto3(lab_stack: LabStack) -> None:
    import boto3

    sqs = boto3.client(
        "sqs",
        endpoint_url=lab_stack.sqs,
        region_name="us-east-1",
        aws_access_key_id="lab",
        aws_secret_access_key="lab",
    )
    url = sqs.create_queue(QueueName="e2e-stack-check")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
    assert [m["Body"] for m in got] == ["hello"]
    sqs.delete_queue(QueueUrl=url)


def test_persistent_data_lives_in_the_lab_dir(lab_stack: LabStack) -> None:
    """Valkey keeps an append-only file and the SQS service a journal, both under LAB_DIR."""
    records = lab_stack.records()
    redis_argv, sqs_argv = records["redis"].cmdline, records["sqs"].cmdline
    assert redis_argv[redis_argv.index("--appendonly") + 1] == "yes"
    assert redis_argv[redis_argv.index("--dir") + 1] == str(lab_stack.lab_dir / "valkey")
    assert sqs_argv[sqs_argv.index("--data-dir") + 1] == str(lab_stack.lab_dir / "sqs")
    assert (lab_stack.lab_dir / "valkey").is_dir() and (lab_stack.lab_dir / "sqs").is_dir()
