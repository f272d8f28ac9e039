"""Run the `labkit` CLI in a child process, as a user would (its exit status and its output)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping


def labkit_cli(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`labkit ARGS…` on this interpreter (no console script needed: the tests' own Python)."""
    return subprocess.run(
        [sys.executable, "-c", "from labkit.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(env) if env is not None else None,
    )
