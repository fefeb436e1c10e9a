"""Resource properties and PhysicalResourceIds: parse, validate, normalise.

Everything CloudFormation hands us is untrusted text. This module turns it into a `Pair` (region, instance,
primary, alias) or a `PropertyError` whose message names the property, the problem and the fix, and never
echoes more than a short, sanitised excerpt of the value. See docs/design.md § Handler.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

# CloudFormation adds these itself; they carry no meaning for the resource.
_IGNORED_KEYS = ("ServiceToken", "ServiceTimeout")
_ALLOWED_KEYS = ("InstanceId", "EmailAddressId", "AliasConfiguration", *_IGNORED_KEYS)
_ALIAS_KEYS = ("EmailAddressId",)

INSTANCE_ID_MAX = 100
ADDRESS_ID_MAX = 500
PHYSICAL_ID_MAX_BYTES = 1024
_ARN_MAX = 700
REASON_MAX = 256

# Prefix of every PhysicalResourceId we mint; anything else (e.g. crhelper's `<stack>_<logical>_XXXXXXXX`
# after a failed Create) is not ours and is never acted on.
PHYSICAL_ID_PREFIX = "connect-email-alias:v1:"

_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}")
_PARTITION = re.compile(r"aws(?:-[a-z]+)*")
_ACCOUNT = re.compile(r"\d{12}")
# IDs: printable ASCII, no whitespace, no `/` (it would change the request path); Connect's IDs are UUIDs.
_ID = re.compile(r"[!-.0-~]+")
_ARN = re.compile(
    r"arn:(?P<partition>[^:]*):connect:(?P<region>[^:]*):(?P<account>[^:]*):"
    r"instance/(?P<instance>[^/]*)(?:/email-address/(?P<address>[^/]*))?"
)


class PropertyError(ValueError):
    """A property is unusable; the message is the actionable reason shown by CloudFormation."""

    def __init__(self, reason: str) -> None:
        super().__init__(clip(reason))
        self.reason = clip(reason)


@dataclass(frozen=True)
class Pair:
    """One alias relationship: `alias_id` forwards to `primary_id` in `instance_id`, called in `region`."""

    region: str
    instance_id: str
    primary_id: str
    alias_id: str


@dataclass(frozen=True)
class _Ref:
    """One parsed value: the plain ID plus what an ARN told us about where it lives."""

    value: str
    partition: str | None = None
    region: str | None = None
    account: str | None = None
    instance: str | None = None


def clip(text: str, limit: int = REASON_MAX) -> str:
    """Cut `text` to `limit` characters (CloudFormation shows at most 256 of a Reason)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def short_id(value: str) -> str:
    """An ID as a reason quotes it: whole when it is a UUID, cut when it would crowd out the advice."""
    return clip(value, 48)


