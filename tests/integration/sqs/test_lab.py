"""The lab-only endpoints under /_lab/: health, metrics, clock, reset (and clean 4xx on misuse)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

STD = "csse6400_prac"


def test_health_and_config(sqs: Any, sqs_server) -> None:
    assert sqs_server.lab("GET", "health")["status"] == "ok"
    assert sqs_server.lab("GET", "config")["seed"] == 6400


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
    assert {q["queue"] for q in listing} == {STD, STD + ".fifo"}


def test_clock_advance_moves_service_time(sqs: Any, sqs_server) -> None:
    before = sqs_server.lab("GET", "clock")
    after = sqs_server.lab("POST", "clock/advance", {"seconds": 300})
    assert after["offset"] == before["offset"] + 300


def test_reset_forgets_everything(sqs: Any, sqs_server) -> None:
    sqs.create_queue(QueueName="temporary")
    sqs_server.reset()
    names = {u.rsplit("/", 1)[1] for u in sqs.list_queues()["QueueUrls"]}
    assert names == {STD, STD + ".fifo"}
    assert sqs_server.lab("GET", "clock")["offset"] == 0


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "queues/nope/metrics", None, 404),
        ("GET", "no-such-thing", None, 404),
        ("POST", "clock/advance", {"seconds": "soon"}, 400),
        ("POST", "clock/advance", {"seconds": -5}, 400),
        ("POST", "clock/advance", [1], 400),
    ],
)
def test_lab_misuse_is_a_clear_4xx(sqs_server, method, path, body, status) -> None:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{sqs_server.url}/_lab/{path}", data=data, method=method)
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request, timeout=10)
    assert exc.value.code == status
    assert "error" in json.loads(exc.value.read())
