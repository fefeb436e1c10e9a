"""The two contenders as CDK apps: N aliases with this construct, or with `AwsCustomResource`.

Both synthesise in-process (`aws_cdk.App().synth()`), so jsii's start-up is paid once per run.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from typing import Any

INSTANCE = "00000000-0000-4000-8000-000000000001"
_NS = uuid.UUID("6f1d2c4e-0000-4000-8000-00000000be0c")
KINDS = ("construct", "awscr")


def pair_ids(n: int) -> list[tuple[str, str]]:
    """N distinct (primary, alias) email-address IDs, deterministic run to run."""
    return [(str(uuid.uuid5(_NS, f"p{i}")), str(uuid.uuid5(_NS, f"a{i}"))) for i in range(n)]


def _add_construct(stack: Any, pairs: list[tuple[str, str]]) -> None:
    from connect_email_alias import EmailAddressAlias

    for i, (primary, alias) in enumerate(pairs):
        EmailAddressAlias(
            stack, f"Alias{i}", instance_id=INSTANCE, email_address_id=primary, alias_email_address_id=alias
        )


def _add_awscr(stack: Any, pairs: list[tuple[str, str]]) -> None:
    """What a user writes without this library: associate on create, disassociate on delete."""
    from aws_cdk import custom_resources as cr

    for i, (primary, alias) in enumerate(pairs):
        params = {
            "InstanceId": INSTANCE,
            "EmailAddressId": primary,
            "AliasConfiguration": {"EmailAddressId": alias},
        }
        cr.AwsCustomResource(
            stack,
            f"Alias{i}",
            on_create=cr.AwsSdkCall(
                service="Connect",
                action="AssociateEmailAddressAlias",
                parameters=params,
                physical_resource_id=cr.PhysicalResourceId.of(f"{primary}:{alias}"),
            ),
            on_delete=cr.AwsSdkCall(
                service="Connect", action="DisassociateEmailAddressAlias", parameters=params
            ),
            policy=cr.AwsCustomResourcePolicy.from_sdk_calls(
                resources=cr.AwsCustomResourcePolicy.ANY_RESOURCE
            ),
        )


def synth(kind: str, n: int, *, lift_limit: bool = False) -> dict[str, Any]:
    """The synthesised template of a stack holding `n` aliases of `kind`. Raises what CDK raises.

    `lift_limit` sets CDK's `@aws-cdk/core:stackResourceLimit` context to 0 so a stack over 500 resources
    can still be measured (it would not deploy).
    """
    import aws_cdk as cdk

    context = {"@aws-cdk/core:stackResourceLimit": 0} if lift_limit else {}
    with tempfile.TemporaryDirectory(prefix="bench-cdk-") as outdir:
        app = cdk.App(analytics_reporting=False, outdir=outdir, context=context)
        stack = cdk.Stack(app, "Bench", env=cdk.Environment(account="123456789012", region="us-east-1"))
        {"construct": _add_construct, "awscr": _add_awscr}[kind](stack, pair_ids(n))
        template: dict[str, Any] = app.synth().get_stack_by_name("Bench").template
    return template


def size(template: dict[str, Any]) -> int:
    """Bytes of the compact JSON (what counts against CloudFormation's template limits, bar whitespace)."""
    return len(json.dumps(template, separators=(",", ":")).encode())


def resources(template: dict[str, Any]) -> int:
    return len(template.get("Resources", {}))
