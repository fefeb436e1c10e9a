"""The CloudFormation player, driven with a tiny hand-made function (not the project's ``lambda/``).

The function (tests/integration/recording_function.py) reports what it saw, so the tests can check the
process isolation, the events' shape and their order.
"""

from __future__ import annotations

import json
import re
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from connect_email_alias.local import (
    CloudAssembly,
    StackSource,
    TemplateError,
)

pytestmark = pytest.mark.slow


def template(**overrides):
    first = {"Name": {"Ref": "Name"}, "Mode": "ok", "Count": 3, "Flag": True, "Where": {"Ref": "AWS::Region"}}
    second = {"Name": "second", "Mode": {"Ref": "SecondMode"}, "Nested": {"List": [1, False]}}
    first.update(overrides.get("first", {}))
    second.update(overrides.get("second", {}))
    return {
        "Parameters": {
            "Name": {"Type": "String", "Default": "one"},
            "SecondMode": {"Type": "String", "Default": "ok"},
            "Greeting": {"Type": "String", "Default": "hello"},
        },
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Handler": "index.handler",
                    "Timeout": 30,
                    "Code": {"S3Bucket": "b", "S3Key": "code.zip"},
                    "Environment": {"Variables": {"GREETING": {"Ref": "Greeting"}}},
                },
            },
            "First": {
                "Type": "Custom::ConnectEmailAddressAlias",
                "Properties": {"ServiceToken": {"Fn::GetAtt": ["Fn", "Arn"]}, **first},
            },
            "Second": {
                "Type": "AWS::CloudFormation::CustomResource",
                "DependsOn": "First",
                "Properties": {"ServiceToken": {"Fn::GetAtt": "Fn.Arn"}, **second},
            },
        },
    }


def stack(code: Path, **overrides) -> StackSource:
    return StackSource("Demo", template(**overrides), default_asset_dir=code)


def test_create_sends_cloudformation_shaped_events_to_an_isolated_process(player, code, emulator, receiver):
    report = player.deploy(stack(code))
    assert report.status == "CREATE_COMPLETE", str(report)
    assert report.sequence() == [("create", "Create", "First"), ("create", "Create", "Second")]
    first = report.steps[0].result
    event = first.event
    assert re.fullmatch(
        r"arn:aws:cloudformation:us-east-1:123456789012:stack/Demo/[0-9a-f-]{36}", event["StackId"]
    )
    assert uuid.UUID(event["RequestId"])
    assert event["ResourceType"] == "Custom::ConnectEmailAddressAlias"
    assert event["ServiceToken"] == event["ResourceProperties"]["ServiceToken"]
    assert event["ServiceToken"].startswith("arn:aws:lambda:us-east-1:123456789012:function:")
    assert event["ResourceProperties"] == {
        "ServiceToken": event["ServiceToken"],
        "Name": "one",
        "Mode": "ok",
        "Count": "3",
        "Flag": "true",
        "Where": "us-east-1",
    }
    assert "PhysicalResourceId" not in event and "OldResourceProperties" not in event
    assert report.steps[1].result.event["ResourceProperties"]["Nested"] == {"List": ["1", "false"]}

    assert (first.physical_resource_id, first.validation_errors, first.answered_before_deadline) == (
        "res-one",
        (),
        True,
    )
    seen = first.data
    path = json.loads(seen["SysPath"])
    assert path[0] == str(code)
    assert path[1] == str(player.runner.sdk_path)
    assert all(p.startswith(sys.base_prefix) for p in path[2:]), path
    assert seen["ProjectVisible"] == "no"
    assert seen["Boto3"].startswith(str(player.runner.sdk_path))
    assert (seen["Greeting"], seen["Endpoint"], seen["RemainingPositive"]) == (
        "hello",
        emulator.endpoint_url,
        "True",
    )
    assert receiver.url_secret not in first.logs
    assert player.resources("Demo")["First"].physical_id == "res-one"


def test_parameters_are_resolved_from_given_values(player, code):
    report = player.deploy(stack(code), {"Name": "given", "Greeting": "hi"})
    first = report.steps[0].result
    assert first.event["ResourceProperties"]["Name"] == "given"
    assert first.data["Greeting"] == "hi"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"first": {"Name": {"Fn::Sub": "${AWS::Region}-x"}}}, "resource First property Name: Fn::Sub"),
        (
            {"second": {"Nested": {"Deep": {"Fn::GetAtt": ["Fn", "Version"]}}}},
            "Nested.Deep: Fn::GetAtt Fn.Version: Fn is AWS::Lambda::Function, which the player does not play",
        ),
        ({"first": {"Name": {"Ref": "Nowhere"}}}, "Ref Nowhere: Nowhere is not a parameter or a resource"),
    ],
)
def test_other_intrinsics_fail_naming_resource_and_property(player, code, receiver, overrides, named):
    with pytest.raises(TemplateError, match=re.escape(named)):
        player.deploy(stack(code, **overrides))
    assert receiver.responses() == [] and player.resources("Demo") == {}  # refused before any event


