"""EmailAddressAliasProvider: one function and role per stack, least privilege, logging, options, export.

The IAM tests evaluate the synthesised policy the way IAM matches it (action, resource ARN, tag keys), so
they assert what the function may and may not do, not how the JSON happens to be spelled.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match, Template
from connect_email_alias import RESOURCE_TYPE, EmailAddressAlias, EmailAddressAliasProvider
from connect_email_alias._contract import contract
from connect_email_alias.provider import SINGLETON_ID

from constructs import Construct
from tests.support.seed import HELP, INSTANCE, SUPPORT

from .conftest import ARN_HEAD, add_aliases, alias_on_new_instance, resources_of

ACCOUNT = "111122223333"  # ARN_HEAD's account; eu-west-2 is its region
PSEUDO = {"AWS::Partition": "aws", "AWS::AccountId": ACCOUNT, "AWS::Region": "eu-west-2"}
TAG_ACTIONS = ("connect:TagResource", "connect:UntagResource")
ADDRESS_ACTIONS = [a for a in contract.IAM_ADDRESS_ACTIONS if a not in TAG_ACTIONS]


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    (role,) = resources_of(template, "AWS::IAM::Role").values()
    (policy,) = role["Properties"]["Policies"]
    return list(policy["PolicyDocument"]["Statement"])


def _evaluate(node: Any, values: dict[str, str] | None = None) -> Any:
    """Just enough of CloudFormation's intrinsics to run the policy's expressions."""
    values = values or {}
    if isinstance(node, list):
        return [_evaluate(item, values) for item in node]
    if isinstance(node, dict):
        ((fn, arg),) = node.items()
        if fn == "Fn::ImportValue":
            return values[arg]
        if fn == "Ref":
            return PSEUDO[arg]
        if fn == "Fn::GetAtt":
            return values.get(".".join(arg), f"arn:of:{'.'.join(arg)}")
        if fn == "Fn::Join":
            return arg[0].join(_evaluate(part, values) for part in arg[1])
        if fn == "Fn::Split":
            return _evaluate(arg[1], values).split(arg[0])
        if fn == "Fn::Select":
            return _evaluate(arg[1], values)[int(arg[0])]
    return node


def _allowed(
    template: dict[str, Any],
    action: str,
    resource: str,
    tag_keys: list[str] | None = None,
    values: dict[str, str] | None = None,
) -> bool:
    """Whether one Allow statement matches, as IAM matches it (wildcards, the two tag-key conditions)."""
    for statement in _statements(template):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = _evaluate(statement["Resource"], values)
        resources = resources if isinstance(resources, list) else [resources]
        condition = statement.get("Condition", {})
        keys = condition.get("ForAllValues:StringEquals", {}).get("aws:TagKeys")
        if keys is not None and (not tag_keys or not set(tag_keys) <= set(keys)):
            continue
        if action in actions and any(fnmatch.fnmatchcase(resource, r) for r in resources):
            return True
    return False


def _address(instance: str = INSTANCE, region: str = "eu-west-2", account: str = ACCOUNT) -> str:
    return f"arn:aws:connect:{region}:{account}:instance/{instance}/email-address/{SUPPORT}"


def _instance(instance: str = INSTANCE, region: str = "eu-west-2", account: str = ACCOUNT) -> str:
    return f"arn:aws:connect:{region}:{account}:instance/{instance}"


def _can_serve(template: dict[str, Any], instance: str = INSTANCE, **where: str) -> bool:
    """Every call the function makes, allowed on ``instance``."""
    address = _address(instance, **where)
    return all(_allowed(template, a, address) for a in ADDRESS_ACTIONS) and all(
        _allowed(template, a, _instance(instance, **where)) for a in contract.IAM_INSTANCE_ACTIONS
    )


def _stack(region: str | None = "eu-west-2", account: str | None = None) -> cdk.Stack:
    env = cdk.Environment(region=region, account=account) if region or account else None
    return cdk.Stack(cdk.App(), "S", env=env)


@pytest.fixture(scope="module")
def three() -> dict[str, Any]:
    stack = _stack()
    add_aliases(stack, 3)
    return Template.from_stack(stack).to_json()


def test_singleton_one_function_role_and_log_group_for_n_aliases(three: dict[str, Any]) -> None:
    template = Template.from_json(three)
    template.resource_count_is("AWS::Lambda::Function", 1)
    template.resource_count_is("AWS::IAM::Role", 1)
    template.resource_count_is("AWS::IAM::Policy", 0)
    template.resource_count_is("AWS::IAM::ManagedPolicy", 0)
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
                "Timeout": contract.FUNCTION_TIMEOUT_S,
                "Handler": "index.handler",
                "LoggingConfig": {"LogGroup": {"Ref": Match.any_value()}},
                "ReservedConcurrentExecutions": Match.absent(),
                "TracingConfig": Match.absent(),
                "Environment": {"Variables": {contract.ALIASES_SERVED_ENV: "50"}},  # three, rounded up
            },
            "DependsOn": Match.absent(),
        },
    )


def test_log_group_with_retention_and_no_managed_policy(three: dict[str, Any]) -> None:
    template = Template.from_json(three)
    template.has_resource_properties(
        "AWS::Logs::LogGroup", {"RetentionInDays": 30, "KmsKeyId": Match.absent()}
    )
    template.has_resource_properties("AWS::IAM::Role", {"ManagedPolicyArns": Match.absent()})
    assert _statements(three)[0] == {
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": [next(iter(resources_of(three, "AWS::Logs::LogGroup"))), "Arn"]},
    }


def test_the_role_allows_every_call_the_function_makes_on_its_instance_and_nothing_else(
    three: dict[str, Any],
) -> None:
    assert _can_serve(three)
    for other in ({"instance": "other-instance"}, {"region": "us-east-1"}, {"account": "999999999999"}):
        assert not any(_allowed(three, a, _address(**other)) for a in contract.IAM_ADDRESS_ACTIONS), other
        assert not _allowed(three, "connect:SearchEmailAddresses", _instance(**other)), other
    # Each action only on its own resource type: no search on an address, no alias call on the instance.
    assert not _allowed(three, "connect:SearchEmailAddresses", _address())
    assert not _allowed(three, "connect:AssociateEmailAddressAlias", _instance())


def test_tagging_is_limited_to_the_owner_tag_key(three: dict[str, Any]) -> None:
    assert set(TAG_ACTIONS) <= set(contract.IAM_ADDRESS_ACTIONS)
    for action in TAG_ACTIONS:
        assert _allowed(three, action, _address(), tag_keys=[contract.OWNER_TAG_KEY])
        assert not _allowed(three, action, _address(), tag_keys=["team"])
        assert not _allowed(three, action, _address(), tag_keys=[contract.OWNER_TAG_KEY, "team"])
        assert not _allowed(three, action, _instance(), tag_keys=[contract.OWNER_TAG_KEY])
    (tagging,) = [s for s in _statements(three) if "Condition" in s]
    assert tagging["Condition"]["Null"] == {"aws:TagKeys": "false"}  # no vacuous match without keys


def test_one_instance_is_one_entry_however_it_is_named() -> None:
    """By ID (stack region and account known) and by ARN: one instance ARN and one address pattern."""
    stack = _stack(account=ACCOUNT)
    add_aliases(stack, 2, instance=INSTANCE, prefix="Id")
    add_aliases(stack, 2, instance=ARN_HEAD, prefix="Arn")
    statements = _statements(Template.from_stack(stack).to_json())
    assert len(statements) == 4  # logs; address actions, instance actions, tagging
    assert statements[1]["Resource"] == statements[3]["Resource"] == f"{_instance()}/email-address/*"
    assert statements[2]["Resource"] == _instance()


def test_a_bare_instance_id_takes_the_stacks_region_when_known() -> None:
    stack = _stack(region="ap-southeast-2")
    add_aliases(stack, 1)
    template = Template.from_stack(stack).to_json()
    assert _can_serve(template, region="ap-southeast-2")
    assert not _can_serve(template, region="eu-west-2")


def test_a_bare_instance_id_in_an_environment_agnostic_stack_takes_aws_region() -> None:
    stack = _stack(region=None)
    add_aliases(stack, 1)
    template = Template.from_stack(stack).to_json()
    assert "*" not in str(_statements(template)[2]["Resource"])
    assert _can_serve(template, region=PSEUDO["AWS::Region"])


def test_an_email_address_arn_brings_its_region_to_a_bare_instance_id() -> None:
    stack = _stack(region="us-east-1")
    EmailAddressAlias(
        stack,
        "A",
        instance_id=INSTANCE,
        email_address_id=f"{ARN_HEAD}/email-address/{SUPPORT}",
        alias_email_address_id=HELP,
    )
    template = Template.from_stack(stack).to_json()
    assert _can_serve(template)  # eu-west-2, the ARN's: the function calls that region
    assert not _can_serve(template, region="us-east-1")


def test_two_instances_two_entries() -> None:
    stack = _stack()
    add_aliases(stack, 2, instance=INSTANCE, prefix="A")
    add_aliases(stack, 2, instance="second-instance", prefix="B")
    template = Template.from_stack(stack).to_json()
    assert _can_serve(template) and _can_serve(template, "second-instance")
    assert [len(s["Resource"]) for s in _statements(template)[1:]] == [2, 2, 2]


@pytest.mark.parametrize("region", ["eu-west-2", None])
@pytest.mark.parametrize("value", [INSTANCE, ARN_HEAD, ARN_HEAD.replace("eu-west-2", "us-west-2")])
def test_a_token_instance_resolves_to_the_instance_whether_id_or_arn(region: str | None, value: str) -> None:
    stack = _stack(region=region)
    add_aliases(stack, 2, instance=cdk.Fn.import_value("InstanceRef"))
    template = Template.from_stack(stack).to_json()
    where = {"region": "us-west-2"} if "us-west-2" in value else {}
    values = {"InstanceRef": value}
    assert all(_allowed(template, a, _address(**where), values=values) for a in ADDRESS_ACTIONS)
    assert _allowed(template, "connect:SearchEmailAddresses", _instance(**where), values=values)
    assert not _allowed(template, "connect:DescribeEmailAddress", _address("x"), values=values)


def test_cfn_email_addresses_with_a_new_instance_grant_that_instance() -> None:
    stack = _stack()
    alias_on_new_instance(stack, "Alias")
    template = Template.from_stack(stack).to_json()
    created = {"Instance.Arn": _instance("fresh-instance")}
    assert _allowed(template, "connect:DescribeEmailAddress", _address("fresh-instance"), values=created)


def test_policy_does_not_grow_with_aliases_on_one_instance() -> None:
    small, large = _stack(), cdk.Stack(cdk.App(), "Large", env=cdk.Environment(region="eu-west-2"))
    add_aliases(small, 1)
    add_aliases(large, 400)
    assert _statements(Template.from_stack(small).to_json()) == _statements(
        Template.from_stack(large).to_json()
    )


def test_grant_instance_up_front_with_a_region() -> None:
    stack = _stack()
    provider = EmailAddressAliasProvider(stack, "P", instance_ids=[ARN_HEAD])
    provider.grant_instance("in-another-region", region="us-east-1")
    template = Template.from_stack(stack).to_json()
    assert _can_serve(template)
    assert _can_serve(template, "in-another-region", region="us-east-1")


def test_of_returns_the_stacks_one_provider() -> None:
    stack = cdk.Stack(cdk.App(), "S")
    scope = cdk.Stack(stack.node.scope, "Other")  # type: ignore[arg-type]
    first = EmailAddressAliasProvider.of(stack)
    assert EmailAddressAliasProvider.of(first) is first
    assert EmailAddressAliasProvider.of(scope) is not first


def test_aliases_in_nested_constructs_share_the_stacks_one_provider() -> None:
    stack = _stack()
    outer = Construct(stack, "Outer")
    inner = Construct(outer, "Inner")
    for scope in (stack, outer, inner, inner):
        add_aliases(scope, 2, prefix=f"{scope.node.id}{len(scope.node.children)}")
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Lambda::Function", 1)
    template.resource_count_is(RESOURCE_TYPE, 8)
    assert {EmailAddressAliasProvider.of(scope) for scope in (stack, outer, inner)} == {
        EmailAddressAliasProvider.of(stack)
    }


def test_of_refuses_another_construct_under_the_providers_id() -> None:
    stack = _stack()
    Construct(stack, SINGLETON_ID)
    with pytest.raises(TypeError, match=f"S/{SINGLETON_ID} exists and is not an EmailAddressAliasProvider"):
        add_aliases(stack, 1)


def test_explicit_provider_is_used_and_export_name_exports_the_token(new_app: Callable[[], cdk.App]) -> None:
    stack = cdk.Stack(new_app(), "S", env=cdk.Environment(region="eu-west-2"))
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
    assert _can_serve(template.to_json(), "granted-up-front") and _can_serve(template.to_json())


def test_options_reserved_concurrency_tracing_and_a_log_key() -> None:
    stack = _stack()
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    EmailAddressAliasProvider(
        stack, "P", reserved_concurrent_executions=2, tracing=True, log_group_encryption_key=key
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Lambda::Function", {"ReservedConcurrentExecutions": 2, "TracingConfig": {"Mode": "Active"}}
    )
    template.has_resource_properties(
        "AWS::Logs::LogGroup", {"KmsKeyId": {"Fn::GetAtt": [Match.string_like_regexp("Key"), "Arn"]}}
    )
    template.resource_count_is("AWS::IAM::Policy", 0)  # X-Ray's actions join the one inline policy
    assert _allowed(template.to_json(), "xray:PutTraceSegments", "*")
    key_policy = template.to_json()["Resources"]
    (key_resource,) = [r for r in key_policy.values() if r["Type"] == "AWS::KMS::Key"]
    logs = [s for s in key_resource["Properties"]["KeyPolicy"]["Statement"] if "Service" in s["Principal"]]
    assert _evaluate(logs[0]["Principal"]["Service"]) == "logs.eu-west-2.amazonaws.com"
    assert "kms:GenerateDataKey*" in logs[0]["Action"]


# -- connect_requests_per_second: the quota's rate, told to the function --------------------------------

RATE_ENV = contract.REQUESTS_PER_SECOND_ENV


def _function(template: dict[str, Any]) -> dict[str, Any]:
    (function,) = resources_of(template, "AWS::Lambda::Function").values()
    return function


def _without_the_rate(template: dict[str, Any]) -> dict[str, Any]:
    """The template as it would be untold: the rate's variable taken out."""
    _function(template)["Properties"]["Environment"]["Variables"].pop(RATE_ENV)
    return template


