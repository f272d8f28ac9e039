"""free_port: a port no outgoing connection can take before the server binds it."""

from __future__ import annotations

import random
import socket

import pytest

from labkit.services.ports import _ephemeral_range, free_port


def test_free_ports_are_bindable_and_outside_the_outgoing_connections_range() -> None:
    ephemeral = _ephemeral_range()
    for _ in range(20):
        port = free_port()
        assert port not in ephemeral
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))


def test_a_listening_port_is_passed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", free_port()))
        listener.listen()
        taken = listener.getsockname()[1]
        # the draw offers the taken port first: it must be skipped for the next candidate
        monkeypatch.setattr(random, "sample", lambda pool, k: [taken, taken - 1])
        assert free_port() == taken - 1
