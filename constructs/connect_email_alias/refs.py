"""Synth-time reading of the IDs and ARNs a user passes to ``EmailAddressAlias``: tokens and messages.

The grammar is the function's own (the contract module), so a literal fails ``cdk synth`` exactly when
the function would refuse it at deploy time, with the same message under the construct's argument
name. Tokens are unknown until deploy and pass through untouched. See docs/design.md § Construct.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Token

from ._contract import contract


@dataclass(frozen=True)
class Ref:
    """One argument as given (``value``) and, for a literal, what the contract read in it."""

    value: str
    parsed: contract.IdOrArn | None = None  # None for a token

    @property
    def is_token(self) -> bool:
        return self.parsed is None

    @property
    def id(self) -> str | None:
        """The bare ID (an ARN reduced to its last ID); None for a token."""
        return None if self.parsed is None else self.parsed.id

    @property
    def is_arn(self) -> bool:
        return self.parsed is not None and self.parsed.is_arn


def parse(argument: str, value: str, kind: contract.Kind) -> Ref:
    """``value`` as an instance or email-address ID or ARN (a token passes); ``ValueError`` otherwise."""
    if isinstance(value, str) and Token.is_unresolved(value):
        return Ref(value)
    try:
        return Ref(value, contract.parse_id_or_arn(value, kind, argument))
    except contract.GrammarError as error:
        raise ValueError(str(error)) from None


def check_same_instance(instance: Ref, *addresses: tuple[str, Ref]) -> None:
    """Every ARN must name the resource's instance, in one partition, region and account."""
    named = [("instance_id", instance.parsed)] if instance.is_arn else []
    named += [(arg, ref.parsed) for arg, ref in addresses if ref.is_arn]
    for arg, parsed in named:
        assert parsed is not None
        if instance.id is not None and parsed.instance != instance.id:
            raise ValueError(
                f"{arg} is an ARN in instance {contract.excerpt(parsed.instance)}, but instance_id is"
                f" {contract.excerpt(instance.id)}: use an address of the resource's instance."
            )
    places = {(p.partition, p.region, p.account) for _, p in named if p is not None}
    if len(places) > 1:
        args = " and ".join(arg for arg, _ in named)
        raise ValueError(
            f"{args} are ARNs in different partitions, regions or accounts: use ARNs of one instance,"
            " or plain IDs."
        )


def check_distinct(primary: Ref, alias: Ref) -> None:
    """An address cannot forward from itself."""
    if primary.id is not None and primary.id == alias.id:
        raise ValueError(
            f"alias_email_address_id equals email_address_id ({contract.excerpt(primary.id)}): an address"
            " cannot be its own alias; choose a different alias address."
        )

