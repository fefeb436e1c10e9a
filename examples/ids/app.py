#!/usr/bin/env python3
"""An alias between two email addresses that already exist in Connect, named by their IDs.

    npx cdk synth                 # the IDs below (the offline emulator's seed)
    npx cdk deploy -c instanceId=<instance-id> \
        -c emailAddressId=<primary-id> -c aliasEmailAddressId=<alias-id>

Mail sent to the alias (help@) is delivered to the primary (support@) while the stack holds the resource.
"""

import aws_cdk as cdk
from connect_email_alias import EmailAddressAlias

app = cdk.App()


def context(key: str, default: str) -> str:
    return str(app.node.try_get_context(key) or default)


stack = cdk.Stack(app, "SupportAlias")
alias = EmailAddressAlias(
    stack,
    "HelpForwardsToSupport",
    instance_id=context("instanceId", "00000000-0000-4000-8000-000000000001"),
    email_address_id=context("emailAddressId", "11111111-1111-4111-8111-111111111111"),
    alias_email_address_id=context("aliasEmailAddressId", "22222222-2222-4222-8222-222222222222"),
)
cdk.CfnOutput(stack, "Primary", value=alias.email_address)
cdk.CfnOutput(stack, "Alias", value=alias.alias_email_address)
app.synth()
