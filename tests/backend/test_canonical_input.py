"""Issue 11 over HTTP to a live `taskoverflow serve`: ids in URLs have one spelling, the OpenAPI
schema and the validation agree on deadlines, the health route reports its dependencies, and the
calendar queue has a bound (429 with Retry-After)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator

import httpx
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labkit.services.ports import free_port, wait_for_port

API = "/api/v1"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[str]:
    """One live server for the module (starting Hypercorn costs seconds on a busy machine)."""
    lab = tmp_path_factory.mktemp("lab")
    port = free_port()
    env = {
        **os.environ,
        "TASKOVERFLOW_DATA_DIR": str(lab),
        "REDIS_URL": redis_url,
        "ICAL_DELAY_SECONDS": "0",
    }
    with (lab / "serve.log").open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "taskoverflow.cli", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        assert wait_for_port(port, timeout=120), (lab / "serve.log").read_text()
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


@pytest.fixture(scope="module")
def http(live: str) -> Iterator[httpx.Client]:
    """One client for the module: each new client builds an SSL context (~50 ms), more than a
    request costs. No keep-alive: a loaded machine may take longer between requests than the
    server keeps an idle connection open."""
    with httpx.Client(
        base_url=live + API, timeout=30, limits=httpx.Limits(max_keepalive_connections=0)
    ) as client:
        yield client


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
SPELLINGS = {
    "arabic-indic": lambda n: str(n).translate(ARABIC_INDIC),
    "full-width": lambda n: str(n).translate(FULL_WIDTH),
    "leading zeros": lambda n: f"000{n}",
    "plus sign": lambda n: f"+{n}",
    "decimal": lambda n: f"{n}.0",
    "space": lambda n: f"%20{n}",
    "newline": lambda n: f"{n}%0A",
}


@pytest.mark.parametrize("spelling", SPELLINGS, ids=list(SPELLINGS))
def test_an_id_has_one_spelling(http: httpx.Client, spelling: str) -> None:
    """`/todos/%D9%A3` was todo 3 and `/todos/0001` todo 1: now one todo, one URL."""
    todo = http.post("/todos", json={"title": "the one"}).json()
    other = SPELLINGS[spelling](todo["id"])
    assert http.get(f"/todos/{todo['id']}").json()["title"] == "the one"
    for method, kwargs in (("get", {}), ("put", {"json": {"title": "changed"}}), ("delete", {})):
        response = http.request(method.upper(), f"/todos/{other}", **kwargs)
        assert response.status_code == 404, (method, other, response.text)
        assert "error" in response.json()
    assert http.get(f"/todos/{todo['id']}").json()["title"] == "the one"  # untouched


def _deadline_schema(http: httpx.Client) -> dict:
    doc = http.get(f"{http.base_url.copy_with(path='/openapi.json')}").json()
    body = doc["paths"]["/api/v1/todos"]["post"]["requestBody"]["content"]["application/json"]
    schema = body["schema"]["properties"]["deadline_at"]
    return {"anyOf": [s for s in schema["anyOf"] if s.get("type") == "string"]}


SAMPLES = [
    "0001-01-01T00:00:52+23:24",  # the example: UTC would be in year 0
    "9999-12-31T23:00:00-05:00",
    "0001-01-01T00:00:52Z",
    "0002-01-01T00:00:00+23:59",
    "2023-02-27T00:00:00",
    "2023-02-27",
    "2024-02-29T10:00",
    "2023-02-29",
    "2023-02-27T24:00:00",
    "2023-02-27T10:00:00+24:00",
    "2023-02-27 10:00:00",
    "2023-02-27T10:00:00\n",
    "٢٠٢٣-٠٢-٢٧",
    "2023-02-27T10:00:00.1234567",
]


@pytest.mark.parametrize("value", SAMPLES)
def test_schema_and_validation_agree_on_deadlines(http: httpx.Client, value: str) -> None:
    schema = _deadline_schema(http)
    valid = jsonschema.Draft202012Validator(schema).is_valid(value)
    response = http.post("/todos", json={"title": "t", "deadline_at": value})
    assert response.status_code == (201 if valid else 400), (value, response.text)
    if not valid:
        assert "deadline_at" in response.json()["error"]


@pytest.fixture(scope="module")
def deadline_validator(http: httpx.Client) -> jsonschema.Draft202012Validator:
    """The live document's deadline schema, read once: the server's document does not change."""
    return jsonschema.Draft202012Validator(_deadline_schema(http))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    value=st.from_regex(
        r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?([+-][0-9]{2}:[0-9]{2}|Z)?)?\Z"
    )
)
def test_schema_and_validation_agree_on_generated_deadlines(
    http: httpx.Client, deadline_validator: jsonschema.Draft202012Validator, value: str
) -> None:
    """Near-misses and edge years alike: schema-valid exactly when the API stores it."""
    valid = deadline_validator.is_valid(value)
    response = http.post("/todos", json={"title": "t", "deadline_at": value})
    assert response.status_code == (201 if valid else 400), (value, response.text)


def test_a_zoned_deadline_is_stored_as_the_same_instant(http: httpx.Client) -> None:
    created = http.post("/todos", json={"title": "t", "deadline_at": "0002-01-01T00:00:00+23:59"})
    assert created.status_code == 201
    assert created.json()["deadline_at"] == "0001-12-31T00:01:00"


def test_health_reports_database_and_job_queue(
    http: httpx.Client, serve, dead_redis_url: str
) -> None:
    healthy = http.get("/health")
    assert healthy.status_code == 200 and healthy.json() == {"status": "ok"}
    degraded = httpx.get(serve(REDIS_URL=dead_redis_url) + f"{API}/health", timeout=30)
    assert degraded.status_code == 200
    body = degraded.json()
    assert body["status"] == "degraded" and body["database"] == "ok"
    assert body["job_queue"].startswith("unavailable")


def test_the_calendar_backlog_is_bounded(serve) -> None:
    with httpx.Client(base_url=serve(ICAL_MAX_BACKLOG="3") + API, timeout=30) as http:
        accepted = [http.post("/todos/ical") for _ in range(3)]
        assert [r.status_code for r in accepted] == [202, 202, 202]
        refused = http.post("/todos/ical")
        assert refused.status_code == 429
        assert "too many calendar jobs waiting" in refused.json()["error"]
        assert int(refused.headers["Retry-After"]) >= 1
        # nothing was queued for the refused request, and earlier jobs are untouched
        for response in accepted:
            assert http.get(response.json()["task_url"]).json()["task_status"] == "PENDING"


def test_a_head_over_the_limit_is_a_431_and_a_close(live: str) -> None:
    """httptools would hold a head of any size in memory while every other client waited. The
    service answers 431 and closes; closing with the rest of the head unread resets the
    connection, which may reach the client before the 431 does (then it sees the reset)."""
    from taskoverflow.head_limit import MAX_HEAD

    port = int(live.rsplit(":", 1)[1])
    reply = b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        try:
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ")
            sock.sendall(b"v" * (MAX_HEAD + 300_000))
            while chunk := sock.recv(65536):
                reply += chunk
        except (ConnectionResetError, BrokenPipeError):
            reply = reply or b"reset"
    assert reply.startswith(b"HTTP/1.1 431 ") or reply == b"reset"
    assert httpx.get(f"{live}{API}/health", timeout=30).status_code == 200
