"""A client of the local SQS service's own endpoints under `/_lab/` (health, config, reset, clock,
metrics, events) — the one the notebooks, the `labkit sqs` commands and the test fixtures share.

Generic on purpose: a call is a method, a path below `/_lab/` and a JSON body, and the reply is the
decoded JSON. The service decides what each endpoint returns, so new endpoints or fields need no
change here; the named methods only spell out the calls the lessons and tests make.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from labkit.errors import LabError

__all__ = ["LabCallError", "LabClient"]


class LabCallError(LabError):
    """The service answered a `/_lab/` call with an error status (kept in `status`)."""

    def __init__(self, message: str, *, status: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class LabClient:
    """Calls `/_lab/…` on the service at `url`; every failure is a LabError naming what went wrong."""

    def __init__(
        self, url: str, *, timeout: float = 10.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._transport = transport  # tests hand in an httpx.MockTransport

    def call(self, method: str, path: str, payload: object | None = None) -> Any:
        """One request; the decoded JSON reply (None for an empty one)."""
        try:
            with httpx.Client(transport=self._transport, timeout=self.timeout) as http:
                response = http.request(method, f"{self.url}/_lab/{path}", json=payload)
        except httpx.HTTPError:
            raise LabError(
                f"the local SQS service does not answer at {self.url}",
                hint="start it with `labkit sqs serve` (or `labkit up`), or set AWS_ENDPOINT_URL_SQS",
            ) from None
        if response.status_code >= 400:
            message = _error_text(response)
            if message is None and response.status_code == 404:
                raise LabCallError(
                    f"{self.url} is not the lab's SQS service (no /_lab/ endpoints)", status=404
                )
            raise LabCallError(
                message or f"{method} /_lab/{path} → {response.status_code}: {response.text}",
                status=response.status_code,
            )
        return response.json() if response.content else None

    def health(self) -> Any:
        return self.call("GET", "health")

    def config(self) -> Any:
        return self.call("GET", "config")

    def reset(self) -> Any:
        """Back to the start: the course's queues, empty; RNG reseeded; clock offset 0."""
        return self.call("POST", "reset")

    def clock(self) -> Any:
        return self.call("GET", "clock")

    def advance_clock(self, seconds: float) -> Any:
        return self.call("POST", "clock/advance", {"seconds": seconds})

    def queues(self) -> list[Mapping[str, Any]]:
        """Every queue's metrics."""
        listing: list[Mapping[str, Any]] = self.call("GET", "queues")["queues"]
        return listing

    def metrics(self, queue: str) -> Any:
        return self.call("GET", f"queues/{queue}/metrics")

    def events(self, queue: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self.call("GET", f"queues/{queue}/events")["events"]
        return events


def _error_text(response: httpx.Response) -> str | None:
    """The service's `error` message, when the reply is its JSON error (None otherwise)."""
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return str(error) if error is not None else None
