"""Read the first journal format (`sqs-journal.jsonl`, header `{"journal": 1, …}`) once, to migrate it.

That format journalled every call before running it and marked bytes in-band with `{"$b64": …}`, so
one request could leave a record that no longer replays. Here each record is replayed the way the
new journal replays (a call that fails is logged and skipped, a line that does not parse stops the
replay); the caller then writes a snapshot and moves the old file aside.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from labkit.sqslocal.journal.records import Record

FILE_NAME = "sqs-journal.jsonl"
logger = logging.getLogger(__name__)


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and "$b64" in obj and isinstance(obj["$b64"], str):
        try:
            return base64.b64decode(obj["$b64"])
        except (binascii.Error, ValueError):
            return obj
    return obj


def header_of(path: Path) -> dict[str, Any] | None:
    with path.open("rb") as file:
        first = file.readline()
    try:
        header = json.loads(first)
    except ValueError:
        return None
    return header if isinstance(header, dict) and header.get("journal") == 1 else None


def records(path: Path) -> Iterator[tuple[int, Record]]:
    """(line number, record) for each complete line up to the first that does not parse."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if number == 1:
                continue  # the header
            if not raw.endswith(b"\n"):
                logger.info("%s line %d: cut short (never acknowledged), dropped", path, number)
                return
            try:
                entry = json.loads(raw, object_hook=_decode)
                record = Record(float(entry["t"]), entry["op"], list(entry["a"]), dict(entry["k"]))
            except (ValueError, KeyError, TypeError, RecursionError):
                logger.warning(
                    "%s line %d is damaged: replay of the old journal stopped there", path, number
                )
                return
            yield number, record
