"""The player plays what CloudFormation does with stacks: renames, retain policies, several stacks.

A rename is "create the new logical ID, then delete the old one in cleanup"; a retained resource gets no
Delete at all (stack delete, removal from the template, replacement, rollback of an update); stacks share
one player and one Connect. Driven by the recording function, so each test asserts the exact events.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from connect_email_alias.local import StackSource, TemplateError

pytestmark = pytest.mark.slow


def resource(name: str, mode: str = "ok", **attributes: Any) -> dict[str, Any]:
    """A custom resource whose physical ID is ``res-<name>``; attributes such as DeletionPolicy on top."""
    properties = {"ServiceToken": {"Fn::GetAtt": ["Fn", "Arn"]}, "Name": name, "Mode": mode}
    return {"Type": "Custom::Recorded", "Properties": properties, **attributes}


def stack(code: Path, name: str = "Demo", **resources: dict[str, Any]) -> StackSource:
    function = {
        "Type": "AWS::Lambda::Function",
        "Properties": {"Handler": "index.handler", "Timeout": 30, "Code": {"S3Key": "code.zip"}},
    }
    return StackSource(name, {"Resources": {"Fn": function, **resources}}, default_asset_dir=code)


def retained(report) -> list[tuple[str, str]]:
    return [(r.spec.logical_id, r.physical_id) for r in report.retained]


def test_a_rename_creates_the_new_logical_id_then_deletes_the_old_one_in_cleanup(player, code):
    player.deploy(stack(code, X1=resource("one")))
    report = player.deploy(stack(code, X2=resource("one")))
    assert report.status == "UPDATE_COMPLETE", str(report)
    assert report.sequence() == [("create", "Create", "X2"), ("cleanup", "Delete", "X1")]
    create, cleanup = (s.result.event for s in report.steps)
    assert create["ResourceProperties"]["Name"] == cleanup["ResourceProperties"]["Name"] == "one"
    assert cleanup["PhysicalResourceId"] == "res-one"
    assert {k: r.physical_id for k, r in player.resources("Demo").items()} == {"X2": "res-one"}


@pytest.mark.parametrize("policy", ["Retain", "RetainExceptOnCreate"])
def test_stack_delete_sends_no_delete_to_a_retained_resource(player, code, policy):
    player.deploy(stack(code, Kept=resource("kept", DeletionPolicy=policy), Gone=resource("gone")))
    report = player.destroy("Demo")
    assert report.status == "DELETE_COMPLETE", str(report)
    assert report.sequence() == [("delete", "Delete", "Gone")]
    assert retained(report) == [("Kept", "res-kept")]
    assert player.resources("Demo") == {}


@pytest.mark.parametrize("policy", ["Retain", "RetainExceptOnCreate"])
def test_removal_from_the_template_sends_no_delete_to_a_retained_resource(player, code, policy):
    player.deploy(stack(code, Kept=resource("kept", DeletionPolicy=policy), Other=resource("other")))
    report = player.deploy(stack(code, Other=resource("other")))
    assert report.status == "UPDATE_COMPLETE", str(report)
    assert (report.sequence(), retained(report)) == ([], [("Kept", "res-kept")])
    assert list(player.resources("Demo")) == ["Other"]


def test_the_policy_of_the_last_deployed_template_applies(player, code):
    player.deploy(stack(code, Kept=resource("kept")))
    player.deploy(stack(code, Kept=resource("kept", DeletionPolicy="Retain")))  # no event: attributes only
    report = player.destroy("Demo")
    assert (report.sequence(), retained(report)) == ([], [("Kept", "res-kept")])


def test_update_replace_policy_retain_keeps_the_replaced_physical_id(player, code):
    player.deploy(stack(code, X=resource("one", UpdateReplacePolicy="Retain")))
    report = player.deploy(stack(code, X=resource("two", UpdateReplacePolicy="Retain")))
    assert report.status == "UPDATE_COMPLETE", str(report)
    assert (report.sequence(), retained(report)) == ([("update", "Update", "X")], [("X", "res-one")])
    assert player.resources("Demo")["X"].physical_id == "res-two"


def test_a_failed_create_rolls_back_with_deletes_except_for_retain(player, code):
    source = stack(
        code,
        Kept=resource("kept", DeletionPolicy="Retain"),
        Undone=resource("undone", DeletionPolicy="RetainExceptOnCreate", DependsOn="Kept"),
        Broken=resource("broken", "fail", DependsOn="Undone"),
    )
    report = player.deploy(source)
    assert report.status == "ROLLBACK_COMPLETE", str(report)
    assert report.sequence() == [
        ("create", "Create", "Kept"),
        ("create", "Create", "Undone"),
        ("create", "Create", "Broken"),
        ("rollback", "Delete", "Broken"),
        ("rollback", "Delete", "Undone"),
    ]
    assert retained(report) == [("Kept", "res-kept")]


def test_a_failed_update_keeps_a_retained_resource_it_created(player, code):
    player.deploy(stack(code, Old=resource("old")))
    report = player.deploy(
        stack(
            code,
            Old=resource("old", "fail", DependsOn="New"),
            New=resource("new", DeletionPolicy="Retain"),
        )
    )
    assert report.status == "UPDATE_ROLLBACK_COMPLETE", str(report)
    assert report.sequence() == [
        ("create", "Create", "New"),
        ("update", "Update", "Old"),
        ("rollback", "Update", "Old"),
    ]
    assert retained(report) == [("New", "res-new")]
    assert list(player.resources("Demo")) == ["Old"]


def test_a_snapshot_policy_is_refused_naming_the_resource(player, code):
    with pytest.raises(TemplateError, match=r"resource X \(Custom::Recorded\): DeletionPolicy 'Snapshot'"):
        player.deploy(stack(code, X=resource("x", DeletionPolicy="Snapshot")))


def test_a_resource_moves_between_two_stacks_sharing_one_player(player, code):
    """Deploy it in B, then remove it from A: B's Create, then A's cleanup Delete of the same pair."""
    player.deploy(stack(code, "A", X=resource("moved"), Stay=resource("stay")))
    player.deploy(stack(code, "B", Other=resource("other")))

    into_b = player.deploy(stack(code, "B", Other=resource("other"), X=resource("moved")))
    out_of_a = player.deploy(stack(code, "A", Stay=resource("stay")))

    assert into_b.sequence() == [("create", "Create", "X")]
    assert out_of_a.sequence() == [("cleanup", "Delete", "X")]
    (create,), (delete,) = ([s.result.event for s in r.steps] for r in (into_b, out_of_a))
    assert create["StackId"] != delete["StackId"]
    assert ":stack/B/" in create["StackId"] and ":stack/A/" in delete["StackId"]
    assert delete["PhysicalResourceId"] == "res-moved"
    assert {k: r.physical_id for k, r in player.resources("B").items()} == {
        "Other": "res-other",
        "X": "res-moved",
    }
    assert list(player.resources("A")) == ["Stay"]
