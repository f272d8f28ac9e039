"""MD5 digests: boto3 and the other SDKs compare them with what they sent."""

import hashlib
import struct

from labkit.sqslocal.md5 import md5_of_attributes, md5_of_body


def test_body_md5_is_md5_of_utf8_bytes() -> None:
    assert md5_of_body("héllo") == hashlib.md5("héllo".encode()).hexdigest()


def test_attribute_md5_matches_the_published_sqs_value() -> None:
    # A Number attribute with the digest SQS itself returns for it.
    attrs = {"timestamp": {"StringValue": "1493147359900", "DataType": "Number"}}
    assert md5_of_attributes(attrs) == "235c5c510d26fb653d073faed50ae77c"


def test_attribute_md5_sorts_names_and_marks_binary_with_transport_byte_2() -> None:
    attrs = {
        "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        "a": {"DataType": "String", "StringValue": "x"},
    }

    def chunk(data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + data

    expected = (
        chunk(b"a") + chunk(b"String") + b"\x01" + chunk(b"x")
        + chunk(b"b") + chunk(b"Binary") + b"\x02" + chunk(b"\x00\x01")
    )  # fmt: skip
    assert md5_of_attributes(attrs) == hashlib.md5(expected).hexdigest()


def test_no_attributes_means_no_digest() -> None:
    assert md5_of_attributes({}) is None
