"""The conformance tests' `client`, once per protocol the service speaks:

* `json`: boto3 of this project (AWS JSON 1.0);
* `query`: a real old client — boto3 1.33, whose botocore (< 1.34.90) speaks SQS's query protocol —
  installed with uv into a throwaway venv once per test session and driven through
  `old_boto3_proxy.py`. Skipped, with the reason, only where it cannot be installed (no network).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

OLD_BOTO3 = "boto3==1.33.*"
PROXY = Path(__file__).with_name("old_boto3_proxy.py")


@pytest.fixture(scope="session")
def old_boto3_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a venv with boto3 1.33 (uv caches the wheels, so later sessions are quick)."""
    uv = Path(sys.executable).with_name("uv")
    venv = tmp_path_factory.mktemp("old-boto3") / "venv"
    python = venv / "bin" / "python"
    try:
        subprocess.run(
            [str(uv), "venv", "--quiet", str(venv)], check=True, capture_output=True, timeout=120
        )
        subprocess.run(
            [str(uv), "pip", "install", "--quiet", "--python", str(python), OLD_BOTO3],
            check=True,
            capture_output=True,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as err:
        detail = getattr(err, "stderr", b"") or b""
        pytest.skip(
            f"cannot install {OLD_BOTO3} with uv into a throwaway venv (no network or no uv?): "
            f"{err} {detail.decode(errors='replace')[-300:]}"
        )
    return python


class QueryClient:
    """An old boto3 client in another process; calls look and fail like a boto3 client's."""

    protocol = "query"

    def __init__(self, python: Path, url: str) -> None:
        self.process = subprocess.Popen(
            [str(python), str(PROXY), url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        hello = json.loads(self._read())
        assert hello["protocol"] == "query", hello  # really the old wire protocol
        self.version = hello["botocore"]

    def _read(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the old boto3 client process died")
        return line

    def __getattr__(self, operation: str) -> Any:
        if operation.startswith("_"):
            raise AttributeError(operation)

        def call(**kwargs: Any) -> Any:
            assert self.process.stdin is not None
            self.process.stdin.write(
                json.dumps({"op": operation, "kwargs": _encode(kwargs)}) + "\n"
            )
            self.process.stdin.flush()
            reply = json.loads(self._read(), object_hook=_decode)
            if "error" in reply:
                raise ClientError(reply["error"], operation)
            if "exception" in reply:
                raise RuntimeError(reply["exception"])
            return reply["ok"]

        return call

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=10)


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode()}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(obj: dict[str, Any]) -> Any:
    if set(obj) == {"__bytes__"}:
        return base64.b64decode(obj["__bytes__"])
    return obj


@pytest.fixture(scope="session")
def query_client_session(old_boto3_python: Path, sqs_server: Any) -> Iterator[QueryClient]:
    client = QueryClient(old_boto3_python, sqs_server.url)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(params=["json", "query"])
def client(request: pytest.FixtureRequest, sqs: Any) -> Any:
    """A boto3 client of the freshly reset service, over each wire protocol."""
    if request.param == "json":
        return sqs
    return request.getfixturevalue("query_client_session")


def protocol_of(client: Any) -> str:
    return getattr(client, "protocol", None) or client.meta.service_model.protocol
