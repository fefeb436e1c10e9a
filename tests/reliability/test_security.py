"""Security as tests on app.py's synthesised stacks: least-privilege IAM, no network exposure.
(cdk-nag is clean: tests/construct/test_construct_lint.py; logs are scanned per test in conftest.track.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from connect_email_alias.local import CloudAssembly

from tests.support.assembly import synth_app
from tests.support.seed import INSTANCE

CONNECT_ACTIONS = {
    "connect:AssociateEmailAddressAlias",
    "connect:DescribeEmailAddress",
    "connect:DisassociateEmailAddressAlias",
}
ALLOWED_TYPES = {
    "AWS::IAM::Role",
    "AWS::Lambda::Function",
    "AWS::Logs::LogGroup",
    "Custom::ConnectEmailAddressAlias",
    "AWS::CDK::Metadata",
}


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, dict]:
    out = synth_app(tmp_path_factory.mktemp("cdk.out"))
    assembly = CloudAssembly(Path(out))
    return {name: assembly.stack(name).template for name in assembly.stack_names}


@pytest.mark.slow
def test_role_has_only_the_three_connect_actions_on_instance_scoped_addresses(templates):
    for name, template in templates.items():
        roles = {k: r for k, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Role"}
        assert len(roles) == 1, name
        (logs_id,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::Logs::LogGroup"]
        (role,) = roles.values()
        props = role["Properties"]
        assert "ManagedPolicyArns" not in props and "PermissionsBoundary" not in props
        assert props["AssumeRolePolicyDocument"]["Statement"] == [
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}
        ]
        (policy,) = props["Policies"]
        statements = policy["PolicyDocument"]["Statement"]
        assert all(
            s["Effect"] == "Allow" and "NotAction" not in s and "NotResource" not in s for s in statements
        )
        logs = [s for s in statements if any(a.startswith("logs:") for a in s["Action"])]
        connect = [s for s in statements if any(a.startswith("connect:") for a in s["Action"])]
        assert len(logs) + len(connect) == len(statements) == 2, name
        assert set(logs[0]["Action"]) == {"logs:CreateLogStream", "logs:PutLogEvents"}
        assert logs[0]["Resource"] == {"Fn::GetAtt": [logs_id, "Arn"]}, "only its own log group"
        assert set(connect[0]["Action"]) == CONNECT_ACTIONS
        resource = json.dumps(connect[0]["Resource"])
        assert resource.endswith(f':instance/{INSTANCE}/email-address/*"]]}}'), resource
        assert connect[0]["Resource"] != "*"


@pytest.mark.slow
def test_function_has_no_network_exposure(templates):
    for name, template in templates.items():
        types = {r["Type"] for r in template["Resources"].values()}
        assert types <= ALLOWED_TYPES, (name, types - ALLOWED_TYPES)  # no Lambda::Url, Lambda::Permission
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::Lambda::Function":
                props = resource["Properties"]
                assert "VpcConfig" not in props and "Environment" not in props
        assert '"*"' not in json.dumps(
            [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
        ).replace('"Principal": {"Service"', ""), "no public principal or wildcard resource"
