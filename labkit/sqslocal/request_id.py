"""Request ids for replies (the `x-amzn-RequestId` header and the query protocol's RequestId).

AWS request ids are UUID-shaped. `uuid.uuid4()` costs an `os.urandom` system call and a UUID object
per reply, measurable at thousands of replies a second (benchmarks/README.md), so ids here are 128
bits from a Mersenne Twister seeded once from the operating system, shaped as a version 4 UUID. They
need to be unique, not secret; 122 random bits make a repeat as unlikely as with `uuid4()`. The
engine's seeded RNG is not used: request ids must not shift the seeded teaching model.
"""

from __future__ import annotations

import random

__all__ = ["new_request_id"]

_BITS = random.Random().getrandbits  # seeded from os.urandom when created
# Clear the version and variant fields, then set version 4 and variant RFC 4122 (as uuid4 does).
_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & (2**128 - 1)
_SET = (0x4000 << 64) | (0x8000 << 48)


def new_request_id() -> str:
    """A fresh random id in UUID text form, e.g. `3f2a…-…-4…-8…-…`."""
    h = f"{_BITS(128) & _CLEAR | _SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