def test_the_process_is_killed_at_the_deadline(player, code):
    source = stack(code, first={"Mode": "sleep"})
    spec = source.custom_resources(_resolver(source))[0]
    event = player.event("Create", spec, {"Name": "x", "Mode": "sleep"}, stack_name="Demo")
    result = player.invoke(event, spec.function, timeout_s=1.5)
    assert result.timed_out
    assert result.status is None and not result.answered_before_deadline
    assert "Task timed out" in result.logs


def test_the_same_event_delivered_twice_gives_the_same_outcome(player, code):
    source = stack(code)
    spec = source.custom_resources(_resolver(source))[0]
    event = player.event("Create", spec, {"Name": "twice"}, stack_name="Demo")
    first, second = player.invoke(event, spec.function), player.invoke(event, spec.function)
    assert (first.status, first.physical_resource_id) == (second.status, second.physical_resource_id)
    assert (first.responses, second.responses) == (1, 1)


def test_update_that_replaces_the_physical_id_is_followed_by_a_cleanup_delete(player, code):
    player.deploy(stack(code))
    report = player.deploy(stack(code), {"Name": "two"})
    assert report.status == "UPDATE_COMPLETE", str(report)
    assert report.sequence() == [("update", "Update", "First"), ("cleanup", "Delete", "First")]
    update, cleanup = (s.result.event for s in report.steps)
    assert update["PhysicalResourceId"] == "res-one"
    assert update["OldResourceProperties"]["Name"] == "one" and update["ResourceProperties"]["Name"] == "two"
    assert cleanup["PhysicalResourceId"] == "res-one"
    assert cleanup["ResourceProperties"]["Name"] == "one"
    assert player.resources("Demo")["First"].physical_id == "res-two"


def test_failed_update_rolls_back_in_reverse_then_cleans_up_what_the_attempt_minted(player, code):
    player.deploy(stack(code))
    report = player.deploy(stack(code), {"Name": "two", "SecondMode": "fail"})
    assert report.status == "UPDATE_ROLLBACK_COMPLETE", str(report)
    assert report.sequence() == [
        ("update", "Update", "First"),
        ("update", "Update", "Second"),
        ("rollback", "Update", "Second"),
        ("rollback", "Update", "First"),
        ("cleanup", "Delete", "First"),
    ]
    events = [s.result.event for s in report.steps]
    second_back, first_back, cleanup = events[2], events[3], events[4]
    assert second_back["ResourceProperties"]["Mode"] == "ok"
    assert second_back["OldResourceProperties"]["Mode"] == "fail"
    assert second_back["PhysicalResourceId"] == "res-second"  # the failed update kept the old ID
    assert first_back["ResourceProperties"]["Name"] == "one"
    assert first_back["OldResourceProperties"]["Name"] == "two"
    assert first_back["PhysicalResourceId"] == "res-two"  # what CloudFormation holds after the update
    assert (cleanup["PhysicalResourceId"], cleanup["ResourceProperties"]["Name"]) == ("res-two", "two")
    assert player.resources("Demo")["First"].physical_id == "res-one"


def test_failed_create_rolls_back_with_deletes(player, code):
    report = player.deploy(stack(code), {"SecondMode": "fail"})
    assert report.status == "ROLLBACK_COMPLETE"
    assert report.sequence() == [
        ("create", "Create", "First"),
        ("create", "Create", "Second"),
        ("rollback", "Delete", "Second"),
        ("rollback", "Delete", "First"),
    ]
    assert player.resources("Demo") == {}


def test_destroy_deletes_in_reverse_order(player, code):
    player.deploy(stack(code))
    report = player.destroy("Demo")
    assert report.status == "DELETE_COMPLETE"
    assert report.sequence() == [("delete", "Delete", "Second"), ("delete", "Delete", "First")]
    assert report.steps[0].result.event["PhysicalResourceId"] == "res-second"


