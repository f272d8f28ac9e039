"""TaskOverflow stands alone: nothing under backend/ imports the lab's tooling (labkit), so the
app installs and runs as a package of its own (the Docker image, ECS) with no checkout beside it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

BACKEND = Path(__file__).resolve().parents[2] / "backend"


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_no_module_imports_labkit() -> None:
    offenders = {
        str(path.relative_to(BACKEND)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] == "labkit"
        )
        for path in BACKEND.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_app_and_its_workers_load_without_labkit(tmp_path: Path) -> None:
    """Every entry module imported in a fresh interpreter leaves labkit unloaded."""
    code = (
        "import sys, taskoverflow.app, taskoverflow.cli, taskoverflow.serving, "
        "taskoverflow.jobs.rq_transport, taskoverflow.jobs.sqs_transport, taskoverflow.jobs.sqs_worker, "
        "taskoverflow.migrations\n"
        "from taskoverflow.app import create_app\n"
        "create_app({'JOB_TRANSPORT': 'sqs', 'AWS_ENDPOINT_URL_SQS': 'http://127.0.0.1:9'})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'labkit'))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
