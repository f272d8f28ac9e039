"""Loopback port helpers: tests take free ports below the OS's ephemeral range, `labkit up` the default or the next free one."""

from __future__ import annotations

import functools
import random
import socket
import time

LOOPBACK = "127.0.0.1"


#: Where `free_port` looks first: below Linux's range for the local ports of outgoing connections.
_QUIET_PORTS = range(20_000, 32_768)


@functools.cache
def _ephemeral_range() -> range:
    """The ports the OS hands to outgoing connections (Linux; elsewhere assume IANA's range).
    Read once per process: it does not change while a session runs."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as fh:
            low, high = (int(n) for n in fh.read().split())
    except (OSError, ValueError):
        return range(49_152, 65_536)
    return range(low, high + 1)


def free_port(host: str = LOOPBACK) -> int:
    """A port that is free right now and that no outgoing connection will take meanwhile.

    Binding to port 0 returns a port from the OS's ephemeral range — the range every client
    connection's local port is drawn from, so in the moment between releasing it and a server
    binding it, any connection made on the machine may take it ("port already in use": seen in
    the test suite, whose three workers open connections all the time). So ports are drawn at
    random from below that range first, where only listeners live; bind to 0 is the fallback.
    """
    ephemeral = _ephemeral_range()
    candidates = [p for p in random.sample(_QUIET_PORTS, 50) if p not in ephemeral]
    for port in candidates:
        if port_is_free(port, host):
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        found: int = sock.getsockname()[1]
        return found


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """True when a server could bind host:port now: nothing listens or holds it bound.

    Tested the way servers bind (Valkey, Hypercorn, asyncio all set SO_REUSEADDR): connections
    in TIME-WAIT on the port, left for a minute after normal use, do not make it busy — without
    the option `labkit down && labkit up` would move every service to another port.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def next_free_port(start: int, host: str = LOOPBACK, tries: int = 100) -> int:
    """`start` if free, else the next free port above it (a default port already in use
    by something else moves the service up, never fails it)."""
    for port in range(start, min(start + tries, 65536)):
        if port_is_free(port, host):
            return port
    return free_port(host)


def wait_for_port(port: int, host: str = LOOPBACK, timeout: float = 10.0) -> bool:
    """Poll until something accepts TCP connections on host:port, or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False
