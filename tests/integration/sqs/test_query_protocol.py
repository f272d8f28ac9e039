"""The legacy query protocol on the same port: raw requests shaped as the AWS API reference shows
them (form-encoded `Action=…&Version=2012-11-05`, XML replies in the 2012-11-05 namespace), and the
query names checked against the query-era botocore model of the old client."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from labkit.sqslocal import query
from labkit.sqslocal.protocol import service_model

NS = {"sqs": query.NAMESPACE}
STD = "csse6400_prac"


def call(
    server: Any,
    params: dict[str, str],
    path: str = "/",
    method: str = "POST",
    headers: dict[str, str] | None = None,
) -> tuple[int, ET.Element]:
    """One raw query request; returns the status and the parsed XML reply."""
    form = urllib.parse.urlencode({"Version": "2012-11-05", **params})
    url = server.url + path
    data = None
    if method == "GET":
        url += "?" + form
    else:
        data = form.encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.headers["Content-Type"] == "text/xml"
            return response.status, ET.fromstring(response.read())
    except urllib.error.HTTPError as err:
        assert err.headers["Content-Type"] == "text/xml"
        return err.code, ET.fromstring(err.read())


def find(root: ET.Element, path: str) -> str:
    element = root.find(path, NS)
    assert element is not None, (path, ET.tostring(root))
    return element.text or ""


def test_create_queue_with_attributes_and_tags(sqs: Any, sqs_server) -> None:
    status, root = call(
        sqs_server,
        {
            "Action": "CreateQueue",
            "QueueName": "orders",
            "Attribute.1.Name": "VisibilityTimeout",
            "Attribute.1.Value": "40",
            "Tag.1.Key": "team",
            "Tag.1.Value": "csse6400",
        },
    )
    assert status == 200 and root.tag == f"{{{query.NAMESPACE}}}CreateQueueResponse"
    url = find(root, "sqs:CreateQueueResult/sqs:QueueUrl")
    assert url.endswith("/000000000000/orders")
    assert find(root, "sqs:ResponseMetadata/sqs:RequestId")
    _, root = call(
        sqs_server, {"Action": "GetQueueAttributes", "QueueUrl": url, "AttributeName.1": "All"}
    )
    attrs = {
        find(a, "sqs:Name"): find(a, "sqs:Value")
        for a in root.findall("sqs:GetQueueAttributesResult/sqs:Attribute", NS)
    }
    assert attrs["VisibilityTimeout"] == "40" and attrs["QueueArn"].endswith(":orders")
    _, root = call(sqs_server, {"Action": "ListQueueTags", "QueueUrl": url})
    tags = root.findall("sqs:ListQueueTagsResult/sqs:Tag", NS)
    assert [(find(t, "sqs:Key"), find(t, "sqs:Value")) for t in tags] == [("team", "csse6400")]


def test_send_to_the_queue_url_and_receive_with_attributes(sqs: Any, sqs_server) -> None:
    path = f"/000000000000/{STD}"
    status, root = call(
        sqs_server,
        {
            "Action": "SendMessage",
            "MessageBody": "line one\r\nline two <&>",
            "MessageAttribute.1.Name": "client",
            "MessageAttribute.1.Value.DataType": "String",
            "MessageAttribute.1.Value.StringValue": "curl",
            "MessageAttribute.2.Name": "blob",
            "MessageAttribute.2.Value.DataType": "Binary",
            "MessageAttribute.2.Value.BinaryValue": "AAEC",
        },
        path=path,  # no QueueUrl: the request went to the queue's own URL
    )
    assert status == 200
    message_id = find(root, "sqs:SendMessageResult/sqs:MessageId")
    assert len(find(root, "sqs:SendMessageResult/sqs:MD5OfMessageAttributes")) == 32
    status, root = call(
        sqs_server,
        {
            "Action": "ReceiveMessage",
            "WaitTimeSeconds": "1",
            "AttributeName.1": "SentTimestamp",
            "MessageAttributeName.1": "All",
        },
        path=path,
        method="GET",
    )
    (message,) = root.findall("sqs:ReceiveMessageResult/sqs:Message", NS)
    assert find(message, "sqs:MessageId") == message_id
    assert find(message, "sqs:Body") == "line one\r\nline two <&>"  # CR kept, XML escaped
    assert [find(a, "sqs:Name") for a in message.findall("sqs:Attribute", NS)] == ["SentTimestamp"]
    values = {
        find(a, "sqs:Name"): (find(a, "sqs:Value/sqs:DataType"), a.find("sqs:Value", NS))
        for a in message.findall("sqs:MessageAttribute", NS)
    }
    assert find(values["client"][1], "sqs:StringValue") == "curl"
    assert find(values["blob"][1], "sqs:BinaryValue") == "AAEC"


def test_batch_entries_and_failures(sqs: Any, sqs_server) -> None:
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    _, root = call(
        sqs_server,
        {
            "Action": "SendMessageBatch",
            "QueueUrl": url,
            "SendMessageBatchRequestEntry.1.Id": "good",
            "SendMessageBatchRequestEntry.1.MessageBody": "ok",
            "SendMessageBatchRequestEntry.2.Id": "bad",
            "SendMessageBatchRequestEntry.2.MessageBody": "x\u0001",
        },
    )
    result = "sqs:SendMessageBatchResult"
    assert find(root, f"{result}/sqs:SendMessageBatchResultEntry/sqs:Id") == "good"
    failed = root.find(f"{result}/sqs:BatchResultErrorEntry", NS)
    assert failed is not None
    assert find(failed, "sqs:Id") == "bad"
    assert find(failed, "sqs:SenderFault") == "true"
    assert find(failed, "sqs:Code") == "InvalidMessageContents"


@pytest.mark.parametrize(
    ("params", "status", "code", "message"),
    [
        (
            {"Action": "GetQueueUrl", "QueueName": "nope"},
            400,
            "AWS.SimpleQueueService.NonExistentQueue",
            "The specified queue does not exist for this wsdl version.",
        ),
        (
            {"Action": "Frobnicate"},
            400,
            "InvalidAction",
            "The action Frobnicate is not valid for this endpoint.",
        ),
        ({}, 400, "MissingAction", None),
        ({"Action": "CreateQueue"}, 400, "MissingParameter", None),
        (
            {"Action": "ReceiveMessage", "QueueUrl": STD, "MaxNumberOfMessages": "ten"},
            400,
            "InvalidParameterValue",
            None,
        ),
    ],
)
def test_errors_are_xml_error_responses(sqs, sqs_server, params, status, code, message) -> None:
    got_status, root = call(sqs_server, params)
    assert got_status == status
    assert root.tag == f"{{{query.NAMESPACE}}}ErrorResponse"
    assert find(root, "sqs:Error/sqs:Type") == "Sender"
    assert find(root, "sqs:Error/sqs:Code") == code
    if message is not None:
        assert find(root, "sqs:Error/sqs:Message") == message
    assert find(root, "sqs:RequestId")


def test_a_name_without_its_value_is_a_missing_parameter(sqs: Any, sqs_server) -> None:
    status, root = call(
        sqs_server,
        {"Action": "CreateQueue", "QueueName": "no-value", "Attribute.1.Name": "VisibilityTimeout"},
    )
    assert status == 400
    assert find(root, "sqs:Error/sqs:Code") == "MissingParameter"
    assert find(root, "sqs:Error/sqs:Message") == (
        "The request must contain the parameter Attribute.1.Value."
    )


def test_a_batch_of_thousands_of_entries_is_read_whole_and_refused(sqs: Any, sqs_server) -> None:
    entries = {}
    for i in range(1, 20_001):
        entries[f"SendMessageBatchRequestEntry.{i}.Id"] = f"e{i}"
        entries[f"SendMessageBatchRequestEntry.{i}.MessageBody"] = "b"
    status, root = call(sqs_server, {"Action": "SendMessageBatch", "QueueUrl": STD, **entries})
    assert status == 400
    assert find(root, "sqs:Error/sqs:Code") == "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
    assert find(root, "sqs:Error/sqs:Message").endswith("You have sent 20000.")


def test_replies_stay_well_formed_xml_whatever_came_in_over_json(sqs: Any, sqs_server) -> None:
    # XML 1.0 cannot carry U+0001 at all: a tag set over JSON comes back as U+FFFD
    url = sqs.create_queue(QueueName="control-tags")["QueueUrl"]
    sqs.tag_queue(QueueUrl=url, Tags={"k\u0001": "v\u0002"})
    status, root = call(sqs_server, {"Action": "ListQueueTags", "QueueUrl": url})
    assert status == 200
    assert find(root, "sqs:ListQueueTagsResult/sqs:Tag/sqs:Key") == "k\ufffd"
    assert find(root, "sqs:ListQueueTagsResult/sqs:Tag/sqs:Value") == "v\ufffd"


def test_a_get_that_names_no_action_is_an_unknown_operation(sqs: Any, sqs_server) -> None:
    """A browser's GET of a queue URL: 404 and `<UnknownOperationException/>`, as AWS answers
    (recorded on AWS in LocalStack's test_get_queue_without_action_returns_unknown_operation)."""
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url, timeout=30)
    assert err.value.code == 404
    assert b"<UnknownOperationException" in err.value.read()


