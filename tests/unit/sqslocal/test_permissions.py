"""AddPermission / RemovePermission: statements in the queue's Policy attribute, AWS's rules."""

from __future__ import annotations

import json

import pytest

from labkit.sqslocal.engine import Engine
from labkit.sqslocal.errors import SqsError

STD = "csse6400_prac"


def policy(engine: Engine) -> dict:
    return json.loads(engine.get_queue_attributes(STD, ["Policy"])["Policy"])


def test_add_and_remove_are_reflected_in_the_policy(engine: Engine) -> None:
    engine.add_permission(STD, "AliceSendMessage", ["111122223333"], ["SendMessage"])
    engine.add_permission(STD, "Both", ["111122223333", "444455556666"], ["ReceiveMessage", "*"])
    doc = policy(engine)
    assert doc["Version"] == "2008-10-17"  # the version SQS writes (recorded on AWS)
    assert doc["Id"] == f"{engine.arn(STD)}/SQSDefaultPolicy"
    first, second = doc["Statement"]
    assert first == {
        "Sid": "AliceSendMessage",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "SQS:SendMessage",
        "Resource": engine.arn(STD),
    }
    assert second["Principal"]["AWS"] == [
        "arn:aws:iam::111122223333:root",
        "arn:aws:iam::444455556666:root",
    ]
    assert second["Action"] == ["SQS:ReceiveMessage", "SQS:*"]
    engine.remove_permission(STD, "AliceSendMessage")
    assert [s["Sid"] for s in policy(engine)["Statement"]] == ["Both"]
    engine.remove_permission(STD, "Both")
    assert "Policy" not in engine.get_queue_attributes(STD, ["All"])


def test_a_policy_set_by_hand_is_extended(engine: Engine) -> None:
    mine = {"Version": "2012-10-17", "Statement": [{"Sid": "mine", "Effect": "Deny"}]}
    engine.set_queue_attributes(STD, {"Policy": json.dumps(mine)})
    engine.add_permission(STD, "added", ["111122223333"], ["GetQueueUrl"])
    assert [s["Sid"] for s in policy(engine)["Statement"]] == ["mine", "added"]


@pytest.mark.parametrize(
    ("label", "accounts", "actions", "code"),
    [
        ("bad label", ["111122223333"], ["SendMessage"], "InvalidParameterValue"),
        ("x" * 81, ["111122223333"], ["SendMessage"], "InvalidParameterValue"),
        ("label\n", ["111122223333"], ["SendMessage"], "InvalidParameterValue"),
        ("ok", [], ["SendMessage"], "MissingParameter"),
        ("ok", ["111122223333"], [], "MissingParameter"),
        ("ok", ["alice"], ["SendMessage"], "InvalidParameterValue"),
        ("ok", ["111122223333"], ["CreateQueue"], "InvalidParameterValue"),
        ("ok", ["111122223333"], ["Frobnicate"], "InvalidParameterValue"),
        ("ok", ["111122223333"], ["SendMessage"] * 8, "OverLimit"),
    ],
)
def test_add_permission_validation(engine: Engine, label, accounts, actions, code) -> None:
    with pytest.raises(SqsError) as err:
        engine.add_permission(STD, label, accounts, actions)
    assert err.value.query_code == code
    assert "Policy" not in engine.get_queue_attributes(STD, ["All"])


def test_labels_are_unique_and_must_exist_to_be_removed(engine: Engine) -> None:
    engine.add_permission(STD, "once", ["111122223333"], ["SendMessage"])
    with pytest.raises(SqsError) as err:
        engine.add_permission(STD, "once", ["111122223333"], ["ReceiveMessage"])
    assert err.value.message.endswith("Reason: Already exists.")
    with pytest.raises(SqsError) as err:
        engine.remove_permission(STD, "never")
    assert err.value.query_code == "InvalidParameterValue"
