"""Shared helpers for the construct tests: apps built once per module."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_connect as connect
from connect_email_alias import EmailAddressAlias

REPO = Path(__file__).resolve().parents[2]

from tests.support.seed import INSTANCE  # noqa: E402

ARN_HEAD = f"arn:aws:connect:eu-west-2:111122223333:instance/{INSTANCE}"


def add_aliases(stack: cdk.Stack, count: int, instance: str = INSTANCE, prefix: str = "A") -> None:
    """``count`` aliases ``<prefix><n>``, each on its own primary (Connect allows one alias per primary), with
    UUID-shaped IDs as Connect's are (the template's size is measured)."""
    for n in range(count):
        primary, alias = (str(uuid.uuid5(uuid.NAMESPACE_URL, f"{prefix}{n}/{role}")) for role in "pa")
        EmailAddressAlias(
            stack,
            f"{prefix}{n}",
            instance_id=instance,
            email_address_id=primary,
            alias_email_address_id=alias,
        )


def alias_on_new_instance(stack: cdk.Stack, id: str) -> None:
    """An alias between two ``CfnEmailAddress`` of a new ``CfnInstance`` (logical ID ``Instance``)."""
    instance = connect.CfnInstance(
        stack,
        "Instance",
        identity_management_type="CONNECT_MANAGED",
        instance_alias=id.lower(),
        attributes=connect.CfnInstance.AttributesProperty(inbound_calls=True, outbound_calls=False),
    )
    arn = instance.attr_arn
    primary = connect.CfnEmailAddress(stack, f"{id}Primary", instance_arn=arn, email_address="p@example.com")
    alias = connect.CfnEmailAddress(stack, f"{id}Alias", instance_arn=arn, email_address="a@example.com")
    EmailAddressAlias.from_email_addresses(stack, id, primary=primary, alias=alias)


def synth_templates(app: cdk.App) -> dict[str, dict[str, Any]]:
    """Every stack's template of ``app``, by stack name."""
    assembly = app.synth()
    return {stack.stack_name: dict(stack.template) for stack in assembly.stacks}


def resources_of(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


@pytest.fixture
def new_app(tmp_path: Path) -> Callable[[], cdk.App]:
    """Apps that synthesise into this test's own directory (safe under pytest -n)."""
    count = iter(range(1000))

    def make() -> cdk.App:
        return cdk.App(outdir=str(tmp_path / f"cdk.out.{next(count)}"))

    return make
