#!/usr/bin/env python3
"""Your app: one stack whose alias makes help@ forward to support@. ``test_app.py`` tests it offline.

    npx cdk synth            # or: python -m pytest (no AWS account, no network)
"""

import aws_cdk as cdk
from connect_email_alias import EmailAddressAlias

# Your instance's IDs; seed.json gives the offline Connect emulator the same instance and addresses.
INSTANCE_ID = "7c2f3a10-5d4e-4b6a-9f8e-0a1b2c3d4e5f"
SUPPORT_ID = "a1000000-0000-4000-8000-000000000001"  # support@mycompany.example, the primary
HELP_ID = "a1000000-0000-4000-8000-000000000002"  # help@mycompany.example, the alias
STACK_NAME = "Mail"


def build(app: cdk.App) -> cdk.Stack:
    """The stack, on any app: the CDK CLI's (below) or a test's."""
    stack = cdk.Stack(app, STACK_NAME)
    EmailAddressAlias(
        stack,
        "HelpForwardsToSupport",
        instance_id=INSTANCE_ID,
        email_address_id=SUPPORT_ID,
        alias_email_address_id=HELP_ID,
    )
    return stack


if __name__ == "__main__":
    app = cdk.App()
    build(app)
    app.synth()
