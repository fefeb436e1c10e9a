"""What the player plays and resolves: any custom resource, ``AWS::Connect::EmailAddress``, and references.

``Ref`` / ``Fn::GetAtt`` of played resources resolve to what they answered, ``Fn::ImportValue`` to the
exports of stacks the player deployed; an email address is created in (and deleted from) the emulator
through Connect's API; a type the player cannot play is refused up front, naming resource and type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from connect_email_alias.local import CloudAssembly, StackSource, TemplateError

from tests.support.seed import INSTANCE

pytestmark = pytest.mark.slow

INSTANCE_ARN = f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}"


def recorded(name: Any, **properties: Any) -> dict[str, Any]:
    token = {"Fn::GetAtt": ["Fn", "Arn"]}
    return {"Type": "Custom::Recorded", "Properties": {"ServiceToken": token, "Name": name, **properties}}


def address(email: str, **properties: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::Connect::EmailAddress",
        "Properties": {"InstanceArn": INSTANCE_ARN, "EmailAddress": email, **properties},
    }


def stack(code: Path, name: str = "Demo", outputs: dict[str, Any] | None = None, **resources: Any):
    function = {
        "Type": "AWS::Lambda::Function",
        "Properties": {"Handler": "index.handler", "Runtime": "python3.13", "Code": {"S3Key": "c.zip"}},
    }
    template = {"Resources": {"Fn": function, **resources}, "Outputs": outputs or {}}
    return StackSource(name, template, default_asset_dir=code)


def sent(report, logical_id: str) -> dict[str, Any]:
    (event,) = [s.result.event for s in report.steps if s.result.logical_id == logical_id]
    return event["ResourceProperties"]


def test_ref_and_get_att_of_a_custom_resource_resolve_to_its_answer(player, code):
    # Declared first but played second: references order the resources, as they do in CloudFormation.
    uses = recorded("user", Id={"Ref": "Made"}, Token={"Fn::GetAtt": ["Made", "FunctionName"]})
    report = player.deploy(stack(code, User=uses, Made=recorded("made")))
    assert report.sequence() == [("create", "Create", "Made"), ("create", "Create", "User")], str(report)
    assert sent(report, "User")["Id"] == "res-made"
    assert sent(report, "User")["Token"] == "Demo-Fn"

    # Replacing Made changes what User references, so User gets an Update too; then Made's cleanup.
    renamed = player.deploy(stack(code, User=uses, Made=recorded("remade")))
    assert renamed.sequence() == [
        ("update", "Update", "Made"),
        ("update", "Update", "User"),
        ("cleanup", "Delete", "Made"),
    ]
    assert sent(renamed, "User")["Id"] == "res-remade"


def test_get_att_of_an_attribute_the_answer_lacks_fails_the_resource_and_rolls_back(player, code):
    report = player.deploy(
        stack(code, Made=recorded("made"), User=recorded({"Fn::GetAtt": ["Made", "Nope"]}))
    )
    assert report.status == "ROLLBACK_COMPLETE"
    assert report.sequence() == [
        ("create", "Create", "Made"),
        ("create", "Create", "User"),
        ("rollback", "Delete", "Made"),
    ]
    failed = report.steps[1].result
    assert (failed.status, failed.physical_resource_id) == ("FAILED", None)
    assert "Made's answer has no attribute Nope" in (failed.reason or "")


def test_import_value_reads_the_export_of_another_stack_the_player_deployed(player, code):
    exported = {"Id": {"Value": {"Ref": "Shared"}, "Export": {"Name": {"Fn::Join": ["-", ["shared", "id"]]}}}}
    player.deploy(stack(code, "A", exported, Shared=recorded("shared")))
    report = player.deploy(stack(code, "B", User=recorded("b", From={"Fn::ImportValue": "shared-id"})))
    assert report.ok, str(report)
    assert sent(report, "User")["From"] == "res-shared"
    assert player.outputs("A") == {"Id": "res-shared"}


def test_get_stack_output_reads_an_output_of_another_stack_the_player_deployed(player, code, receiver):
    """CDK's weak cross-stack reference (`@aws-cdk/core:defaultCrossStackReferences: weak`, cdk init's)."""
    player.deploy(stack(code, "A", {"Id": {"Value": {"Ref": "Shared"}}}, Shared=recorded("shared")))
    weak = {"Fn::GetStackOutput": {"StackName": "A", "Region": "us-east-1", "OutputName": "Id"}}
    report = player.deploy(stack(code, "B", User=recorded("b", From=weak)))
    assert report.ok, str(report)
    assert sent(report, "User")["From"] == "res-shared"

    missing = {"Fn::GetStackOutput": {"StackName": "Nowhere", "OutputName": "Id"}}
    with pytest.raises(TemplateError, match="output Id of stack Nowhere: no stack this player deployed"):
        player.deploy(stack(code, "C", User=recorded("c", From=missing)))


def test_import_value_of_an_export_nobody_deployed_is_refused_before_any_event(player, code, receiver):
    with pytest.raises(
        TemplateError, match="Fn::ImportValue 'missing': no stack this player deployed exports"
    ):
        player.deploy(stack(code, User=recorded("u", From={"Fn::ImportValue": "missing"})))
    assert receiver.responses() == []


@pytest.mark.parametrize(
    ("resource", "named"),
    [
        (
            {"Type": "AWS::S3::Bucket"},
            r"resource Bucket \(AWS::S3::Bucket\): the player plays custom resources",
        ),
        (
            {"Type": "Custom::Other", "Properties": {"ServiceToken": "arn:aws:sns:us-east-1:1:topic"}},
            r"resource Bucket \(Custom::Other\) ServiceToken: must be Fn::GetAtt",
        ),
    ],
)
def test_a_type_the_player_cannot_play_is_refused_naming_resource_and_type(player, code, resource, named):
    with pytest.raises(TemplateError, match=named):
        player.deploy(stack(code, Bucket=resource, Made=recorded("made")))


def test_a_custom_resource_served_by_a_node_function_is_refused(player, code):
    source = stack(code, Made=recorded("made"))
    source.template["Resources"]["Fn"]["Properties"]["Runtime"] = "nodejs20.x"
    with pytest.raises(TemplateError, match=r"its function Fn runs nodejs20.x; the player runs Python"):
        player.deploy(source)


def test_resources_that_only_serve_the_function_are_not_played(player, code):
    helpers = {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
        "Logs": {"Type": "AWS::Logs::LogGroup", "Condition": "Never"},
        "CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {}},
    }
    report = player.deploy(stack(code, Made=recorded("made"), **helpers))
    assert report.sequence() == [("create", "Create", "Made")]
    assert list(player.resources("Demo")) == ["Made"]


def test_email_addresses_are_created_in_connect_and_their_arns_resolve(player, code, client):
    resources = {
        "Primary": address("new-primary@example.com", DisplayName="New primary"),
        "Alias": address("new-alias@example.com"),
        "User": recorded(
            "user", Primary={"Fn::GetAtt": ["Primary", "EmailAddressArn"]}, Alias={"Ref": "Alias"}
        ),
    }
    report = player.deploy(stack(code, **resources))
    assert report.status == "CREATE_COMPLETE", str(report)
    assert [s[2] for s in report.sequence()] == ["Primary", "Alias", "User"]
    arns = {k: r.physical_id for k, r in player.resources("Demo").items() if k != "User"}
    assert (sent(report, "User")["Primary"], sent(report, "User")["Alias"]) == (
        arns["Primary"],
        arns["Alias"],
    )
    primary_id = arns["Primary"].rsplit("/", 1)[1]
    described = client.describe_email_address(InstanceId=INSTANCE, EmailAddressId=primary_id)
    assert (described["EmailAddress"], described["DisplayName"]) == ("new-primary@example.com", "New primary")
    assert described["EmailAddressArn"] == arns["Primary"]

    gone = player.destroy("Demo")
    assert gone.sequence() == [
        ("delete", "Delete", "User"),
        ("delete", "Delete", "Alias"),
        ("delete", "Delete", "Primary"),
    ]
    found = client.search_email_addresses(InstanceId=INSTANCE)["EmailAddresses"]
    assert not {a["EmailAddress"] for a in found} & {"new-primary@example.com", "new-alias@example.com"}


def test_alias_configurations_of_an_email_address_are_played_too(player, code, client):
    alias = address("native-alias@example.com")
    primary = address(
        "native-primary@example.com", AliasConfigurations=[{"EmailAddressArn": {"Ref": "Alias"}}]
    )
    assert player.deploy(stack(code, Alias=alias, Primary=primary)).ok
    held = player.resources("Demo")
    primary_id, alias_id = (held[k].physical_id.rsplit("/", 1)[1] for k in ("Primary", "Alias"))
    described = client.describe_email_address(InstanceId=INSTANCE, EmailAddressId=primary_id)
    assert described["AliasConfigurations"] == [{"EmailAddressId": alias_id}]

    report = player.deploy(stack(code, Alias=alias, Primary=address("native-primary@example.com")))
    assert report.sequence() == [("update", "Update", "Primary")]
    described = client.describe_email_address(InstanceId=INSTANCE, EmailAddressId=primary_id)
    assert "AliasConfigurations" not in described


def test_connect_refusing_an_email_address_fails_the_create_and_rolls_back(player, code):
    taken = address("support@example.com")  # already in the seed: Connect answers 409
    report = player.deploy(stack(code, Made=recorded("made"), Taken={**taken, "DependsOn": "Made"}))
    assert report.status == "ROLLBACK_COMPLETE"
    assert report.sequence() == [
        ("create", "Create", "Made"),
        ("create", "Create", "Taken"),
        ("rollback", "Delete", "Made"),
    ]
    assert "DuplicateResourceException" in (report.steps[1].result.reason or "")


def test_an_email_address_whose_instance_arn_is_no_arn_fails_naming_the_property(player, code, client):
    bare_id = {"Type": "AWS::Connect::EmailAddress", "Properties": {"InstanceArn": INSTANCE,
                                                                    "EmailAddress": "mail@example.com"}}
    report = player.deploy(stack(code, Mail=bare_id))
    assert report.status == "ROLLBACK_COMPLETE"
    failed = report.steps[0].result
    assert failed.status == "FAILED"
    assert f"InstanceArn '{INSTANCE}' is not a Connect ARN" in (failed.reason or ""), failed.reason
    found = client.search_email_addresses(InstanceId=INSTANCE)["EmailAddresses"]
    assert "mail@example.com" not in {a["EmailAddress"] for a in found}


def test_a_from_email_addresses_stack_plays_with_the_real_function(player, client, tmp_path):
    """An app of two CfnEmailAddress and the alias between them, synthesised (in this process) and played."""
    import aws_cdk as cdk
    from aws_cdk import aws_connect as connect
    from connect_email_alias import EmailAddressAlias

    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Addresses", env=cdk.Environment(account="123456789012", region="us-east-1"))
    primary, alias = (
        connect.CfnEmailAddress(stack, name, instance_arn=INSTANCE_ARN, email_address=email)
        for name, email in (("Primary", "p@example.com"), ("Alias", "a@example.com"))
    )
    EmailAddressAlias.from_email_addresses(stack, "Forward", primary=primary, alias=alias)
    app.synth()
    source = CloudAssembly(tmp_path / "cdk.out").stack("Addresses")

    report = player.deploy(source)
    assert report.status == "CREATE_COMPLETE", str(report)
    held = player.resources("Addresses")
    forward = next(r for r in held.values() if r.spec.function is not None)
    primary_id, alias_id = (held[k].physical_id.rsplit("/", 1)[1] for k in ("Primary", "Alias"))
    assert forward.attributes["EmailAddress"] == "p@example.com"
    described = client.describe_email_address(InstanceId=INSTANCE, EmailAddressId=primary_id)
    assert described["AliasConfigurations"] == [{"EmailAddressId": alias_id}]

    assert player.destroy("Addresses").ok
    found = client.search_email_addresses(InstanceId=INSTANCE)["EmailAddresses"]
    assert not {a["EmailAddress"] for a in found} & {"p@example.com", "a@example.com"}
