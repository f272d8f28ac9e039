"""The queues a Terraform directory declares, remembered between runs by the content they came from.

`labkit sqs serve` reads terraform/ at every start. python-hcl2 builds its Lark parser and parses
every file each time: most of a second of CPU, more than the rest of the service's start, paid by
every `labkit up`, every restart and every test that starts a service. The answer depends only on
the `.tf` files read (the root and each local module it follows), the region and the code that
reads them, so it is kept in a small JSON file named by a hash of those and checked against the
files again before it is used. A changed, added or removed `.tf` file, or a new labkit or
python-hcl2, means a fresh read; a cache that cannot be read or written is only a slower start.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from labkit.terraform.spec import QueueSpec

__all__ = ["remembered_queue_specs"]

#: Bumped when the stored shape changes.
_FORMAT = 1
#: At most this many remembered configurations (tests read many throw-away directories).
_KEEP = 32
_PREFIX = "terraform-queues-"
#: The modules whose code decides the answer (this one's included: it writes the entries).
_READERS = ("reading", "evaluating", "queues", "spec", "remembered")


def _directory_digest(directory: Path) -> str:
    """A hash of the `.tf` files of one directory (names and bytes), as Terraform reads it."""
    digest = hashlib.sha256()
    try:
        files = sorted(directory.glob("*.tf"))
        for path in files:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        return "unreadable"
    return digest.hexdigest() if files else "empty"


@functools.cache
def _code_digest() -> str:
    """labkit's reading code and python-hcl2's version, found without importing either."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    sources = [here / f"{name}.py" for name in _READERS]
    hcl2 = importlib.util.find_spec("hcl2")
    if hcl2 is not None and hcl2.origin:
        sources.append(Path(hcl2.origin).with_name("version.py"))
    for path in sources:
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"?")
    return digest.hexdigest()


def _read(entry_file: Path, root: Path) -> list[QueueSpec] | None:
    """The remembered queues, if the entry exists and every module it read is unchanged."""
    try:
        entry = json.loads(entry_file.read_text())
        modules: dict[str, str] = entry["modules"]
        if any(_directory_digest(root / rel) != digest for rel, digest in modules.items()):
            return None
        return [QueueSpec(**spec) for spec in entry["specs"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write(cache_dir: Path, entry_file: Path, entry: dict[str, Any]) -> None:
    """Atomically (a concurrent reader sees the old file or the new one), owner-only; then the
    oldest entries beyond `_KEEP` go."""
    try:
        cache_dir.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        cache_dir.mkdir(exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".tmp-")  # 0600
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(entry, fh)
            os.replace(tmp, entry_file)
        except OSError:
            Path(tmp).unlink(missing_ok=True)  # a half-written entry is never left behind
            raise
        entries = sorted(cache_dir.glob(f"{_PREFIX}*.json"), key=lambda p: p.stat().st_mtime)
        for stale in entries[:-_KEEP]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written is only a slower next start


def remembered_queue_specs(
    directory: str | Path, *, cache_dir: Path, region: str = "us-east-1"
) -> list[QueueSpec]:
    """`labkit.terraform.queue_specs(directory, region=region)`, remembered in `cache_dir`."""
    root = Path(directory).resolve()
    key = hashlib.sha256(
        json.dumps([_FORMAT, _code_digest(), region, _directory_digest(root)]).encode()
    ).hexdigest()
    entry_file = cache_dir / f"{_PREFIX}{key[:40]}.json"
    remembered = _read(entry_file, root)
    if remembered is not None:
        return remembered

    from labkit.terraform.queues import queue_specs
    from labkit.terraform.reading import recording_loads

    with recording_loads() as loaded:
        specs = queue_specs(root, region=region)
    modules = {os.path.relpath(path, root): _directory_digest(path) for path in loaded}
    entry = {"modules": modules, "specs": [dataclasses.asdict(spec) for spec in specs]}
    _write(cache_dir, entry_file, entry)
    return specs
