"""EmailAddressAlias: the resource, its exact properties, attributes, removal policy and synth-time checks."""

from __future__ import annotations

import ast
import inspect
import pydoc
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import connect_email_alias
import pytest
from aws_cdk import aws_connect as connect
from aws_cdk.assertions import Template
from connect_email_alias import RESOURCE_TYPE, EmailAddressAlias
from connect_email_alias._contract import contract
from connect_email_alias.refs import is_token

from tests.support.seed import CARE, HELP, INSTANCE, SUPPORT

from .conftest import ARN_HEAD, REPO, resources_of


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One app with the variations these tests read, synthesised once."""
    app = cdk.App(outdir=str(tmp_path_factory.mktemp("alias") / "cdk.out"))
    stack = cdk.Stack(app, "Aliases")
    plain = EmailAddressAlias(
        stack, "Plain", instance_id=INSTANCE, email_address_id=SUPPORT, alias_email_address_id=HELP
    )
    retained = EmailAddressAlias(
        stack,
        "Retained",
        instance_id=INSTANCE,
        email_address_id=CARE,
        alias_email_address_id="retained-alias",
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    by_arn = EmailAddressAlias(
        stack,
        "ByArn",
        instance_id=ARN_HEAD,
        email_address_id=f"{ARN_HEAD}/email-address/by-arn",
        alias_email_address_id="by-arn-alias",
    )
    primary = connect.CfnEmailAddress(stack, "Primary", instance_arn=ARN_HEAD, email_address="p@example.com")
    secondary = connect.CfnEmailAddress(stack, "Second", instance_arn=ARN_HEAD, email_address="s@example.com")
    from_cfn = EmailAddressAlias.from_email_addresses(stack, "FromCfn", primary=primary, alias=secondary)
    by_email = EmailAddressAlias(
        stack,
        "ByEmail",
        instance_id=INSTANCE,
        email_address="Sales@Example.com",
        alias_email_address="orders@example.com",
    )
    mixed = EmailAddressAlias(
        stack, "Mixed", instance_id=INSTANCE, email_address_id="mixed", alias_email_address="info@example.com"
    )
    tokens = EmailAddressAlias(
        stack,
        "Tokens",
        instance_id=cdk.Fn.import_value("Instance"),
        email_address_id=cdk.Fn.import_value("Primary"),
        alias_email_address_id=cdk.Fn.import_value("Alias"),
    )
    template = Template.from_stack(stack)
    constructs = dict(
        plain=plain, retained=retained, by_arn=by_arn, from_cfn=from_cfn, tokens=tokens, by_email=by_email,
        mixed=mixed,
    )
    logical = {name: stack.get_logical_id(c.resource) for name, c in constructs.items()}
    return {
        "stack": stack,
        "template": template,
        "json": template.to_json(),
        "constructs": constructs,
        "logical": {k: stack.resolve(v) for k, v in logical.items()},
    }


def _resource(built: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(built["json"]["Resources"][built["logical"][name]])


def test_resource_type_and_exact_properties(built: dict[str, Any]) -> None:
    resource = _resource(built, "plain")
    assert resource["Type"] == RESOURCE_TYPE == "Custom::ConnectEmailAddressAlias"
    props = resource["Properties"]
    expected = {"ServiceToken", "ServiceTimeout", "InstanceId", "EmailAddressId", "AliasConfiguration"}
    assert set(props) == expected
    assert props["InstanceId"] == INSTANCE
    assert props["EmailAddressId"] == SUPPORT
    assert props["AliasConfiguration"] == {"EmailAddressId": HELP}
    assert props["ServiceToken"]["Fn::GetAtt"][1] == "Arn"


def test_addresses_by_email_synthesise_to_the_address_properties_as_given(built: dict[str, Any]) -> None:
    props = _resource(built, "by_email")["Properties"]
    named = set(props) - {"ServiceToken", "ServiceTimeout"}
    assert named == {"InstanceId", "EmailAddress", "AliasConfiguration"}
    assert props["EmailAddress"] == "Sales@Example.com"  # the function compares ignoring case
    assert props["AliasConfiguration"] == {"EmailAddress": "orders@example.com"}
    mixed = _resource(built, "mixed")["Properties"]
    assert mixed["EmailAddressId"] == "mixed"
    assert mixed["AliasConfiguration"] == {"EmailAddress": "info@example.com"}


def test_service_timeout_is_the_contracts_on_every_resource_and_in_templates(built: dict[str, Any]) -> None:
    """A silent function fails the stack after the contract's ServiceTimeout, not CloudFormation's hour."""
    for name in built["logical"]:
        assert _resource(built, name)["Properties"]["ServiceTimeout"] == str(contract.SERVICE_TIMEOUT_S)
    assert contract.SERVICE_TIMEOUT_S < 3600
    for template in (REPO / "templates").glob("*.yaml"):
        assert f"ServiceTimeout: {contract.SERVICE_TIMEOUT_S}\n" in template.read_text(), template.name


def test_arns_and_tokens_pass_through_unchanged(built: dict[str, Any]) -> None:
    props = _resource(built, "by_arn")["Properties"]
    assert props["InstanceId"] == ARN_HEAD
    assert props["EmailAddressId"] == f"{ARN_HEAD}/email-address/by-arn"
    tokens = _resource(built, "tokens")["Properties"]
    assert tokens["InstanceId"] == {"Fn::ImportValue": "Instance"}
    assert tokens["AliasConfiguration"] == {"EmailAddressId": {"Fn::ImportValue": "Alias"}}


def test_from_email_addresses_uses_arns_and_the_primarys_instance(built: dict[str, Any]) -> None:
    props = _resource(built, "from_cfn")["Properties"]
    assert props["InstanceId"] == ARN_HEAD
    assert props["EmailAddressId"] == {"Fn::GetAtt": ["Primary", "EmailAddressArn"]}
    assert props["AliasConfiguration"] == {"EmailAddressId": {"Fn::GetAtt": ["Second", "EmailAddressArn"]}}


def test_attributes_are_getatts_and_physical_id_is_ref(built: dict[str, Any]) -> None:
    alias, stack, logical = built["constructs"]["plain"], built["stack"], built["logical"]["plain"]
    attributes = {
        "instance_id": "InstanceId",
        "email_address_id": "EmailAddressId",
        "alias_email_address_id": "AliasEmailAddressId",
        "email_address": "EmailAddress",
        "alias_email_address": "AliasEmailAddress",
    }
    for prop, attribute in attributes.items():
        assert stack.resolve(getattr(alias, prop)) == {"Fn::GetAtt": [logical, attribute]}
    assert stack.resolve(alias.physical_id) == {"Ref": logical}


def test_removal_policy(built: dict[str, Any]) -> None:
    plain, retained = _resource(built, "plain"), _resource(built, "retained")
    # Delete is CloudFormation's default: the construct leaves both out rather than spell it per alias.
    assert "DeletionPolicy" not in plain and "UpdateReplacePolicy" not in plain
    assert (retained["DeletionPolicy"], retained["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_from_email_addresses_in_two_instances_is_refused() -> None:
    stack = cdk.Stack()
    a = connect.CfnEmailAddress(stack, "A", instance_arn=ARN_HEAD, email_address="a@example.com")
    b = connect.CfnEmailAddress(stack, "B", instance_arn=ARN_HEAD + "x", email_address="b@example.com")
    with pytest.raises(ValueError, match="different instances"):
        EmailAddressAlias.from_email_addresses(stack, "Alias", primary=a, alias=b)


EMAIL_ARN = f"{ARN_HEAD}/email-address/"
INVALID: list[tuple[dict[str, Any], str]] = [
    ({"removal_policy": cdk.RemovalPolicy.SNAPSHOT}, "removal_policy .* is not supported: use DESTROY"),
    ({"instance_id": ""}, "instance_id is empty: set it to a Connect instance ID or instance ARN"),
    ({"email_address_id": " " + SUPPORT}, "email_address_id .* contains whitespace"),
    ({"alias_email_address_id": HELP + "\n"}, "alias_email_address_id .* contains whitespace"),
    ({"instance_id": "i" * 101}, "instance_id is 101 characters, more than 100"),
    ({"email_address_id": "e" * 501}, "email_address_id is 501 characters, more than 500"),
    ({"instance_id": "arn:aws:connect:us-east-1:123:instance/x"}, "instance_id is not an ARN .*'123'"),
    ({"instance_id": f"{EMAIL_ARN}{SUPPORT}"}, "instance_id is an email-address ARN"),
    ({"email_address_id": f"{ARN_HEAD}/email/{SUPPORT}"}, "email_address_id is not an ARN .*comes '/email/"),
    ({"alias_email_address_id": "email-address/22"}, "alias_email_address_id .* contains .*'/'"),
    ({"alias_email_address_id": SUPPORT}, "alias_email_address_id equals email_address_id"),
    ({"alias_email_address_id": f"{EMAIL_ARN}{SUPPORT}"}, "alias_email_address_id equals email_address_id"),
    (
        {"email_address_id": f"{ARN_HEAD.replace(INSTANCE, 'other')}/email-address/{SUPPORT}"},
        "email_address_id is an ARN in instance 'other', but instance_id is",
    ),
    (
        {
            "instance_id": ARN_HEAD,
            "alias_email_address_id": EMAIL_ARN.replace("eu-west-2", "us-east-1") + HELP,
        },
        r"instance_id and alias_email_address_id are ARNs in different regions \(eu-west-2, us-east-1\)",
    ),
    ({"email_address": "support@example.com"}, "email_address_id and email_address are both set"),
    ({"alias_email_address_id": None}, "alias_email_address_id or alias_email_address is required"),
    (
        {"alias_email_address_id": None, "alias_email_address": SUPPORT},
        "alias_email_address .* is not an email address: .* with alias_email_address_id",
    ),
    ({"email_address_id": "support@example.com"}, "email_address_id .* use email_address instead"),
]


@pytest.mark.parametrize(
    ("override", "message"), INVALID, ids=[f"{i}-{m.split(' ')[0]}" for i, (_, m) in enumerate(INVALID)]
)
def test_synth_time_validation_names_argument_problem_and_fix(override: dict[str, Any], message: str) -> None:
    args = {"instance_id": INSTANCE, "email_address_id": SUPPORT, "alias_email_address_id": HELP, **override}
    stack = cdk.Stack(cdk.App(), "S")
    with pytest.raises(ValueError, match=f"^EmailAddressAlias S/Alias: {message}"):
        EmailAddressAlias(stack, "Alias", **args)


def test_an_arn_of_another_account_than_the_stacks_fails_and_another_region_is_allowed() -> None:
    stack = cdk.Stack(cdk.App(), "S", env=cdk.Environment(account="111122223333", region="us-east-1"))
    pair = {"email_address_id": SUPPORT, "alias_email_address_id": HELP}
    EmailAddressAlias(stack, "OtherRegion", instance_id=ARN_HEAD, **pair)  # ARN_HEAD is in eu-west-2
    other = ARN_HEAD.replace("111122223333", "999999999999")
    with pytest.raises(ValueError, match=r"instance_id names account 9{12}, but the stack .*111122223333"):
        EmailAddressAlias(stack, "OtherAccount", instance_id=other, **pair)
    # Without an explicit account the stack's is unknown until deploy, where the function checks it.
    EmailAddressAlias(cdk.Stack(cdk.App(), "T"), "A", instance_id=other, **pair)


def test_tokens_are_not_validated_at_synth() -> None:
    stack = cdk.Stack()
    token = cdk.Fn.import_value("Same")
    EmailAddressAlias(stack, "A", instance_id=token, email_address_id=token, alias_email_address_id=token)
    other = cdk.Fn.import_value("Other")
    EmailAddressAlias(stack, "B", instance_id=other, email_address=other, alias_email_address=other)
    assert len(resources_of(Template.from_stack(stack).to_json(), RESOURCE_TYPE)) == 2


def test_the_token_shortcut_agrees_with_cdk() -> None:
    """Plain strings are told from tokens without asking jsii; the answer must be CDK's own."""
    values: list[object] = [
        SUPPORT, "Token[not-one]", "${Token[", "#{Token[x]}", cdk.Fn.import_value("Instance"),
        f"arn:aws:connect:eu-west-2:111122223333:instance/{cdk.Aws.ACCOUNT_ID}", cdk.Fn.get_att("R", "Arn"),
    ]
    assert [is_token(v) for v in values] == [cdk.Token.is_unresolved(v) for v in values]


