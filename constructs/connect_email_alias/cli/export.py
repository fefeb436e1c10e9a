"""Export: the pairs of an instance as a CDK app (python) or a raw template (yaml) that adopts them.

Each pair becomes one ``EmailAddressAlias`` (or ``Custom::ConnectEmailAddressAlias`` served by the shared
provider's exported service token); its first deploy finds the pair in place and adopts it, writing the
owner record (contract §2, Create). By default only the pairs without an owner record are exported (made by
hand or by another tool); ``--all`` exports every pair (a resource that owns one hands it over on deploy).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence

from .._contract import contract
from .inventory import Address

Pair = tuple[Address, Address]  # (primary, alias)
SERVICE_TOKEN_EXPORT = "ConnectEmailAliasServiceToken"


def address_reference(address: Address) -> tuple[str, str]:
    """How an exported resource names an address: its property key and value.

    By its email address (contract §1b), so the exported app reads as people know the pairs and serves
    another instance whose IDs differ; by ID only when Connect reported no address string.
    """
    if address.email:
        return contract.EMAIL_ADDRESS, address.email
    return contract.EMAIL_ADDRESS_ID, address.address_id


def _argument(key: str, *, alias: bool) -> str:
    """The construct's keyword for a property key: ``EmailAddressId`` -> ``email_address_id``."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
    return f"alias_{snake}" if alias else snake


def logical_ids(pairs: Sequence[Pair]) -> list[str]:
    """A readable, unique logical ID per pair, from the alias's address (``help@example.com`` ->
    ``HelpExampleCom``)."""
    taken: set[str] = set()
    found = []
    for _, alias in pairs:
        words = re.findall(r"[A-Za-z0-9]+", alias.email or alias.address_id)
        base = "".join(w[:1].upper() + w[1:] for w in words)[:200] or "Alias"
        base = base if base[0].isalpha() else f"Alias{base}"
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}{n}"
        taken.add(name)
        found.append(name)
    return found


def _text(value: str) -> str:
    """A double-quoted literal, valid in both Python and YAML."""
    return json.dumps(value)


def _declared(
    pairs: Sequence[Pair],
) -> Iterator[tuple[str, Address, Address, tuple[str, str], tuple[str, str]]]:
    """Each pair as both formats declare it: logical ID, the two addresses and how each is referenced."""
    for logical_id, (primary, alias) in zip(logical_ids(pairs), pairs, strict=True):
        yield logical_id, primary, alias, address_reference(primary), address_reference(alias)


def python_app(instance_id: str, region: str, pairs: Sequence[Pair], stack_name: str) -> str:
    lines = [
        "#!/usr/bin/env python3",
        f'"""The alias pairs of Connect instance {instance_id} ({region}), by `connect-email-alias export`.',
        "",
        "Deploying this app adopts them: each resource owns its pair from then on.",
        '"""',
        "",
        "import aws_cdk as cdk",
        "from connect_email_alias import EmailAddressAlias",
        "",
        f"INSTANCE_ID = {_text(instance_id)}",
        "",
        "app = cdk.App()",
        f"stack = cdk.Stack(app, {_text(stack_name)}, env=cdk.Environment(region={_text(region)}))",
    ]
    for logical_id, primary, alias, (primary_key, primary_value), (alias_key, alias_value) in _declared(
        pairs
    ):
        lines += [
            f"EmailAddressAlias(  # {alias.name} forwards to {primary.name}",
            f"    stack, {_text(logical_id)},",
            "    instance_id=INSTANCE_ID,",
            f"    {_argument(primary_key, alias=False)}={_text(primary_value)},",
            f"    {_argument(alias_key, alias=True)}={_text(alias_value)},",
            ")",
        ]
    lines.append("app.synth()")
    return "\n".join(lines) + "\n"


def yaml_template(instance_id: str, region: str, pairs: Sequence[Pair], service_token_export: str) -> str:
    description = (
        f"The alias pairs of Connect instance {instance_id} ({region}), written by connect-email-alias "
        f"export: deploying this template adopts them. Served by the provider that exports "
        f"{service_token_export}."
    )
    lines = [
        'AWSTemplateFormatVersion: "2010-09-09"',
        f"Description: {_text(description)}",
        "Resources:",
    ]
    for logical_id, primary, alias, (primary_key, primary_value), (alias_key, alias_value) in _declared(
        pairs
    ):
        lines += [
            f"  {logical_id}:  # {alias.name} forwards to {primary.name}",
            f"    Type: {contract.RESOURCE_TYPE}",
            "    DeletionPolicy: Delete",
            "    UpdateReplacePolicy: Delete",
            "    Properties:",
            f"      ServiceToken: !ImportValue {service_token_export}",
            f"      ServiceTimeout: {contract.SERVICE_TIMEOUT_S}",
            f"      {contract.INSTANCE_ID}: {_text(instance_id)}",
            f"      {primary_key}: {_text(primary_value)}",
            f"      {contract.ALIAS_CONFIGURATION}:",
            f"        {alias_key}: {_text(alias_value)}",
        ]
    return "\n".join(lines) + "\n"
