"""Resource properties and PhysicalResourceIds: parse, validate, normalise.

Everything CloudFormation hands us is untrusted text. This module turns it into a `Declared` (region,
instance, and each address by ID or by email; a `Pair` once both are IDs) or a `PropertyError` whose message
names the property, the problem and the fix, and never echoes more than a short, sanitised excerpt of the
value. See docs/design.md § Handler.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

import contract
from errors import ReasonError

_ALLOWED_KEYS = (*contract.PROPERTIES, *contract.IGNORED_PROPERTIES)
_ALIAS_KEYS = contract.ALIAS_KEYS
_ALIAS = contract.ALIAS_PROPERTY
excerpt = contract.excerpt


class PropertyError(ReasonError, ValueError):
    """A property is unusable; the message is the actionable reason shown by CloudFormation."""


@dataclass(frozen=True)
class Pair:
    """One alias relationship: `alias_id` forwards to `primary_id` in `instance_id`, called in `region`."""

    region: str
    instance_id: str
    primary_id: str
    alias_id: str


@dataclass(frozen=True)
class Named:
    """One address as the template names it: by ID (an ARN reduced to its ID) or by its email address."""

    id: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Declared:
    """The properties, normalised: where the calls go, the instance, and both addresses as named.

    `arns` are the properties given as ARNs, as (name, parsed): they agree on partition, region and account.
    """

    region: str
    instance_id: str
    primary: Named
    alias: Named
    arns: tuple[tuple[str, contract.IdOrArn], ...] = ()

    @property
    def pair(self) -> Pair | None:
        """The pair when both addresses are named by ID; else they are looked up first (lifecycle.resolve)."""
        if self.primary.id is None or self.alias.id is None:
            return None
        return Pair(self.region, self.instance_id, self.primary.id, self.alias.id)


def parse_properties(props: Any, default_region: str | None) -> Declared:
    """Validate and normalise ResourceProperties; raise `PropertyError` naming what to fix."""
    if not isinstance(props, Mapping):
        raise PropertyError(
            "ResourceProperties must be an object with InstanceId, EmailAddressId and "
            "AliasConfiguration.EmailAddressId; got " + type(props).__name__ + "."
        )
    unknown = sorted(str(k) for k in props if k not in _ALLOWED_KEYS)
    if unknown:
        raise PropertyError(
            f"Unknown property {excerpt(unknown[0])}: remove it or fix its spelling. "
            "Allowed: InstanceId, EmailAddressId or EmailAddress, AliasConfiguration (EmailAddressId or "
            "EmailAddress), ServiceToken, ServiceTimeout."
        )
    instance = _parse(_required(props, contract.INSTANCE_ID), "instance", contract.INSTANCE_ID)
    primary, primary_email = _address(props, contract.EMAIL_ADDRESS_ID, contract.EMAIL_ADDRESS)
    alias_cfg = _required(props, contract.ALIAS_CONFIGURATION)
    if not isinstance(alias_cfg, Mapping):
        raise PropertyError(
            "AliasConfiguration must be an object like {\"EmailAddressId\": \"<alias id or ARN>\"}; "
            f"got {type(alias_cfg).__name__}."
        )
    extra = sorted(str(k) for k in alias_cfg if k not in _ALIAS_KEYS)
    if extra:
        raise PropertyError(
            f"Unknown property AliasConfiguration.{excerpt(extra[0])}: remove it. "
            "AliasConfiguration allows only EmailAddressId or EmailAddress."
        )
    alias_prefix = f"{contract.ALIAS_CONFIGURATION}."
    alias, alias_email = _address(
        alias_cfg, contract.ALIAS_EMAIL_ADDRESS_ID, contract.ALIAS_EMAIL_ADDRESS, alias_prefix
    )
    try:
        contract.check_one_instance(instance, primary, alias)
        contract.check_distinct_emails(primary_email, alias_email)
    except contract.GrammarError as err:
        raise PropertyError(str(err)) from err
    region = _region(instance, primary, alias, default_region)
    names = (contract.INSTANCE_ID, contract.EMAIL_ADDRESS_ID, _ALIAS)
    arns = tuple((n, r) for n, r in zip(names, (instance, primary, alias), strict=True) if r and r.is_arn)
    return Declared(
        region,
        instance.id,
        Named(primary.id if primary else None, primary_email),
        Named(alias.id if alias else None, alias_email),
        arns,
    )


def _address(
    props: Mapping[Any, Any], id_key: str, email_key: str, prefix: str = ""
) -> tuple[contract.IdOrArn | None, str | None]:
    """One address, named by exactly one of `id_key` (an ID or ARN) and `email_key` (its email address)."""
    by_id, by_email = props.get(id_key), props.get(email_key)
    id_name, email_name = prefix + id_key, prefix + email_key
    try:
        contract.check_one_form(by_id, by_email, id_name, email_name)
        if by_email is not None:
            return None, contract.parse_email(by_email, email_name, id_name)
        return contract.parse_id_or_arn(by_id, "email-address", id_name, email_name=email_name), None
    except contract.GrammarError as err:
        raise PropertyError(str(err)) from err


def check_where(
    declared: Declared, own_account: str | None, has_endpoint: Callable[[str | None, str], bool]
) -> None:
    """Where the calls would go, checked before any is made (contract §1): a region with an Amazon Connect
    endpoint (`has_endpoint(partition, region)`, the SDK's data), and ARNs of the function's own account
    (None when it is not known, outside Lambda)."""
    if not declared.arns:
        if not has_endpoint(None, declared.region):
            raise PropertyError(
                f"Region {excerpt(declared.region)} (the function's own, used for plain IDs) has no Amazon "
                "Connect endpoint: name the instance by its ARN, which carries the instance's region."
            )
        return
    name, arn = declared.arns[0]
    if not has_endpoint(arn.partition, declared.region):
        raise PropertyError(
            f"Region {excerpt(declared.region)} (in {name}) has no Amazon Connect endpoint in partition "
            f"{arn.partition}: check the ARN's region for a typo."
        )
    try:
        contract.check_account(name, arn.account, own_account, "this provider function")
    except contract.GrammarError as err:
        raise PropertyError(str(err)) from err


def _required(props: Mapping[Any, Any], key: str, name: str | None = None) -> Any:
    if key not in props or props[key] is None:
        raise PropertyError(f"{name or key} is required: set it (an ID or ARN; see the API reference).")
    return props[key]


def _parse(value: Any, kind: contract.Kind, name: str) -> contract.IdOrArn:
    try:
        return contract.parse_id_or_arn(value, kind, name)
    except contract.GrammarError as err:
        raise PropertyError(str(err)) from err


def _region(
    instance: contract.IdOrArn,
    primary: contract.IdOrArn | None,
    alias: contract.IdOrArn | None,
    default_region: str | None,
) -> str:
    """The region every call goes to: the ARNs' (one, by `check_one_instance`), else the function's own."""
    refs = (r for r in (instance, primary, alias) if r is not None)
    region = next((r.region for r in refs if r.region is not None), default_region)
    if not region or not contract.is_region(region):
        raise PropertyError(
            "No region for the Connect calls: pass an ARN for InstanceId, or set AWS_REGION for the function."
        )
    return region


def mint_physical_id(pair: Pair) -> str:
    """The PhysicalResourceId of a pair: deterministic, parseable back, at most 1 KB.

    Raises `PropertyError` when the IDs are too long to fit (see docs/design.md § Handler).
    """
    parts = (pair.region, pair.instance_id, pair.primary_id, pair.alias_id)
    pid = contract.PHYSICAL_ID_PREFIX + ":".join(quote(p, safe="") for p in parts)
    if len(pid.encode()) > contract.PHYSICAL_ID_MAX_BYTES:
        raise PropertyError(
            f"The IDs are too long to record in a PhysicalResourceId ({len(pid)} > "
            f"{contract.PHYSICAL_ID_MAX_BYTES} bytes): use plain IDs, not ARNs, or shorter IDs."
        )
    return pid


def parse_physical_id(physical_id: Any) -> Pair | None:
    """The pair recorded in a PhysicalResourceId we minted; None for anything we did not mint."""
    if not isinstance(physical_id, str) or not physical_id.startswith(contract.PHYSICAL_ID_PREFIX):
        return None
    if len(physical_id.encode()) > contract.PHYSICAL_ID_MAX_BYTES:
        return None
    fields = physical_id[len(contract.PHYSICAL_ID_PREFIX) :].split(":")
    if len(fields) != 4:
        return None
    region, instance, primary, alias = (unquote(f) for f in fields)
    if not contract.is_region(region) or primary == alias:
        return None
    if not (contract.is_id(instance, "instance") and contract.is_id(primary, "email-address")
            and contract.is_id(alias, "email-address")):
        return None
    pair = Pair(region, instance, primary, alias)
    # Only the canonical spelling is ours: re-minting must give the same text back.
    try:
        return pair if mint_physical_id(pair) == physical_id else None
    except PropertyError:
        return None
