"""Security as tests on app.py's synthesised stacks: least-privilege IAM, no network exposure.
(cdk-nag is clean: tests/construct/test_construct_lint.py; logs are scanned per test in conftest.track.)"""

from __future__ import annotations

import json

import pytest
from connect_email_alias._contract import contract

from tests.support.seed import INSTANCE

ADDRESS_ACTIONS = {
    "connect:AssociateEmailAddressAlias",
    "connect:DescribeEmailAddress",
    "connect:DisassociateEmailAddressAlias",
}
# The owner record (docs/design.md, "Ownership"): tag calls on the same addresses, for that one tag key only.
TAG_ACTIONS = {"connect:TagResource", "connect:UntagResource"}
OWNER_TAG_KEY = "connect-email-alias:owner"
ALLOWED_TYPES = {
    "AWS::IAM::Role",
    "AWS::Lambda::Function",
    "AWS::Logs::LogGroup",
    "Custom::ConnectEmailAddressAlias",
    "AWS::CDK::Metadata",
}


@pytest.fixture(scope="module")
def templates(demo_stack) -> dict[str, dict]:
    assembly = demo_stack().assembly
    return {name: assembly.stack(name).template for name in assembly.stack_names}


@pytest.mark.slow
def test_role_has_only_the_connect_actions_it_needs_on_the_instance_it_uses(templates):
    """The alias operations and the owner tag (that key only) on the instance's addresses; the search that
    explains a conflict on the instance itself; logs to its own group. Nothing else."""
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
        connect = {
            frozenset([s["Action"]] if isinstance(s["Action"], str) else s["Action"]): s
            for s in statements
            if "connect:" in json.dumps(s["Action"])
        }
        assert len(logs) + len(connect) == len(statements) == 4, name
        assert set(logs[0]["Action"]) == {"logs:CreateLogStream", "logs:PutLogEvents"}
        assert logs[0]["Resource"] == {"Fn::GetAtt": [logs_id, "Arn"]}, "only its own log group"
        assert set(connect) == {
            frozenset(ADDRESS_ACTIONS), frozenset(TAG_ACTIONS), frozenset({"connect:SearchEmailAddresses"})
        }
        for actions, statement in connect.items():
            resource = json.dumps(statement["Resource"])
            on_addresses = "connect:SearchEmailAddresses" not in actions
            tail = f":instance/{INSTANCE}" + ("/email-address/*" if on_addresses else "")
            assert resource.endswith(f'{tail}"]]}}'), (actions, resource)
        tagging = connect[frozenset(TAG_ACTIONS)]["Condition"]
        assert tagging["ForAllValues:StringEquals"] == {"aws:TagKeys": [OWNER_TAG_KEY]}, tagging
        assert tagging["Null"] == {"aws:TagKeys": "false"}, "a call without tag keys must not pass"


@pytest.mark.slow
def test_function_has_no_network_exposure(templates):
    for name, template in templates.items():
        types = {r["Type"] for r in template["Resources"].values()}
        assert types <= ALLOWED_TYPES, (name, types - ALLOWED_TYPES)  # no Lambda::Url, Lambda::Permission
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::Lambda::Function":
                props = resource["Properties"]
                assert "VpcConfig" not in props
                # Only the documented numbers (aliases served, a told rate) reach the function.
                variables = props.get("Environment", {}).get("Variables", {})
                allowed = {contract.ALIASES_SERVED_ENV, contract.REQUESTS_PER_SECOND_ENV}
                assert set(variables) <= allowed, variables
                assert all(str(v).replace(".", "", 1).isdigit() for v in variables.values()), variables
        assert '"*"' not in json.dumps(
            [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
        ).replace('"Principal": {"Service"', ""), "no public principal or wildcard resource"
