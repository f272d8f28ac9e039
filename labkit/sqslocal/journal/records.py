"""One journal record per line: `CRC32 JSON\\n`, with user data only ever in typed, format-owned places.

A record is `{"t": time, "op": action, "a": [args], "k": {kwargs}}`, plus `"bin": [paths]` when an
argument held bytes and `"ok": false` when the call was refused but still had to be recorded (see
`JournaledEngine`). User data (bodies, tags, attribute maps) lives only inside `a` and `k` and is
stored as plain JSON: it is never interpreted. The only non-JSON type, bytes (binary message
attributes), is written as base64 text and its location listed in `bin`, a field only this encoder
fills. So no value a client sends can pose as bytes — the `{"$b64": …}` marker of the first format
let a tag or attribute map do exactly that and made the journal unreplayable.

The 8-hex-digit CRC32 before the JSON catches a flipped byte or a garbage line, so replay can stop
at the first damaged record instead of replaying something else than was acknowledged.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass
from typing import Any

Path_ = list[str | int]


class DamagedRecord(ValueError):
    """A line that is not a record this journal wrote (bad checksum, not JSON, wrong shape)."""


@dataclass(frozen=True, slots=True)
class Record:
    t: float
    op: str
    args: list[Any]
    kwargs: dict[str, Any]
    ok: bool = True


def _plain(value: Any, path: Path_, binary: list[Path_]) -> Any:
    """`value` as JSON-ready data; bytes become base64 text and their path is noted in `binary`."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, bytes | bytearray):
        binary.append(list(path))
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"cannot journal a {type(key).__name__} dictionary key")
            out[key] = _plain(item, [*path, key], binary)
        return out
    if isinstance(value, list | tuple):
        return [_plain(item, [*path, i], binary) for i, item in enumerate(value)]
    raise TypeError(f"cannot journal a {type(value).__name__}")


_dumps = json.JSONEncoder(separators=(",", ":")).encode  # ASCII: lone surrogates are escaped


def _line(payload: dict[str, Any]) -> bytes:
    text = _dumps(payload).encode("ascii")
    return b"%08x %s\n" % (zlib.crc32(text), text)


def encode_record(
    t: float, op: str, args: tuple[Any, ...], kwargs: dict[str, Any], ok: bool = True
) -> bytes:
    payload: dict[str, Any] = {"t": t, "op": op, "a": args, "k": kwargs}
    if not ok:
        payload["ok"] = False
    try:
        return _line(payload)  # the common case: plain JSON data, encoded in C
    except TypeError:  # bytes somewhere (or a type that cannot be journalled at all)
        binary: list[Path_] = []
        payload["a"] = _plain(args, ["a"], binary)
        payload["k"] = _plain(kwargs, ["k"], binary)
        payload["bin"] = binary
        return _line(payload)


def encode_header(header: dict[str, Any]) -> bytes:
    return _line(header)


def _checked(raw: bytes) -> Any:
    """The JSON of one complete line, if its checksum matches."""
    if len(raw) < 11 or raw[8:9] != b" " or not raw.endswith(b"\n"):
        raise DamagedRecord("not a journal record")
    text = raw[9:-1]
    try:
        expected = int(raw[:8], 16)
    except ValueError:
        raise DamagedRecord("not a journal record") from None
    if zlib.crc32(text) != expected:
        raise DamagedRecord("checksum mismatch")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise DamagedRecord("checksum matches but the JSON does not parse") from None


def decode_header(raw: bytes) -> dict[str, Any]:
    header = _checked(raw)
    if not isinstance(header, dict):
        raise DamagedRecord("not a journal header")
    return header


def decode_record(raw: bytes) -> Record:
    payload = _checked(raw)
    try:
        t, op, args, kwargs = payload["t"], payload["op"], payload["a"], payload["k"]
        if not (
            isinstance(t, int | float)
            and isinstance(op, str)
            and isinstance(args, list)
            and isinstance(kwargs, dict)
        ):
            raise TypeError
        root = {"a": args, "k": kwargs}
        for path in payload.get("bin", ()):
            *parents, last = path
            node: Any = root
            for step in parents:
                node = node[step]
            node[last] = base64.b64decode(node[last], validate=True)
        return Record(float(t), op, args, kwargs, payload.get("ok", True) is not False)
    except (KeyError, IndexError, TypeError, ValueError):
        raise DamagedRecord("not a record of this journal's shape") from None