def excerpt(value: Any, limit: int = 40) -> str:
    """A short, printable rendering of an untrusted value for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def parse_properties(props: Any, default_region: str | None) -> Pair:
    """Validate and normalise ResourceProperties into a `Pair`; raise `PropertyError` naming what to fix."""
    if not isinstance(props, Mapping):
        raise PropertyError(
            "ResourceProperties must be an object with InstanceId, EmailAddressId and "
            "AliasConfiguration.EmailAddressId; got " + type(props).__name__ + "."
        )
    unknown = sorted(str(k) for k in props if k not in _ALLOWED_KEYS)
    if unknown:
        raise PropertyError(
            f"Unknown property {excerpt(unknown[0])}: remove it or fix its spelling. "
            "Allowed: InstanceId, EmailAddressId, AliasConfiguration (EmailAddressId), ServiceToken, "
            "ServiceTimeout."
        )
    instance = _parse_instance(_required(props, "InstanceId", "InstanceId"))
    primary = _parse_address(_required(props, "EmailAddressId", "EmailAddressId"), "EmailAddressId")
    alias_cfg = _required(props, "AliasConfiguration", "AliasConfiguration")
    if not isinstance(alias_cfg, Mapping):
        raise PropertyError(
            "AliasConfiguration must be an object like {\"EmailAddressId\": \"<alias id or ARN>\"}; "
            f"got {type(alias_cfg).__name__}."
        )
    extra = sorted(str(k) for k in alias_cfg if k not in _ALIAS_KEYS)
    if extra:
        raise PropertyError(
            f"Unknown property AliasConfiguration.{excerpt(extra[0])}: remove it. "
            "AliasConfiguration allows only EmailAddressId."
        )
    alias_name = "AliasConfiguration.EmailAddressId"
    alias = _parse_address(_required(alias_cfg, "EmailAddressId", alias_name), alias_name)
    region = _common_region(instance, primary, alias, default_region)
    for ref, name in ((primary, "EmailAddressId"), (alias, alias_name)):
        if ref.instance is not None and ref.instance != instance.value:
            raise PropertyError(
                f"{name} is an ARN in instance {excerpt(ref.instance)}, but InstanceId is "
                f"{excerpt(instance.value)}: use an address of the resource's instance."
            )
    if primary.value == alias.value:
        raise PropertyError(
            f"AliasConfiguration.EmailAddressId equals EmailAddressId ({excerpt(primary.value)}): an address "
            "cannot be its own alias; choose a different alias address."
        )
    return Pair(region=region, instance_id=instance.value, primary_id=primary.value, alias_id=alias.value)


def _required(props: Mapping[Any, Any], key: str, name: str) -> Any:
    if key not in props or props[key] is None:
        raise PropertyError(f"{name} is required: set it (an ID or ARN; see the API reference).")
    return props[key]


def _check_text(value: Any, name: str, max_len: int, what: str) -> str:
    if not isinstance(value, str):
        raise PropertyError(f"{name} must be a string ({what}); got {type(value).__name__} {excerpt(value)}.")
    if value == "":
        raise PropertyError(f"{name} is empty: set it to {what}.")
    if value != value.strip():
        raise PropertyError(f"{name} {excerpt(value)} has leading or trailing whitespace: remove it.")
    limit = _ARN_MAX if value.startswith("arn:") else max_len
    if len(value) > limit:
        raise PropertyError(f"{name} is {len(value)} characters, more than {limit}: use {what}.")
    if not _ID.fullmatch(value) and not value.startswith("arn:"):
        raise PropertyError(
            f"{name} {excerpt(value)} contains whitespace, control, non-ASCII characters or '/': use {what}."
        )
    return value


def _parse_instance(value: Any) -> _Ref:
    name, what = "InstanceId", "a Connect instance ID or instance ARN"
    text = _check_text(value, name, INSTANCE_ID_MAX, what)
    if text.startswith("arn:"):
        ref = _parse_arn(text, name, want_address=False)
        return _Ref(ref.instance or "", ref.partition, ref.region, ref.account, None)
    return _Ref(text)


def _parse_address(value: Any, name: str) -> _Ref:
    what = "an email-address ID or email-address ARN"
    text = _check_text(value, name, ADDRESS_ID_MAX, what)
    if text.startswith("arn:"):
        return _parse_arn(text, name, want_address=True)
    return _Ref(text)


def _parse_arn(text: str, name: str, *, want_address: bool) -> _Ref:
    shape = (
        "arn:<partition>:connect:<region>:<account>:instance/<instanceId>"
        + ("/email-address/<emailAddressId>" if want_address else "")
    )
    m = _ARN.fullmatch(text)
    if m is None or (m.group("address") is None) == want_address:
        raise PropertyError(f"{name} {excerpt(text)} is not an ARN of the form {shape}.")
    partition, region, account = m.group("partition"), m.group("region"), m.group("account")
    instance, address = m.group("instance"), m.group("address")
    if not (_PARTITION.fullmatch(partition) and _REGION.fullmatch(region) and _ACCOUNT.fullmatch(account)):
        raise PropertyError(f"{name} {excerpt(text)} has a bad partition, region or account: use {shape}.")
    if not (0 < len(instance) <= INSTANCE_ID_MAX and _ID.fullmatch(instance)):
        raise PropertyError(f"{name} {excerpt(text)} has an invalid instance ID: use {shape}.")
    if address is not None and not (0 < len(address) <= ADDRESS_ID_MAX and _ID.fullmatch(address)):
        raise PropertyError(f"{name} {excerpt(text)} has an invalid email-address ID: use {shape}.")
    return _Ref(address if want_address else instance, partition, region, account, instance)


def _common_region(instance: _Ref, primary: _Ref, alias: _Ref, default_region: str | None) -> str:
    """The region every call goes to: the ARNs' (which must agree), else the function's own."""
    arns = [r for r in (instance, primary, alias) if r.region is not None]
    where = {(r.partition, r.region, r.account) for r in arns}
    if len(where) > 1:
        raise PropertyError(
            "InstanceId, EmailAddressId and AliasConfiguration.EmailAddressId are ARNs in different "
            "partitions, regions or accounts: use ARNs of one instance, or plain IDs."
        )
    region = arns[0].region if arns else default_region
    if not region or not _REGION.fullmatch(region):
        raise PropertyError(
            "No region for the Connect calls: pass an ARN for InstanceId, or set AWS_REGION for the function."
        )
    return region


def mint_physical_id(pair: Pair) -> str:
    """The PhysicalResourceId of a pair: deterministic, parseable back, at most 1 KB.

    Raises `PropertyError` when the IDs are too long to fit (see docs/design.md § Handler).
    """
    parts = (pair.region, pair.instance_id, pair.primary_id, pair.alias_id)
    pid = PHYSICAL_ID_PREFIX + ":".join(quote(p, safe="") for p in parts)
    if len(pid.encode()) > PHYSICAL_ID_MAX_BYTES:
        raise PropertyError(
            f"The IDs are too long to record in a PhysicalResourceId ({len(pid)} > {PHYSICAL_ID_MAX_BYTES} "
            "bytes): use plain IDs, not ARNs, or shorter IDs."
        )
    return pid


def parse_physical_id(physical_id: Any) -> Pair | None:
    """The pair recorded in a PhysicalResourceId we minted; None for anything we did not mint."""
    if not isinstance(physical_id, str) or not physical_id.startswith(PHYSICAL_ID_PREFIX):
        return None
    if len(physical_id.encode()) > PHYSICAL_ID_MAX_BYTES:
        return None
    fields = physical_id[len(PHYSICAL_ID_PREFIX) :].split(":")
    if len(fields) != 4:
        return None
    region, instance, primary, alias = (unquote(f) for f in fields)
    if not _REGION.fullmatch(region) or primary == alias:
        return None
    limits = ((instance, INSTANCE_ID_MAX), (primary, ADDRESS_ID_MAX), (alias, ADDRESS_ID_MAX))
    if not all(0 < len(v) <= n and _ID.fullmatch(v) for v, n in limits):
        return None
    pair = Pair(region, instance, primary, alias)
    # Only the canonical spelling is ours: re-minting must give the same text back.
    try:
        return pair if mint_physical_id(pair) == physical_id else None
    except PropertyError:
        return None
