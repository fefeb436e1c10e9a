#!/usr/bin/env python3
"""Example app: a provider stack for raw CloudFormation users and a stack that uses the construct.

``cdk synth`` works on the default context (the offline demo's seed IDs, see docs/design.md);
``cdk deploy -c instanceId=... -c emailAddressId=... -c aliasEmailAddressId=...`` targets a real instance.
``-c emailAddress=support@example.com`` (or ``-c aliasEmailAddress=...``) names that address by its email
address instead of its ID: it takes the place of the ID from cdk.json.
"""

from __future__ import annotations

import os

import aws_cdk as cdk
from connect_email_alias import EmailAddressAlias, EmailAddressAliasProvider

SERVICE_TOKEN_EXPORT = "ConnectEmailAliasServiceToken"


def _context(app: cdk.App, key: str) -> str:
    value = app.node.try_get_context(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"context {key!r} is missing: pass -c {key}=... or set it in cdk.json")
    return value


def _by_email(app: cdk.App, email_key: str, id_key: str) -> tuple[str | None, str | None]:
    """One address as (email, ID): by email when the context names one, else by ID."""
    email = app.node.try_get_context(email_key)
    if isinstance(email, str) and email:
        return email, None
    return None, _context(app, id_key)


def build(app: cdk.App) -> tuple[cdk.Stack, cdk.Stack]:
    """Both stacks of the example, on ``app``'s context."""
    env = cdk.Environment(
        account=app.node.try_get_context("account") or os.environ.get("CDK_DEFAULT_ACCOUNT"),
        region=app.node.try_get_context("region") or os.environ.get("CDK_DEFAULT_REGION") or "us-east-1",
    )
    instance_id = _context(app, "instanceId")

    provider_stack = cdk.Stack(
        app,
        "ConnectEmailAliasProvider",
        env=env,
        description="Service token for Custom::ConnectEmailAddressAlias in hand-written templates",
    )
    EmailAddressAliasProvider(
        provider_stack, "Provider", export_name=SERVICE_TOKEN_EXPORT, instance_ids=[instance_id]
    )

    demo = cdk.Stack(
        app, "ConnectEmailAliasDemo", env=env, description="An Amazon Connect email-address alias"
    )
    primary_email, primary_id = _by_email(app, "emailAddress", "emailAddressId")
    alias_email, alias_id = _by_email(app, "aliasEmailAddress", "aliasEmailAddressId")
    alias = EmailAddressAlias(
        demo,
        "Alias",
        instance_id=instance_id,
        email_address_id=primary_id,
        email_address=primary_email,
        alias_email_address_id=alias_id,
        alias_email_address=alias_email,
    )
    cdk.CfnOutput(demo, "PhysicalId", value=alias.physical_id)
    cdk.CfnOutput(demo, "EmailAddress", value=alias.email_address)
    cdk.CfnOutput(demo, "AliasEmailAddress", value=alias.alias_email_address)
    return provider_stack, demo


if __name__ == "__main__":
    app = cdk.App()
    build(app)
    app.synth()
