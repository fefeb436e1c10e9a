"""One grammar: every string is accepted or refused alike by `cdk synth` (the construct) and at deploy time
(the function's `properties.parse_properties` and its account check), in every position: the three IDs and
the two addresses named by email. The one documented difference is not part of the table: a region without
an Amazon Connect endpoint is refused at deploy only (the SDK's endpoint data lives in the function's
runtime; synth allows any region)."""

from __future__ import annotations

import sys
from typing import Any

import aws_cdk as cdk
import pytest
from connect_email_alias import EmailAddressAlias

from tests.support.seed import HELP, INSTANCE, SUPPORT

from .conftest import ARN_HEAD, REPO

sys.path.insert(0, str(REPO / "lambda"))  # the function's modules, flat, as the Lambda runtime imports them
import properties

ACCOUNT = "111122223333"  # the stack's env account at synth, the function's own at deploy
OTHER = "99999999-0000-4000-8000-000000000009"
HEAD = "arn:aws:connect:eu-west-2:111122223333:instance"
EMAIL = f"{ARN_HEAD}/email-address/"

#: Values for any of the three positions: IDs, ARNs, and what neither accepts.
VALUES = [
    # plain IDs at and over the limits, and the characters around the grammar's edges
    SUPPORT,
    "a",
    "x" * 100,
    "x" * 101,
    "e" * 500,
    "e" * 501,
    "!#$%&'()*+,-.;<=>?[]^_`{|}~",
    "",
    " ",
    f" {SUPPORT}",
    f"{SUPPORT} ",
    "in side",
    f"{SUPPORT}\n",
    "tab\tbed",
    "nul\x00l",
    "ïd",
    "\u00a0nbsp",
    "日本",
    "a/b",
    "a:b",
    "/",
    ":",
    "support@example.com",
    "@",
    # instance ARNs
    ARN_HEAD,
    f"{HEAD}/{'i' * 100}",
    f"{HEAD}/{'i' * 101}",
    f"{HEAD}/",
    f"{ARN_HEAD}/",
    f"arn:aws-cn:connect:cn-north-1:111122223333:instance/{INSTANCE}",
    f"arn:aws-us-gov:connect:us-gov-west-1:111122223333:instance/{INSTANCE}",
    f"arn:AWS:connect:eu-west-2:111122223333:instance/{INSTANCE}",
    f"arn:awz:connect:eu-west-2:111122223333:instance/{INSTANCE}",
    f"arn:aws:connect:eu-west:111122223333:instance/{INSTANCE}",
    f"arn:aws:connect:EU-WEST-2:111122223333:instance/{INSTANCE}",
    f"arn:aws:connect:*:111122223333:instance/{INSTANCE}",
    f"arn:aws:connect::111122223333:instance/{INSTANCE}",
    f"arn:aws:connect:eu-west-2:11112222333:instance/{INSTANCE}",
    f"arn:aws:connect:eu-west-2:1111222233334:instance/{INSTANCE}",
    f"arn:aws:connect:eu-west-2:abc:instance/{INSTANCE}",
    f"arn:aws:s3:eu-west-2:111122223333:instance/{INSTANCE}",
    f"ARN:aws:connect:eu-west-2:111122223333:instance/{INSTANCE}",
    f"{HEAD}/{INSTANCE}:x",
    f"{HEAD}/in side",
    f"{HEAD}/ïd",
    f"{HEAD}/a@b",
    "arn:",
    # email-address ARNs
    f"{EMAIL}{SUPPORT}",
    f"{EMAIL}{HELP}",
    f"{EMAIL}{'e' * 500}",
    f"{EMAIL}{'e' * 501}",
    f"{EMAIL}",
    f"{EMAIL}a/b",
    f"{EMAIL}a:b",
    f"{EMAIL}a b",
    f"{EMAIL}ïd",
    f"{EMAIL}support@example.com",
    f"{HEAD}/{OTHER}/email-address/{SUPPORT}",
    f"arn:aws:connect:us-east-1:111122223333:instance/{INSTANCE}/email-address/{HELP}",
    f"arn:aws:connect:eu-west-2:999999999999:instance/{INSTANCE}/email-address/{HELP}",
    f"arn:aws-cn:connect:eu-west-2:111122223333:instance/{INSTANCE}/email-address/{HELP}",
    f"{ARN_HEAD}/queue/{SUPPORT}",
    f"{ARN_HEAD}/email-address/{SUPPORT}/x",
    f"{HEAD}/{'i' * 100}/email-address/{'e' * 500}",
    "arn:" + "a" * 800,
    # email addresses: refused in an ID's position (pointing at the address's), accepted in its own
    "support@example.com",
    "Support@Example.COM",
    "a.b+c@mail.example.co.uk",
    "é@exämple.com",
    "a" * 243 + "@example.com",
    "a" * 244 + "@example.com",
    "support@example",
    "support",
    "support@@example.com",
    "sup port@example.com",
    "support@example.com ",
    "sup\x00port@example.com",
    "sup\tport@example.com",
]
#: Fixed companions: the other positions take these (same instance, distinct addresses).
BASE = {"InstanceId": INSTANCE, "EmailAddressId": SUPPORT, "AliasConfiguration.EmailAddressId": HELP}
ARGUMENTS = {
    "InstanceId": "instance_id",
    "EmailAddressId": "email_address_id",
    "AliasConfiguration.EmailAddressId": "alias_email_address_id",
    "EmailAddress": "email_address",
    "AliasConfiguration.EmailAddress": "alias_email_address",
}
#: An address named by email replaces its ID companion, unless the case gives both (refused at both ends).
INSTEAD = {
    "EmailAddress": "EmailAddressId",
    "AliasConfiguration.EmailAddress": "AliasConfiguration.EmailAddressId",
}
#: Combinations that only the cross-field rules decide.
COMBINATIONS = [
    {"InstanceId": ARN_HEAD, "EmailAddressId": f"{EMAIL}{SUPPORT}"},
    {"InstanceId": f"{HEAD}/{OTHER}", "EmailAddressId": f"{EMAIL}{SUPPORT}"},
    {"InstanceId": OTHER, "AliasConfiguration.EmailAddressId": f"{EMAIL}{HELP}"},
    {"EmailAddressId": f"{EMAIL}{SUPPORT}", "AliasConfiguration.EmailAddressId": f"{EMAIL}{SUPPORT}"},
    {"EmailAddressId": f"{EMAIL}{HELP}"},
    {"AliasConfiguration.EmailAddressId": SUPPORT},
    {"InstanceId": ARN_HEAD.replace("eu-west-2", "us-east-1"), "EmailAddressId": f"{EMAIL}{SUPPORT}"},
    {
        "InstanceId": ARN_HEAD.replace("111122223333", "999999999999"),
        "AliasConfiguration.EmailAddressId": f"{EMAIL}{HELP}",
    },
    {"EmailAddressId": f"{EMAIL}{SUPPORT}", "AliasConfiguration.EmailAddressId": f"{EMAIL}{HELP}"},
    {"EmailAddress": "support@example.com", "EmailAddressId": SUPPORT},
    {"AliasConfiguration.EmailAddress": "help@example.com", "AliasConfiguration.EmailAddressId": HELP},
    {"EmailAddress": "support@example.com", "AliasConfiguration.EmailAddress": "help@example.com"},
    {"EmailAddress": "support@example.com", "AliasConfiguration.EmailAddress": "SUPPORT@example.com"},
    {"EmailAddress": "support@example.com", "AliasConfiguration.EmailAddressId": f"{EMAIL}{HELP}"},
    {"InstanceId": ARN_HEAD, "AliasConfiguration.EmailAddress": "help@example.com"},
    {"InstanceId": ARN_HEAD.replace(ACCOUNT, "999999999999"), "EmailAddress": "support@example.com"},
    {"InstanceId": f"{HEAD}/{INSTANCE}".replace("eu-west-2", "us-east-1"), "EmailAddress": "a@example.com"},
]
CASES = [{position: value} for value in VALUES for position in ARGUMENTS] + COMBINATIONS