CONSTRUCT_MODULES = ("__init__", "_contract", "alias", "asset", "checks", "compliance", "provider", "refs")


def test_the_construct_imports_only_the_contract_of_the_function() -> None:
    """One grammar: the construct reads the function's contract module and nothing else of its code."""
    function_modules = {p.stem for p in (REPO / "lambda").glob("*.py")} - {"contract", "__init__"}
    package = Path(connect_email_alias.__file__).parent
    imported = set()
    for source in (package / f"{name}.py" for name in CONSTRUCT_MODULES):
        for node in ast.walk(ast.parse(source.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or "", *(a.name for a in node.names)]
            assert not function_modules & {n.split(".")[-1] for n in names}, source.name
            imported.update(names)
    assert "connect_email_alias._function" in imported


def test_help_and_dir_list_the_public_api() -> None:
    public = {"EmailAddressAlias", "EmailAddressAliasProvider", "RESOURCE_TYPE", "SERVICE_TIMEOUT"}
    assert public <= set(dir(connect_email_alias))
    assert public <= set(connect_email_alias.__all__)
    assert not {"function_code", "stage_function_code"} & set(connect_email_alias.__all__)
    text = pydoc.render_doc(connect_email_alias, renderer=pydoc.plaintext)
    assert all(name in text for name in public)
    init = pydoc.render_doc(EmailAddressAlias.__init__, renderer=pydoc.plaintext)
    arguments = (
        "instance_id", "email_address_id", "alias_email_address_id", "email_address", "alias_email_address",
        "provider", "removal_policy",
    )
    assert all(f":param {argument}:" in init for argument in arguments)
    assert ":default: ``RemovalPolicy.DESTROY``" in init


@pytest.mark.parametrize(
    "cls", [EmailAddressAlias, connect_email_alias.EmailAddressAliasProvider], ids=lambda c: c.__name__
)
def test_help_opens_with_the_real_signature(cls: Any) -> None:
    """jsii's metaclass hides ``__init__`` behind ``(*args, **kwargs)``; help() shows the arguments first."""
    arguments = list(inspect.signature(cls.__init__).parameters)[1:]
    assert list(inspect.signature(cls).parameters) == arguments
    heading = pydoc.render_doc(cls, renderer=pydoc.plaintext).splitlines()[3].strip(" |")
    assert heading.startswith(f"{cls.__name__}(scope: constructs.Construct, id: str, *, "), heading
    assert "*args" not in heading


@pytest.mark.parametrize(
    "function",
    [
        EmailAddressAlias.__init__,
        EmailAddressAlias.from_email_addresses,
        connect_email_alias.EmailAddressAliasProvider.__init__,
        connect_email_alias.EmailAddressAliasProvider.of,
    ],
    ids=["EmailAddressAlias", "from_email_addresses", "EmailAddressAliasProvider", "of"],
)
def test_every_keyword_argument_is_documented_with_its_default(function: Any) -> None:
    doc = inspect.getdoc(function) or ""
    for name, parameter in inspect.signature(function).parameters.items():
        if parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        assert f":param {name}:" in doc, name
        if parameter.default is not inspect.Parameter.empty:
            section = doc.split(f":param {name}:")[1].split(":param ")[0]
            assert ":default:" in section, name


def test_an_id_in_upper_case_is_accepted_with_a_warning_naming_the_lower_case_form() -> None:
    """Connect issues lower-case IDs; the grammar accepts others (as the function does), cdk synth warns."""
    from aws_cdk.assertions import Annotations, Match

    stack = cdk.Stack(cdk.App(), "Mail")
    upper = "5E6F0000-0000-4000-8000-0000000000AB"
    EmailAddressAlias(
        stack, "Upper", instance_id=upper, email_address_id=SUPPORT, alias_email_address_id=HELP
    )
    arn = f"{ARN_HEAD}/email-address/x"
    EmailAddressAlias(
        stack, "Lower", instance_id=INSTANCE, email_address_id=CARE, alias_email_address_id=arn
    )
    found = Annotations.from_stack(stack).find_warning("*", Match.any_value())
    assert [m.entry.data for m in found] == [
        f"instance_id '{upper}' has upper-case letters; Connect's IDs are lower-case UUIDs, so Connect will "
        f"most likely not find it at deploy time: use '{upper.lower()}'. "
        "[ack: connect-email-alias:upperCaseId]"
    ]
