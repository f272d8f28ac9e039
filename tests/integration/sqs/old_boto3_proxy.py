"""Run inside a throwaway venv with boto3 1.33 (botocore < 1.34.90 speaks SQS's query protocol).

Reads one JSON call per line ({"op": …, "kwargs": …}) from stdin, makes it with a real old boto3
client against the URL given as argv[1], and writes one JSON line back: {"ok": reply} or
{"error": the ClientError's response}. Bytes travel as {"__bytes__": base64}.
"""

import base64
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def decode(value):
    if isinstance(value, dict):
        if set(value) == {"__bytes__"}:
            return base64.b64decode(value["__bytes__"])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def encode(value):
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode()}
    return str(value)


client = boto3.client(
    "sqs",
    endpoint_url=sys.argv[1],
    region_name="us-east-1",
    aws_access_key_id="test",
    aws_secret_access_key="test",
    config=Config(retries={"max_attempts": 1}, read_timeout=30),
)
print(json.dumps({"protocol": client.meta.service_model.protocol, "botocore": boto3.__version__}))
sys.stdout.flush()
for line in sys.stdin:
    request = json.loads(line)
    try:
        reply = {"ok": getattr(client, request["op"])(**decode(request["kwargs"]))}
    except ClientError as err:
        reply = {"error": err.response}
    except Exception as err:
        reply = {"exception": f"{type(err).__name__}: {err}"}
    print(json.dumps(reply, default=encode))
    sys.stdout.flush()