def test_a_malformed_form_is_a_400_not_a_500(sqs: Any, sqs_server) -> None:
    request = urllib.request.Request(
        sqs_server.url + "/",
        data=b"Action=SendMessage&QueueUrl=csse6400_prac&MessageBody=%FF%FE",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=10)
    assert err.value.code == 400
    assert b"MalformedQueryString" in err.value.read()


def test_trace_header_over_query(sqs: Any, sqs_server) -> None:
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    call(
        sqs_server,
        {"Action": "SendMessage", "QueueUrl": url, "MessageBody": "traced"},
        headers={"X-Amzn-Trace-Id": "Root=1-abc"},
    )
    (m,) = sqs.receive_message(
        QueueUrl=url, WaitTimeSeconds=1, MessageSystemAttributeNames=["AWSTraceHeader"]
    )["Messages"]
    assert m["Attributes"]["AWSTraceHeader"] == "Root=1-abc"


def test_every_action_is_served_over_query(sqs: Any, sqs_server) -> None:
    """No action is unknown or unsupported over query, and none answers a 500 to bare input."""
    for action in service_model().operation_names:
        status, root = call(sqs_server, {"Action": action, "QueueUrl": STD})
        if status != 200:
            code = find(root, "sqs:Error/sqs:Code")
            assert code not in ("InvalidAction", "AWS.SimpleQueueService.UnsupportedOperation")
            assert status < 500, (action, ET.tostring(root))


