#!/usr/bin/env python3
"""Addresses created in this stack (``CfnEmailAddress``) and addresses that exist already (by ARN).

    npx cdk synth
    npx cdk deploy -c instanceArn=<instance-arn> -c domain=<your Connect email domain> \
        -c emailAddressArn=<primary-arn> -c aliasEmailAddressArn=<alias-arn>

Two aliases:
- ``orders@`` forwards to ``sales@``, both created here: ``from_email_addresses`` takes the two resources and
  waits for them (CloudFormation creates the addresses first, and deletes the alias first).
- an existing alias address forwards to an existing primary, both named by ARN; the instance ARN must be the
  one in their ARNs (checked at synth).
"""

import aws_cdk as cdk
from aws_cdk import aws_connect as connect
from connect_email_alias import EmailAddressAlias

app = cdk.App()


def context(key: str, default: str) -> str:
    return str(app.node.try_get_context(key) or default)


instance_arn = context(
    "instanceArn", "arn:aws:connect:us-east-1:123456789012:instance/00000000-0000-4000-8000-000000000001"
)
domain = context("domain", "example.com")
stack = cdk.Stack(app, "SalesMail")

sales = connect.CfnEmailAddress(
    stack, "Sales", instance_arn=instance_arn, email_address=f"sales-team@{domain}", display_name="Sales"
)
orders = connect.CfnEmailAddress(
    stack, "Orders", instance_arn=instance_arn, email_address=f"orders@{domain}", display_name="Orders"
)
EmailAddressAlias.from_email_addresses(stack, "OrdersForwardsToSales", primary=sales, alias=orders)

EmailAddressAlias(
    stack,
    "HelpForwardsToSupport",
    instance_id=instance_arn,
    email_address_id=context(
        "emailAddressArn", f"{instance_arn}/email-address/11111111-1111-4111-8111-111111111111"
    ),
    alias_email_address_id=context(
        "aliasEmailAddressArn", f"{instance_arn}/email-address/22222222-2222-4222-8222-222222222222"
    ),
)
app.synth()
