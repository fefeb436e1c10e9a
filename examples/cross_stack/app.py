#!/usr/bin/env python3
"""The addresses in one stack, the alias between them in another.

    npx cdk synth
    npx cdk deploy --all -c instanceArn=<instance-arn> -c domain=<your Connect email domain>

``ConnectAddresses`` owns the two ``CfnEmailAddress`` resources; ``ConnectAliases`` makes one forward to the
other. Passing the resources across stacks makes CDK export their ARNs from the first stack and import them in
the second, so CloudFormation deploys the addresses first and will not delete them while the alias uses them.
"""

import aws_cdk as cdk
from aws_cdk import aws_connect as connect
from connect_email_alias import EmailAddressAlias

app = cdk.App()
# Placeholders that let `cdk synth` run as is; deploy with your own (-c instanceArn=... -c domain=...).
instance_arn = app.node.try_get_context("instanceArn") or (
    "arn:aws:connect:us-east-1:123456789012:instance/00000000-0000-4000-8000-000000000001"
)
domain = app.node.try_get_context("domain") or "example.com"
env = cdk.Environment(region=cdk.Arn.split(instance_arn, cdk.ArnFormat.SLASH_RESOURCE_NAME).region)

addresses = cdk.Stack(app, "ConnectAddresses", env=env)
billing = connect.CfnEmailAddress(
    addresses, "Billing", instance_arn=instance_arn, email_address=f"billing@{domain}", display_name="Billing"
)
invoices = connect.CfnEmailAddress(
    addresses,
    "Invoices",
    instance_arn=instance_arn,
    email_address=f"invoices@{domain}",
    display_name="Invoices",
)

aliases = cdk.Stack(app, "ConnectAliases", env=env)
alias = EmailAddressAlias.from_email_addresses(
    aliases, "InvoicesForwardsToBilling", primary=billing, alias=invoices
)
cdk.CfnOutput(
    aliases, "Forwarding", value=cdk.Fn.join(" -> ", [alias.alias_email_address, alias.email_address])
)
app.synth()
