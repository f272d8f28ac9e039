"""The `/_lab/` client: what it sends, and how each kind of failure reaches the caller."""

from __future__ import annotations

import json

import httpx
import pytest

from labkit.errors import LabError
from labkit.sqslocal.lab_client import LabCallError, LabClient


def client_answering(handler: httpx.MockTransport) -> LabClient:
    return LabClient("http://lab.test:9324/", transport=handler)


def test_a_call_sends_method_path_and_json_and_returns_the_decoded_reply() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"offset": 300})

    lab = client_answering(httpx.MockTransport(handler))
    assert lab.advance_clock(300) == {"offset": 300}
    assert seen[0].method == "POST"
    assert str(seen[0].url) == "http://lab.test:9324/_lab/clock/advance"
    assert json.loads(seen[0].content) == {"seconds": 300}


def test_named_calls_unwrap_their_lists() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events"):
            return httpx.Response(200, json={"events": [{"event": "sent"}]})
        return httpx.Response(200, json={"queues": [{"queue": "q"}]})

    lab = client_answering(httpx.MockTransport(handler))
    assert lab.events("q") == [{"event": "sent"}]
    assert lab.queues() == [{"queue": "q"}]


def test_an_empty_reply_is_none() -> None:
    lab = client_answering(httpx.MockTransport(lambda request: httpx.Response(204)))
    assert lab.reset() is None


def test_the_services_error_message_and_status_reach_the_caller() -> None:
    lab = client_answering(
        httpx.MockTransport(lambda r: httpx.Response(400, json={"error": "seconds must be ≥ 0"}))
    )
    with pytest.raises(LabCallError) as err:
        lab.advance_clock(-5)
    assert str(err.value) == "seconds must be ≥ 0"
    assert err.value.status == 400


def test_a_404_without_the_services_error_is_another_server() -> None:
    lab = client_answering(httpx.MockTransport(lambda r: httpx.Response(404, text="Not Found")))
    with pytest.raises(LabCallError, match="is not the lab's SQS service") as err:
        lab.health()
    assert err.value.status == 404


def test_an_error_without_json_names_the_call() -> None:
    lab = client_answering(httpx.MockTransport(lambda r: httpx.Response(502, text="bad gateway")))
    with pytest.raises(LabCallError, match=r"GET /_lab/config → 502: bad gateway"):
        lab.config()


def test_no_answer_is_a_lab_error_with_a_hint() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(LabError, match=r"does not answer at http://lab\.test:9324") as err:
        client_answering(httpx.MockTransport(refuse)).metrics("q")
    assert not isinstance(err.value, LabCallError)
    assert err.value.hint and "labkit up" in err.value.hint
