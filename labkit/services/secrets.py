"""What the lab keeps from other local users: passwords in URLs, the Valkey password, `.lab/` modes.

Why by hand: the URLs come from the environment and from other programs' output (a log tail used
as a hint), so redaction works on text; and file modes are a few `chmod` calls no library wraps.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

#: `scheme://user:password@` — the password part is what never leaves this module unmasked.
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:)(?P<pw>[^\s@/]+)(?=@)")
MASK = "***"


def redact(text: str) -> str:
    """`text` with every password inside a URL replaced by `***` (user names and hosts stay)."""
    return _URL_PASSWORD.sub(lambda m: m["head"] + MASK, text)


def fingerprint(value: str) -> str:
    """A digest to compare a secret-bearing setting with a later one without storing it."""
    return hashlib.sha256(value.encode()).hexdigest()


def with_password(url: str, password: str | None) -> str:
    """`redis://host:port/0` with `password` added (`redis://:PASSWORD@host:port/0`)."""
    if not password:
        return url
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f":{password}@{host}"))


def private_file(path: Path, text: str) -> None:
    """Write `text` to `path` readable by its owner only (0600), replacing it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(tmp, 0o600)  # an older tmp file may have had another mode
    os.replace(tmp, path)


def read_or_create_password(path: Path) -> str:
    """The password stored in `path`, generated (32 random bytes, URL-safe) on first use."""
    with contextlib.suppress(FileNotFoundError):
        if stored := path.read_text().strip():
            return stored
    password = secrets.token_urlsafe(32)
    private_file(path, password + "\n")
    return password


def make_private(root: Path) -> None:
    """`root` and everything under it: directories 0700, files without group/other access.

    Run on every `labkit up`/`down`, so a lab dir made by an older version (0755, 0644) is
    tightened too. Files the services create later are private from the start (umask 077).
    """
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    for path in [root, *root.rglob("*")]:
        with contextlib.suppress(OSError):  # a file removed meanwhile, or not ours
            if path.is_symlink():
                continue
            mode = path.stat().st_mode & 0o7777
            wanted = 0o700 if path.is_dir() else mode & 0o700
            if mode != wanted:
                os.chmod(path, wanted)
