#!/usr/bin/env python3
"""One provider per account and region, serving hand-written CloudFormation templates.

    npx cdk deploy -c instanceIds=<instance-id>[,<instance-id>...]    # once per account and region
    aws cloudformation deploy --stack-name support-aliases --template-file aliases.yaml

The provider stack exports the function's ARN as ``ConnectEmailAliasServiceToken``; ``aliases.yaml`` (any
number of such templates, by anyone in the account) names it with ``Fn::ImportValue``. The provider cannot
see which instances those templates use, so they are granted here, up front.
"""

import aws_cdk as cdk
from connect_email_alias import EmailAddressAliasProvider

app = cdk.App()
instance_ids = str(app.node.try_get_context("instanceIds") or "00000000-0000-4000-8000-000000000001")

stack = cdk.Stack(app, "ConnectEmailAliasProvider")
EmailAddressAliasProvider(
    stack,
    "Provider",
    export_name="ConnectEmailAliasServiceToken",
    instance_ids=instance_ids.split(","),
)
app.synth()
