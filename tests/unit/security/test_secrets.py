"""No committed file — notebooks included — carries an AWS credential, and the usual env files are ignored."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

# Access key ids: AKIA (long-term) and ASIA (temporary, as in the course's lab environment).
ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")
# A secret key: 40 base64 characters assigned to something named like a secret key.
SECRET_ASSIGNMENT = re.compile(
    r"(?i)aws_?secret_?access_?key\s*[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
)
SESSION_TOKEN_ASSIGNMENT = re.compile(
    r"(?i)aws_?session_?token\s*[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+=]{100,})"
)


def committed_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    return [ROOT / name.decode() for name in listed if name and (ROOT / name.decode()).is_file()]


def find_secrets(text: str) -> list[str]:
    found = [m.group(0) for m in ACCESS_KEY_ID.finditer(text)]
    found += [m.group(0)[:30] + "…" for m in SECRET_ASSIGNMENT.finditer(text)]
    found += [m.group(0)[:30] + "…" for m in SESSION_TOKEN_ASSIGNMENT.finditer(text)]
    return found


@pytest.mark.parametrize(
    "sample",
    [
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        '{"aws_session_token": "' + "A" * 120 + '"}',
    ],
)
def test_the_scanner_recognises_credentials(sample: str) -> None:
    assert find_secrets(sample)


def test_no_committed_file_holds_an_aws_credential() -> None:
    offenders = {}
    for path in committed_files():
        if path.suffix in {".png", ".jpg", ".svg", ".ico", ".gz", ".zip"}:
            continue
        text = path.read_text(errors="ignore")
        if path == Path(__file__):
            continue
        hits = find_secrets(text)
        if hits:
            offenders[str(path.relative_to(ROOT))] = hits
    assert offenders == {}


@pytest.mark.parametrize("name", [".env", ".env.local", "credentials", "aws_credentials.txt"])
def test_env_and_credential_files_are_git_ignored(name: str) -> None:
    result = subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT)
    assert result.returncode == 0, f"{name} is not git-ignored"
