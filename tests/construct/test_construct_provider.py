"""EmailAddressAliasProvider: one function and role per stack, least privilege, logging, export."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_connect as connect
from aws_cdk.assertions import Match, Template
from connect_email_alias import RESOURCE_TYPE, EmailAddressAlias, EmailAddressAliasProvider

from tests.support.seed import HELP, INSTANCE, SUPPORT

from .conftest import ARN_HEAD, resources_of

ACTIONS = [
    "connect:AssociateEmailAddressAlias",
    "connect:DescribeEmailAddress",
    "connect:DisassociateEmailAddressAlias",
]
LOGS = {
    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
    "Effect": "Allow",
    "Resource": {"Fn::GetAtt": [Match.any_value(), "Arn"]},
}


def _aliases(stack: cdk.Stack, count: int, instance: str = INSTANCE, prefix: str = "A") -> None:
    for n in range(count):
        EmailAddressAlias(
            stack,
            f"{prefix}{n}",
            instance_id=instance,
            email_address_id=SUPPORT,
            alias_email_address_id=f"alias-{n}",
        )


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    (role,) = resources_of(template, "AWS::IAM::Role").values()
    (policy,) = role["Properties"]["Policies"]
    return list(policy["PolicyDocument"]["Statement"])


def _connect_resources(template: dict[str, Any]) -> list[Any]:
    statements = _statements(template)
    assert statements[0]["Action"] == LOGS["Action"]
    for statement in statements[1:]:
        assert statement["Action"] == ACTIONS and statement["Effect"] == "Allow"
    return [s["Resource"] for s in statements[1:]]


def _arn(region: str, instance: str) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                f":connect:{region}:",
                {"Ref": "AWS::AccountId"},
                f":instance/{instance}/email-address/*",
            ],
        ]
    }


@pytest.fixture(scope="module")
def three() -> dict[str, Any]:
    stack = cdk.Stack(cdk.App(), "Three")
    _aliases(stack, 3)
    return Template.from_stack(stack).to_json()


def test_singleton_one_function_role_and_log_group_for_n_aliases(three: dict[str, Any]) -> None:
    template = Template.from_json(three)
    template.resource_count_is("AWS::Lambda::Function", 1)
    template.resource_count_is("AWS::IAM::Role", 1)
    template.resource_count_is("AWS::IAM::Policy", 0)
    template.resource_count_is("AWS::Logs::LogGroup", 1)
    template.resource_count_is(RESOURCE_TYPE, 3)
    tokens = {str(r["Properties"]["ServiceToken"]) for r in resources_of(three, RESOURCE_TYPE).values()}
    assert len(tokens) == 1


def test_function_settings(three: dict[str, Any]) -> None:
    Template.from_json(three).has_resource(
        "AWS::Lambda::Function",
        {
            "Properties": {
                "Runtime": "python3.13",
                "Architectures": ["arm64"],
                "MemorySize": 256,
                "Timeout": 120,
                "Handler": "index.handler",
                "LoggingConfig": {"LogGroup": {"Ref": Match.any_value()}},
                "ReservedConcurrentExecutions": Match.absent(),
                "Environment": Match.absent(),
            },
            "DependsOn": Match.absent(),
        },
    )


def test_log_group_with_retention_and_no_managed_policy(three: dict[str, Any]) -> None:
    template = Template.from_json(three)
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 30})
    template.has_resource_properties("AWS::IAM::Role", {"ManagedPolicyArns": Match.absent()})
    assert _statements(three)[0] == {
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": [next(iter(resources_of(three, "AWS::Logs::LogGroup"))), "Arn"]},
    }


def test_policy_literal_instance_is_one_statement(three: dict[str, Any]) -> None:
    assert _connect_resources(three) == [_arn("*", INSTANCE)]


def test_policy_instance_arn_uses_its_partition_region_and_account() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    _aliases(stack, 2, instance=ARN_HEAD)
    assert _connect_resources(Template.from_stack(stack).to_json()) == [
        f"{ARN_HEAD}/email-address/*",
    ]


def test_policy_bare_instance_with_email_arn_narrows_the_region() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    EmailAddressAlias(
        stack,
        "A",
        instance_id=INSTANCE,
        email_address_id=f"{ARN_HEAD}/email-address/{SUPPORT}",
        alias_email_address_id=HELP,
    )
    assert _connect_resources(Template.from_stack(stack).to_json()) == [_arn("eu-west-2", INSTANCE)]


def test_policy_two_instances_two_statements_deduplicated() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    _aliases(stack, 2, instance=INSTANCE, prefix="A")
    _aliases(stack, 2, instance="second-instance", prefix="B")
    assert _connect_resources(Template.from_stack(stack).to_json()) == [
        _arn("*", INSTANCE),
        _arn("*", "second-instance"),
    ]


def _evaluate(node: Any, values: dict[str, str]) -> Any:
    """Just enough of CloudFormation's intrinsics to run the policy's instance expression."""
    if isinstance(node, dict):
        ((fn, arg),) = node.items()
        if fn == "Fn::ImportValue":
            return values[arg]
        if fn == "Ref":
            return {"AWS::Partition": "aws", "AWS::AccountId": "123456789012"}[arg]
        if fn == "Fn::Join":
            return arg[0].join(_evaluate(part, values) for part in arg[1])
        if fn == "Fn::Split":
            return _evaluate(arg[1], values).split(arg[0])
        if fn == "Fn::Select":
            return _evaluate(arg[1], values)[int(arg[0])]
    return node


@pytest.mark.parametrize("instance", [INSTANCE, ARN_HEAD])
def test_policy_token_instance_resolves_to_the_instance_id_or_arn(instance: str) -> None:
    stack = cdk.Stack(cdk.App(), "S")
    _aliases(stack, 3, instance=cdk.Fn.import_value("InstanceRef"))
    (resource,) = _connect_resources(Template.from_stack(stack).to_json())
    evaluated = _evaluate(resource, {"InstanceRef": instance})
    assert evaluated == f"arn:aws:connect:*:123456789012:instance/{INSTANCE}/email-address/*"


def test_policy_does_not_grow_with_aliases_on_one_instance() -> None:
    small, large = cdk.Stack(cdk.App(), "Small"), cdk.Stack(cdk.App(), "Large")
    _aliases(small, 1)
    _aliases(large, 400)
    assert _statements(Template.from_stack(small).to_json()) == _statements(
        Template.from_stack(large).to_json()
    )


def test_of_returns_the_stacks_one_provider() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    scope = cdk.Stack(stack.node.scope, "Other")  # type: ignore[arg-type]
    first = EmailAddressAliasProvider.of(stack)
    assert EmailAddressAliasProvider.of(first) is first
    assert EmailAddressAliasProvider.of(scope) is not first


def test_explicit_provider_is_used_and_export_name_exports_the_token(new_app: Callable[[], cdk.App]) -> None:
    stack = cdk.Stack(new_app(), "S")
    provider = EmailAddressAliasProvider(
        stack, "Shared", export_name="Token", instance_ids=["granted-up-front"]
    )
    EmailAddressAlias(
        stack,
        "A",
        instance_id=INSTANCE,
        email_address_id=SUPPORT,
        alias_email_address_id=HELP,
        provider=provider,
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Lambda::Function", 1)
    template.has_output(
        "*", {"Export": {"Name": "Token"}, "Value": {"Fn::GetAtt": [Match.any_value(), "Arn"]}}
    )
    assert _connect_resources(template.to_json()) == [_arn("*", "granted-up-front"), _arn("*", INSTANCE)]


def test_reserved_concurrency_is_optional() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    EmailAddressAliasProvider(stack, "P", reserved_concurrent_executions=2)
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::Function", {"ReservedConcurrentExecutions": 2}
    )


def test_cfn_email_addresses_with_token_instance_grant_via_expression() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    instance = connect.CfnInstance(
        stack,
        "Instance",
        identity_management_type="CONNECT_MANAGED",
        instance_alias="demo",
        attributes=connect.CfnInstance.AttributesProperty(inbound_calls=True, outbound_calls=False),
    )
    a = connect.CfnEmailAddress(stack, "A", instance_arn=instance.attr_arn, email_address="a@example.com")
    b = connect.CfnEmailAddress(stack, "B", instance_arn=instance.attr_arn, email_address="b@example.com")
    EmailAddressAlias.from_email_addresses(stack, "Alias", primary=a, alias=b)
    (resource,) = _connect_resources(Template.from_stack(stack).to_json())
    assert "Fn::Select" in str(resource) and "Instance" in str(resource)