def test_service_token_imported_from_another_stack_of_a_cloud_assembly(player, code, tmp_path):
    out = tmp_path / "cdk.out"
    out.mkdir()
    (out / "asset.abc").symlink_to(code, target_is_directory=True)
    provider = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Handler": "index.handler", "Timeout": 30, "Code": {"S3Key": "abc.zip"}},
            }
        },
        "Outputs": {"Token": {"Value": {"Fn::GetAtt": ["Fn", "Arn"]}, "Export": {"Name": "TokenExport"}}},
    }
    consumer = {
        "Resources": {
            "Alias": {
                "Type": "Custom::ConnectEmailAddressAlias",
                "Properties": {"ServiceToken": {"Fn::ImportValue": "TokenExport"}, "Name": "imported"},
            }
        }
    }
    files = {
        "files": {
            "abc": {
                "source": {"path": "asset.abc", "packaging": "zip"},
                "destinations": {"d": {"bucketName": "b", "objectKey": "abc.zip"}},
            }
        }
    }
    (out / "Provider.template.json").write_text(json.dumps(provider))
    (out / "Consumer.template.json").write_text(json.dumps(consumer))
    (out / "Provider.assets.json").write_text(json.dumps(files))
    manifest = {
        "version": "55.0.0",
        "artifacts": {
            "Provider.assets": {"type": "cdk:asset-manifest", "properties": {"file": "Provider.assets.json"}},
            "Provider": {
                "type": "aws:cloudformation:stack",
                "properties": {"templateFile": "Provider.template.json"},
            },
            "Consumer": {
                "type": "aws:cloudformation:stack",
                "properties": {"templateFile": "Consumer.template.json"},
            },
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest))
    assembly = CloudAssembly(out)
    report = player.deploy(assembly.stack("Consumer"))
    assert report.status == "CREATE_COMPLETE", str(report)
    result = report.steps[0].result
    assert result.event["ServiceToken"].endswith(":function:Provider-Fn")
    assert json.loads(result.data["SysPath"])[0] == str(out / "asset.abc")


def _resolver(source: StackSource):
    from connect_email_alias.local import Environment
    from connect_email_alias.local.cloudformation.template import Resolver

    return Resolver(source.template, source.name, Environment())


def test_yaml_templates_with_short_tags(player, code, tmp_path):
    path = tmp_path / "stack.yaml"
    path.write_text(
        "Parameters:\n"
        "  Name: {Type: String, Default: from-yaml}\n"
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Lambda::Function\n"
        "    Properties: {Handler: index.handler, Timeout: 30, Code: {S3Key: x.zip}}\n"
        "  Alias:\n"
        "    Type: Custom::ConnectEmailAddressAlias\n"
        "    Properties:\n"
        "      ServiceToken: !GetAtt Fn.Arn\n"
        "      Name: !Ref Name\n"
        "      Port: 25\n"
    )
    report = player.deploy(StackSource.from_file(path, name="Yaml", asset_dir=code))
    assert report.status == "CREATE_COMPLETE", str(report)
    props = report.steps[0].result.event["ResourceProperties"]
    assert (props["Name"], props["Port"]) == ("from-yaml", "25")


def test_zipped_and_inline_code_are_written_out_once_and_play(player, code, tmp_path):
    """A zipped asset in cdk.out and inline `ZipFile` source: each written out once for the process (not
    per look-up), and played like a folder asset."""
    out = tmp_path / "cdk.out"
    out.mkdir()
    with zipfile.ZipFile(out / "asset.zipped.zip", "w") as archive:
        archive.write(code / "index.py", "index.py")
    zipped = {"Handler": "index.handler", "Timeout": 30, "Code": {"S3Key": "zipped.zip"}}
    inline = {"Handler": "index.handler", "Timeout": 30, "Code": {"ZipFile": (code / "index.py").read_text()}}
    template = {
        "Resources": {
            "Zipped": {
                "Type": "AWS::Lambda::Function",
                "Properties": zipped,
                "Metadata": {"aws:asset:path": "asset.zipped.zip"},
            },
            "Inline": {"Type": "AWS::Lambda::Function", "Properties": inline},
            "FromZip": {
                "Type": "Custom::Recorded",
                "Properties": {"ServiceToken": {"Fn::GetAtt": "Zipped.Arn"}},
            },
            "FromSource": {
                "Type": "Custom::Recorded",
                "Properties": {"ServiceToken": {"Fn::GetAtt": "Inline.Arn"}, "Name": "inline"},
            },
        }
    }
    source = StackSource("Packed", template, cdk_out=out)
    folders = [{s.logical_id: s.function.asset_dir for s in source.custom_resources()} for _ in range(2)]
    assert folders[0] == folders[1]
    assert all((folder / "index.py").is_file() for folder in folders[0].values())
    report = player.deploy(source)
    assert report.status == "CREATE_COMPLETE", str(report)
    assert {s.result.physical_resource_id for s in report.steps} == {"res-unnamed", "res-inline"}