def _values(case: dict[str, str]) -> dict[str, str]:
    """BASE with `case` laid over it; an address the case names by email loses its ID companion."""
    base = {k: v for k, v in BASE.items() if k not in {INSTEAD[e] for e in case if e in INSTEAD} - set(case)}
    return {**base, **case}


def _deploy_accepts(case: dict[str, str]) -> bool:
    props: dict[str, Any] = {"ServiceToken": f"arn:aws:lambda:eu-west-2:{ACCOUNT}:function:f"}
    for position, value in _values(case).items():
        outer, _, inner = position.partition(".")
        if inner:
            props.setdefault(outer, {})[inner] = value
        else:
            props[outer] = value
    try:
        declared = properties.parse_properties(props, "eu-west-2")
        properties.check_where(declared, ACCOUNT, lambda partition, region: True)  # endpoints: deploy only
    except properties.PropertyError:
        return False
    return True


def _synth_accepts(case: dict[str, str]) -> bool:
    values = {ARGUMENTS[k]: v for k, v in _values(case).items()}
    stack = cdk.Stack(cdk.App(), "S", env=cdk.Environment(account=ACCOUNT, region="eu-west-2"))
    try:
        EmailAddressAlias(stack, "Alias", **values)
    except ValueError:
        return False
    return True


def _id(case: dict[str, Any]) -> str:
    return ";".join(f"{k.split('.')[0][:5]}={v[:40]!r}" for k, v in case.items())


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_synth_and_deploy_accept_the_same_strings(case: dict[str, str]) -> None:
    assert _synth_accepts(case) == _deploy_accepts(case)


def test_the_table_has_both_outcomes_in_every_position() -> None:
    """The table is not vacuous: each position sees values accepted and values refused."""
    for position in ARGUMENTS:
        outcomes = {_deploy_accepts({position: value}) for value in VALUES}
        assert outcomes == {True, False}, position


def test_a_string_refused_as_an_id_is_refused_for_the_same_reason_at_both_ends() -> None:
    """An email address given as an ID points at the address's argument, at synth and at deploy alike."""
    with pytest.raises(properties.PropertyError, match="use EmailAddress instead to name the address"):
        properties.parse_properties({**_props_of(BASE), "EmailAddressId": "support@example.com"}, "eu-west-2")
    with pytest.raises(ValueError, match="use email_address instead to name the address"):
        EmailAddressAlias(
            cdk.Stack(cdk.App(), "S"), "A", instance_id=INSTANCE, email_address_id="support@example.com",
            alias_email_address_id=HELP,
        )


def _props_of(values: dict[str, str]) -> dict[str, Any]:
    return {
        "InstanceId": values["InstanceId"],
        "EmailAddressId": values["EmailAddressId"],
        "AliasConfiguration": {"EmailAddressId": values["AliasConfiguration.EmailAddressId"]},
    }
