"""Run the `labkit` CLI as a user would: in a child process, or in this one where the test is
about what the command does and prints rather than about starting a process.

`labkit_cli` starts a child (exit status, output, no traceback: the real entry point);
`labkit_in_process` calls the same `main()` here with its own argv, environment and captured
streams, and returns the same `CompletedProcess` — about a second of CPU less per call (Python,
typer and boto3 already imported). Each command family keeps tests that use the child process.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator, Mapping


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


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    """os.environ is exactly `env` inside the block, as a child process would see it."""
    wanted, saved = dict(env), dict(os.environ)  # a copy first: `env` may be os.environ itself
    os.environ.clear()
    os.environ.update(wanted)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def labkit_in_process(
    *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`labkit ARGS…` through `labkit.cli.main` in this process: its exit status (SystemExit),
    stdout and stderr; an exception that escapes `main` is written to stderr as a traceback with
    status 1, as the interpreter would."""
    from labkit.cli import main

    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    code: int | str | None = 0
    with _environment(env if env is not None else os.environ), contextlib.ExitStack() as stack:
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        sys.argv = ["labkit", *args]
        try:
            main()
        except SystemExit as exc:
            code = exc.code
        except BaseException:
            err.write(traceback.format_exc())
            code = 1
        finally:
            sys.argv = argv
    if isinstance(code, str):  # sys.exit("message"): printed, status 1
        err.write(code + "\n")
        code = 1
    return subprocess.CompletedProcess(["labkit", *args], code or 0, out.getvalue(), err.getvalue())
