#!/usr/bin/env python3
"""The same aliases on a dev and a prod Connect instance, named by their email addresses.

Each instance has its own IDs for support@, help@, ...; the addresses are the same, so one list serves both.
One stack per environment, its instance (and, optionally, its account and region) from the context:

    npx cdk synth                 # the defaults below (the offline emulator's seed instance as dev)
    npx cdk deploy MailDev -c devInstanceId=<dev-instance-id>
    npx cdk deploy MailProd -c prodInstanceId=<prod-instance-id> -c prodAccount=<id> -c prodRegion=<region>

Nothing is looked up at synth time: the function finds each address in its stack's instance at deploy time,
and a missing one fails that deploy naming it.
"""

import aws_cdk as cdk
from connect_email_alias import EmailAddressAlias

#: primary -> the alias that forwards to it, in every environment.
ALIASES = {
    "support@example.com": "help@example.com",
    "orders@example.com": "shop@example.com",
}
#: environment -> its instance when the context names none.
INSTANCES = {
    "dev": "00000000-0000-4000-8000-000000000001",
    "prod": "00000000-0000-4000-8000-000000000002",
}

app = cdk.App()


def context(key: str) -> str | None:
    value = app.node.try_get_context(key)
    return str(value) if value else None


for environment, default_instance in INSTANCES.items():
    stack = cdk.Stack(
        app,
        f"Mail{environment.title()}",
        env=cdk.Environment(account=context(f"{environment}Account"), region=context(f"{environment}Region")),
    )
    instance_id = context(f"{environment}InstanceId") or default_instance
    for primary, alias in ALIASES.items():
        EmailAddressAlias(
            stack,
            primary.split("@")[0].title(),
            instance_id=instance_id,
            email_address=primary,
            alias_email_address=alias,
        )
app.synth()
