"""One grammar: every string is accepted or refused alike by `cdk synth` (the construct) and at deploy time
(the function's `properties.parse_properties`), in every position of the resource's three IDs."""

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
]
#: Fixed companions: the other two positions take these (same instance, distinct addresses).
BASE = {"InstanceId": INSTANCE, "EmailAddressId": SUPPORT, "AliasConfiguration.EmailAddressId": HELP}
ARGUMENTS = {
    "InstanceId": "instance_id",
    "EmailAddressId": "email_address_id",
    "AliasConfiguration.EmailAddressId": "alias_email_address_id",
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
]
CASES = [{position: value} for value in VALUES for position in ARGUMENTS] + COMBINATIONS


def _deploy_accepts(case: dict[str, str]) -> bool:
    values = {**BASE, **case}
    props = {
        "ServiceToken": "arn:aws:lambda:eu-west-2:111122223333:function:f",
        "InstanceId": values["InstanceId"],
        "EmailAddressId": values["EmailAddressId"],
        "AliasConfiguration": {"EmailAddressId": values["AliasConfiguration.EmailAddressId"]},
    }
    try:
        properties.parse_properties(props, "eu-west-2")
    except properties.PropertyError:
        return False
    return True


def _synth_accepts(case: dict[str, str]) -> bool:
    values = {ARGUMENTS[k]: v for k, v in {**BASE, **case}.items()}
    try:
        EmailAddressAlias(cdk.Stack(cdk.App(), "S"), "Alias", **values)
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
