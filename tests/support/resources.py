"""The custom resource as CloudFormation sees it: its properties, PhysicalResourceIds and ARNs."""

from __future__ import annotations

from typing import Any

from tests.support.seed import ACCOUNT, INSTANCE, REGION

ATTRIBUTES = ("InstanceId", "EmailAddressId", "AliasEmailAddressId", "EmailAddress", "AliasEmailAddress")


def properties(primary: str, alias: str, instance: str = INSTANCE) -> dict[str, Any]:
    """ResourceProperties as the construct writes them (CloudFormation adds the ServiceToken)."""
    return {
        "ServiceTimeout": "300",
        "InstanceId": instance,
        "EmailAddressId": primary,
        "AliasConfiguration": {"EmailAddressId": alias},
    }


def named(primary: str, alias: str, instance: str = INSTANCE) -> dict[str, Any]:
    """ResourceProperties naming each address by its email address when it holds an '@', else by its ID."""
    props = properties(primary, alias, instance)
    if "@" in primary:
        del props["EmailAddressId"]
        props["EmailAddress"] = primary
    if "@" in alias:
        props["AliasConfiguration"] = {"EmailAddress": alias}
    return props


def pair_id(primary: str, alias: str, instance: str = INSTANCE) -> str:
    """The PhysicalResourceId docs/design.md promises for a pair of UUIDs (no character needs quoting)."""
    return f"connect-email-alias:v1:{REGION}:{instance}:{primary}:{alias}"


def address_arn(address: str, instance: str = INSTANCE) -> str:
    return f"arn:aws:connect:{REGION}:{ACCOUNT}:instance/{instance}/email-address/{address}"
