"""The lab-only endpoints under /_lab/: health, metrics, clock, reset (and clean 4xx on misuse)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from labkit.sqslocal.config import settings
from labkit.sqslocal.lab_client import LabCallError
from labkit.terraform import queue_specs
from tests.fixtures.sqs import TERRAFORM

STD = "csse6400_prac"
DECLARED = {spec.name for spec in queue_specs(TERRAFORM)}  # what the fixture's --queues declares


def test_health_and_config(sqs: Any, sqs_server) -> None:
    assert sqs_server.lab("GET", "health")["status"] == "ok"
    config = sqs_server.lab("GET", "config")
    assert config["seed"] == 6400
    assert set(config) == {declared.name for declared, _ in settings()}


def test_metrics_like_the_console(sqs: Any, sqs_server) -> None:
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="a")
    (m,) = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    sqs.receive_message(QueueUrl=url)
    metrics = sqs_server.metrics(STD)
    assert metrics["totals"]["sent"] == 1
    assert metrics["totals"]["received"] == 1
    assert metrics["totals"]["deleted"] == 1
    assert metrics["totals"]["empty_receives"] == 1
    assert metrics["buckets"] and metrics["buckets"][-1]["sent"] == 1
    listing = sqs_server.lab("GET", "queues")["queues"]
    assert {q["queue"] for q in listing} == DECLARED


def test_clock_advance_moves_service_time(sqs: Any, sqs_server) -> None:
    before = sqs_server.lab("GET", "clock")
    after = sqs_server.lab("POST", "clock/advance", {"seconds": 300})
    assert after["offset"] == before["offset"] + 300


def test_reset_forgets_everything(sqs: Any, sqs_server) -> None:
    sqs.create_queue(QueueName="temporary")
    sqs_server.reset()
    names = {u.rsplit("/", 1)[1] for u in sqs.list_queues()["QueueUrls"]}
    assert names == DECLARED >= {STD, STD + ".fifo"}
    assert sqs_server.lab("GET", "clock")["offset"] == 0


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "queues/nope/metrics", None, 404),
        ("GET", "no-such-thing", None, 404),
        ("POST", "clock/advance", {"seconds": "soon"}, 400),
        ("POST", "clock/advance", {"seconds": -5}, 400),
        ("POST", "clock/advance", [1], 400),
        ("POST", "clock/advance", {"seconds": 10**400}, 400),  # too big for a float
    ],
)
def test_lab_misuse_is_a_clear_4xx(sqs_server, method, path, body, status) -> None:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{sqs_server.url}/_lab/{path}", data=data, method=method)
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request, timeout=10)
    assert exc.value.code == status
    assert "error" in json.loads(exc.value.read())


def test_lab_body_nested_too_deep_is_a_400(sqs_server) -> None:
    request = urllib.request.Request(
        f"{sqs_server.url}/_lab/clock/advance", data=b"[" * 100_000, method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request, timeout=10)
    assert exc.value.code == 400
    assert json.loads(exc.value.read()) == {"error": "the body must be JSON"}


def test_event_log_over_http_and_through_the_notebook_helper(sqs: Any, sqs_server) -> None:
    from labkit.config import Endpoints
    from labkit.notebook import Lab

    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody="traced")["MessageId"]
    (_m,) = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, VisibilityTimeout=5)["Messages"]
    sqs_server.advance(6)  # the visibility timeout runs out on the service clock
    events = sqs_server.lab("GET", f"queues/{STD}/events")["events"]
    assert [e["event"] for e in events] == ["sent", "received", "visible"]
    assert {e["message_id"] for e in events} == {sent}
    assert events[2]["time"] == pytest.approx(events[1]["time"] + 5)
    assert set(events[0]) == {"time", "message_id", "event", "receive_count", "group_id"}
    lab = Lab(Endpoints(sqs=sqs_server.url, redis="", taskoverflow="", region="us-east-1"))
    assert lab.events(STD) == events
    sqs_server.reset()
    assert lab.events(STD) == []
    with pytest.raises(LabCallError) as err:
        sqs_server.lab("GET", "queues/nope/events")
    assert err.value.status == 404
