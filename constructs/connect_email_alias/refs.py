"""Synth-time reading of the IDs and ARNs a user passes to ``EmailAddressAlias``.

A convenience only: the function validates again at deploy time (it must, for raw CloudFormation
users). Tokens are passed through untouched; literals that cannot work fail ``cdk synth`` with a
message that names the argument, the problem and the fix.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from aws_cdk import Token

INSTANCE_ID_MAX = 100
EMAIL_ADDRESS_ID_MAX = 500
# The Connect model sets lengths only; "/" and ":" would be a broken ARN or break the REST path.
_ID = re.compile(r"[^/:\s]+")
_ARN_HEAD = (
    r"arn:(?P<partition>aws[a-z-]*):connect:(?P<region>[a-z0-9-]+):(?P<account>\d{12})"
    r":instance/(?P<instance>[^/\s]+)"
)
_INSTANCE_ARN = re.compile(_ARN_HEAD)
_EMAIL_ARN = re.compile(_ARN_HEAD + r"/email-address/(?P<id>[^/\s]+)")
_INSTANCE_ARN_EXAMPLE = "arn:aws:connect:<region>:<account>:instance/<instance-id>"
_EMAIL_ARN_EXAMPLE = _INSTANCE_ARN_EXAMPLE + "/email-address/<email-address-id>"


@dataclass(frozen=True)
class Ref:
    """One argument as given (``value``) and, for literals, what it names."""

    value: str
    id: str | None = None  # the bare ID; None for a token
    instance: str | None = None  # instance ID named by an ARN
    partition: str | None = None
    region: str | None = None
    account: str | None = None

    @property
    def is_token(self) -> bool:
        return self.id is None

    @property
    def is_arn(self) -> bool:
        return self.region is not None


def _check_literal(argument: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(
            f"{argument} must be a string (an ID, an ARN or a CDK token), got {type(value).__name__}"
        )
    if value == "":
        raise ValueError(f"{argument} is empty: pass the ID or the ARN")
    if value != value.strip() or re.search(r"\s", value):
        raise ValueError(
            f"{argument} {value!r} contains whitespace: pass the ID or ARN without spaces or newlines"
        )
    return value


def _check_id(argument: str, value: str, limit: int, example: str) -> None:
    if len(value) > limit:
        raise ValueError(
            f"{argument} is {len(value)} characters long; an ID has at most {limit}: check the value"
        )
    if not _ID.fullmatch(value):
        raise ValueError(
            f"{argument} {value!r} is neither an ID nor an ARN: pass the bare ID (no '/' or ':') or {example}"
        )


def parse_instance(argument: str, value: str) -> Ref:
    """An instance ID or instance ARN (``instance_id``)."""
    if Token.is_unresolved(value):
        return Ref(value)
    value = _check_literal(argument, value)
    if value.startswith("arn:"):
        match = _INSTANCE_ARN.fullmatch(value)
        if not match:
            raise ValueError(
                f"{argument} {value!r} is not a Connect instance ARN: expected {_INSTANCE_ARN_EXAMPLE}"
            )
        _check_id(argument, match["instance"], INSTANCE_ID_MAX, _INSTANCE_ARN_EXAMPLE)
        return Ref(
            value, match["instance"], match["instance"], match["partition"], match["region"], match["account"]
        )
    _check_id(argument, value, INSTANCE_ID_MAX, _INSTANCE_ARN_EXAMPLE)
    return Ref(value, value)


def parse_email_address(argument: str, value: str) -> Ref:
    """An email-address ID or email-address ARN (``email_address_id``, ``alias_email_address_id``)."""
    if Token.is_unresolved(value):
        return Ref(value)
    value = _check_literal(argument, value)
    if value.startswith("arn:"):
        match = _EMAIL_ARN.fullmatch(value)
        if not match:
            raise ValueError(
                f"{argument} {value!r} is not a Connect email-address ARN: expected {_EMAIL_ARN_EXAMPLE}"
            )
        _check_id(argument, match["id"], EMAIL_ADDRESS_ID_MAX, _EMAIL_ARN_EXAMPLE)
        _check_id(argument, match["instance"], INSTANCE_ID_MAX, _EMAIL_ARN_EXAMPLE)
        return Ref(
            value, match["id"], match["instance"], match["partition"], match["region"], match["account"]
        )
    _check_id(argument, value, EMAIL_ADDRESS_ID_MAX, _EMAIL_ARN_EXAMPLE)
    return Ref(value, value)


def check_same_instance(instance: Ref, *addresses: tuple[str, Ref]) -> None:
    """Every ARN must name the resource's instance (and the same partition, region and account)."""
    named = [("instance_id", instance)] if instance.is_arn else []
    named += [(arg, ref) for arg, ref in addresses if ref.is_arn]
    if instance.id is not None:
        for arg, ref in named:
            if ref.instance != instance.id:
                raise ValueError(
                    f"{arg} {ref.value!r} belongs to instance {ref.instance!r}, not to instance_id"
                    f" {instance.value!r}:"
                    " pass an email address of the same instance (or its bare ID)"
                )
    for (first_arg, first), (arg, ref) in itertools.pairwise(named):
        where = (first.instance, first.partition, first.region, first.account)
        if (ref.instance, ref.partition, ref.region, ref.account) != where:
            raise ValueError(
                f"{arg} {ref.value!r} and {first_arg} {first.value!r} name different instances, regions"
                " or accounts:"
                " all three must refer to the same Connect instance"
            )


def check_distinct(primary: Ref, alias: Ref) -> None:
    """An address cannot forward from itself."""
    if primary.id is not None and primary.id == alias.id:
        raise ValueError(
            f"alias_email_address_id names the same email address as email_address_id ({primary.id!r}):"
            " the alias must be a different address of the instance"
        )