@pytest.mark.parametrize("told_after_the_aliases", [False, True])
def test_a_told_rate_is_one_variable_of_the_default_provider_and_changes_nothing_else(
    three: dict[str, Any], told_after_the_aliases: bool
) -> None:
    """Set through ``of()``, before or after the aliases that use the default provider: the aliases' resources
    and the role are as untold (the rate is the function's, once per stack)."""
    stack = _stack()
    if not told_after_the_aliases:
        EmailAddressAliasProvider.of(stack, connect_requests_per_second=20)
    add_aliases(stack, 3)
    if told_after_the_aliases:
        EmailAddressAliasProvider.of(stack, connect_requests_per_second=20.0)  # the same rate again: fine
    template = Template.from_stack(stack).to_json()
    variables = {RATE_ENV: "20", contract.ALIASES_SERVED_ENV: "50"}
    assert _function(template)["Properties"]["Environment"] == {"Variables": variables}
    assert _without_the_rate(template) == three


def test_a_provider_created_with_a_rate_tells_its_function(new_app: Callable[[], cdk.App]) -> None:
    stack = cdk.Stack(new_app(), "S", env=cdk.Environment(region="eu-west-2"))
    provider = EmailAddressAliasProvider(stack, "Raised", connect_requests_per_second=12.5)
    EmailAddressAlias(
        stack, "A", instance_id=INSTANCE, email_address_id=SUPPORT, alias_email_address_id=HELP,
        provider=provider,
    )
    template = Template.from_stack(stack)
    variables = {RATE_ENV: "12.5", contract.ALIASES_SERVED_ENV: "50"}
    template.has_resource_properties("AWS::Lambda::Function", {"Environment": {"Variables": variables}})
    assert EmailAddressAliasProvider.of(stack) is not provider  # the default provider is another, untold


