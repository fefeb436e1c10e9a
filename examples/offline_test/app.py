#!/usr/bin/env python3
"""Your app: one stack whose alias makes help@ forward to support@. ``test_app.py`` tests it offline.

npx cdk synth            # or: python -m pytest (no AWS account, no network)
"""

import aws_cdk as cdk
from connect_email_alias import EmailAddressAlias

# The Connect emulator's seed (connect_email_alias.local.DEFAULT_SEED); use your own IDs for a real instance.
INSTANCE_ID = "00000000-0000-4000-8000-000000000001"
SUPPORT_ID = "11111111-1111-4111-8111-111111111111"  # support@example.com, the primary
HELP_ID = "22222222-2222-4222-8222-222222222222"  # help@example.com, the alias
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
