"""Queue management over HTTP: create, list (prefix, paging), attributes, tags, purge, delete."""

from __future__ import annotations

from typing import Any

import pytest

from labkit.terraform import queue_specs
from tests.fixtures.sqs import TERRAFORM

STD = "csse6400_prac"
FIFO = "csse6400_prac.fifo"


def test_course_queues_are_there_from_the_start(sqs: Any) -> None:
    """The fixture starts the service with --queues terraform/: what Terraform declares is there."""
    urls = sqs.list_queues()["QueueUrls"]
    assert {u.rsplit("/", 1)[1] for u in urls} == {spec.name for spec in queue_specs(TERRAFORM)}
    assert {STD, FIFO, "ical", "ical-dlq"} <= {u.rsplit("/", 1)[1] for u in urls}
    attrs = sqs.get_queue_attributes(
        QueueUrl=sqs.get_queue_url(QueueName=FIFO)["QueueUrl"], AttributeNames=["All"]
    )["Attributes"]
    assert attrs["FifoQueue"] == "true"
    assert attrs["ContentBasedDeduplication"] == "true"


def test_create_is_idempotent_with_the_same_attributes(sqs: Any) -> None:
    a = sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
    b = sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
    assert a == b


def test_fifo_name_and_attribute_must_agree(sqs: Any) -> None:
    with pytest.raises(sqs.exceptions.ClientError):
        sqs.create_queue(QueueName="orders.fifo")
    with pytest.raises(sqs.exceptions.ClientError):
        sqs.create_queue(QueueName="orders", Attributes={"FifoQueue": "true"})
    assert sqs.create_queue(QueueName="orders.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]


def test_list_queues_prefix_and_paging(sqs: Any) -> None:
    for i in range(5):
        sqs.create_queue(QueueName=f"page-{i}")
    assert len(sqs.list_queues(QueueNamePrefix="page-")["QueueUrls"]) == 5
    seen = []
    kwargs: dict[str, Any] = {"QueueNamePrefix": "page-", "MaxResults": 2}
    while True:
        page = sqs.list_queues(**kwargs)
        seen += page["QueueUrls"]
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert [u.rsplit("/", 1)[1] for u in seen] == [f"page-{i}" for i in range(5)]
    paginated = sqs.get_paginator("list_queues").paginate(QueueNamePrefix="page-", MaxResults=2)
    assert sum(len(p["QueueUrls"]) for p in paginated) == 5
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix="nothing-")


def test_attributes_and_timestamps(sqs: Any, sqs_server) -> None:
    url = sqs.create_queue(QueueName="attrs")["QueueUrl"]
    before = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert before["VisibilityTimeout"] == "30"
    assert before["MessageRetentionPeriod"] == "345600"
    assert before["QueueArn"] == "arn:aws:sqs:us-east-1:000000000000:attrs"
    sqs_server.advance(5)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "7"})
    after = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["VisibilityTimeout", "LastModifiedTimestamp", "CreatedTimestamp"],
    )["Attributes"]
    assert after["VisibilityTimeout"] == "7"
    assert int(after["LastModifiedTimestamp"]) >= int(after["CreatedTimestamp"]) + 5


def test_tags(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="tagged", tags={"course": "csse6400"})["QueueUrl"]
    sqs.tag_queue(QueueUrl=url, Tags={"week": "6"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"course": "csse6400", "week": "6"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["course"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"week": "6"}


def test_purge_then_purge_in_progress(sqs: Any, sqs_server) -> None:
    url = sqs.get_queue_url(QueueName=STD)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    sqs.purge_queue(QueueUrl=url)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert attrs["Attributes"]["ApproximateNumberOfMessages"] == "0"
    with pytest.raises(sqs.exceptions.PurgeQueueInProgress):
        sqs.purge_queue(QueueUrl=url)
    sqs_server.advance(60)
    sqs.purge_queue(QueueUrl=url)


def test_delete_queue(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="short-lived")["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="short-lived")