def test_json_and_query_share_one_service(sqs: Any, sqs_server) -> None:
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    call(sqs_server, {"Action": "SendMessage", "QueueUrl": url, "MessageBody": "from query"})
    (m,) = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert m["Body"] == "from query"


def test_move_tasks_with_the_old_client(sqs: Any, query_client_session) -> None:
    old = query_client_session
    dlq_url = old.create_queue(QueueName="dlq")["QueueUrl"]
    arn = old.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    policy = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 1})
    old.create_queue(QueueName="src", Attributes={"RedrivePolicy": policy})
    handle = old.start_message_move_task(SourceArn=arn, MaxNumberOfMessagesPerSecond=1)[
        "TaskHandle"
    ]
    (task,) = old.list_message_move_tasks(SourceArn=arn)["Results"]
    assert task["Status"] == "COMPLETED" and task["ApproximateNumberOfMessagesToMove"] == 0
    assert handle


def test_tags_with_the_old_client(sqs: Any, query_client_session) -> None:
    """boto3 1.33 sends TagQueue's tags as `Tag.N.Key` (its model names the map by its shape)."""
    old = query_client_session
    url = old.create_queue(QueueName="tagged", tags={"team": "csse6400"})["QueueUrl"]
    old.tag_queue(QueueUrl=url, Tags={"env": "dev", "course": "csse6400"})
    old.untag_queue(QueueUrl=url, TagKeys=["course"])
    assert old.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "csse6400", "env": "dev"}


@pytest.mark.parametrize("prefix", ["Tag", "Tags"])  # botocore's query-era name; the Java v1 SDK's
def test_tag_queue_reads_either_name(sqs: Any, sqs_server, prefix: str) -> None:
    url = sqs.create_queue(QueueName=f"tags-{prefix.lower()}")["QueueUrl"]
    status, _ = call(
        sqs_server,
        {
            "Action": "TagQueue",
            "QueueUrl": url,
            f"{prefix}.1.Key": "env",
            f"{prefix}.1.Value": "dev",
        },
    )
    assert status == 200
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "dev"}


def test_query_names_match_the_query_era_model(old_boto3_python: Path) -> None:
    """The table in query.py is what the old client's own model says, shape by shape."""
    script = """
import json
from botocore.session import get_session
shapes = get_session().get_component('data_loader').load_service_model('sqs', 'service-2')['shapes']
members, items, entries = {}, {}, {}
for name, s in shapes.items():
    if s['type'] == 'structure':
        for m, ms in s['members'].items():
            location = ms.get('locationName') or shapes[ms['shape']].get('locationName')
            if location:  # the member's own name, else its (flattened) shape's
                members[name + '.' + m] = location
    elif s['type'] == 'list' and 'locationName' in s['member']:
        items[name] = s['member']['locationName']
    elif s['type'] == 'map':
        entries[name] = [s['key'].get('locationName', 'key'), s['value'].get('locationName', 'value')]
print(json.dumps({'members': members, 'items': items, 'entries': entries}))
"""
    out = subprocess.run(
        [str(old_boto3_python), "-c", script], capture_output=True, text=True, check=True
    )
    old = json.loads(out.stdout)
    assert old["members"] == {f"{s}.{m}": n for (s, m), n in query.MEMBER_NAMES.items()}
    newer = {"MessageSystemAttributeList"}  # added to SQS after it left the query protocol
    assert old["items"] == {k: v for k, v in query.ITEM_NAMES.items() if k not in newer}
    assert old["entries"] == {k: list(v) for k, v in query.ENTRY_NAMES.items()}