def test_without_a_rate_the_function_holds_only_the_aliases_it_serves_with_one_skip_for_them(
    three: dict[str, Any],
) -> None:
    function = _function(three)
    assert function["Properties"]["Environment"] == {"Variables": {contract.ALIASES_SERVED_ENV: "50"}}
    assert [s["id"] for s in function["Metadata"]["checkov"]["skip"]].count("CKV_AWS_173") == 1


def test_an_exported_provider_serves_templates_it_cannot_count_so_its_function_is_told_nothing(
    new_app: Callable[[], cdk.App],
) -> None:
    stack = cdk.Stack(new_app(), "S", env=cdk.Environment(region="eu-west-2"))
    provider = EmailAddressAliasProvider(stack, "Shared", export_name="ConnectEmailAliasToken")
    EmailAddressAlias(
        stack, "A", instance_id=INSTANCE, email_address_id=SUPPORT, alias_email_address_id=HELP,
        provider=provider,
    )
    assert "Environment" not in _function(Template.from_stack(stack).to_json())["Properties"]


@pytest.mark.parametrize(("aliases", "served"), [(0, None), (1, "50"), (50, "50"), (51, "100"), (130, "150")])
def test_the_function_is_told_how_many_aliases_it_serves_rounded_up_to_50(
    aliases: int, served: str | None
) -> None:
    """So a small stack's throttled calls wait less (docs/design.md § Handler, "Quota"), and the function's
    configuration changes only every 50 aliases; a provider with no alias of its own (raw templates) is
    told nothing and waits as for the largest stack."""
    stack = _stack()
    EmailAddressAliasProvider.of(stack)
    add_aliases(stack, aliases)
    function = _function(Template.from_stack(stack).to_json())
    variables = function["Properties"].get("Environment", {}).get("Variables", {})
    assert variables.get(contract.ALIASES_SERVED_ENV) == served
    skips = [s["id"] for s in function["Metadata"]["checkov"]["skip"]]
    assert skips.count("CKV_AWS_173") == (0 if served is None else 1)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (0, "connect_requests_per_second 0 is not between 1 and 1000"),
        (0.5, "connect_requests_per_second 0.5 is not between 1 and 1000"),
        (5000, "connect_requests_per_second 5000 is not between 1 and 1000"),
        (float("nan"), "connect_requests_per_second nan is not between 1 and 1000"),
        ("20", "connect_requests_per_second must be a number of requests per second from 1 to 1000; got str"),
        (True, "got bool True"),
    ],
)
@pytest.mark.parametrize("through", ["constructor", "of"])
def test_a_rate_not_from_1_to_1000_fails_synth_naming_it_and_the_fix_and_adds_nothing(
    value: Any, words: str, through: str
) -> None:
    stack = _stack()
    with pytest.raises(ValueError) as caught:
        if through == "of":
            EmailAddressAliasProvider.of(stack, connect_requests_per_second=value)
        else:
            EmailAddressAliasProvider(stack, "Raised", connect_requests_per_second=value)
    provider = SINGLETON_ID if through == "of" else "Raised"
    message = str(caught.value)
    assert message.startswith(f"EmailAddressAliasProvider S/{provider}: connect_requests_per_second ")
    assert words in message
    assert "your account's Connect quota allows (Service Quotas → Amazon Connect)" in message
    assert "or leave it unset for Connect's default of 2." in message
    assert stack.node.children == []


def test_a_token_rate_is_refused_asking_for_a_literal() -> None:
    stack = _stack()
    rate = cdk.Token.as_number(cdk.Fn.import_value("Rate"))
    with pytest.raises(ValueError, match="connect_requests_per_second is a token: give the rate as a lit"):
        EmailAddressAliasProvider.of(stack, connect_requests_per_second=rate)


def test_a_second_different_rate_for_one_provider_is_refused() -> None:
    stack = _stack()
    EmailAddressAliasProvider.of(stack, connect_requests_per_second=20)
    with pytest.raises(ValueError, match="connect_requests_per_second 10 differs from the 20 set before"):
        EmailAddressAliasProvider.of(stack, connect_requests_per_second=10)
    variables = _function(Template.from_stack(stack).to_json())["Properties"]["Environment"]["Variables"]
    assert variables == {RATE_ENV: "20"}
