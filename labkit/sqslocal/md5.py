"""MD5 digests SQS returns with messages, so clients can verify what they sent and received.

Written by hand because no library implements SQS's attribute digest: names are sorted, and each
attribute is encoded as length-prefixed name, length-prefixed data type, one transport byte
(1 = String/Number, 2 = Binary) and the length-prefixed value (lengths are 4-byte big-endian).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping
from typing import Any


def md5_of_body(body: str) -> str:
    return hashlib.md5(body.encode("utf-8"), usedforsecurity=False).hexdigest()


def _chunk(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def md5_of_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> str | None:
    """Digest of message (or message system) attributes; None when there are none, as SQS omits it.

    Values are as the engine stores them: StringValue a str, BinaryValue raw bytes.
    """
    if not attributes:
        return None
    out = bytearray()
    for name in sorted(attributes):
        attr = attributes[name]
        data_type = attr["DataType"]
        out += _chunk(name.encode("utf-8"))
        out += _chunk(data_type.encode("utf-8"))
        if data_type.startswith("Binary"):
            out += b"\x02" + _chunk(bytes(attr["BinaryValue"]))
        else:
            out += b"\x01" + _chunk(attr["StringValue"].encode("utf-8"))
    return hashlib.md5(bytes(out), usedforsecurity=False).hexdigest()
