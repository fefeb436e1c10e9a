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
    def id(self) -> str | None:
        """The bare ID (an ARN reduced to its last ID); None for a token."""
        return None if self.parsed is None else self.parsed.id

    @property
    def is_arn(self) -> bool:
        return self.parsed is not None and self.parsed.is_arn


#: CDK's own first test of a string token (a string without it is never one): checking it here saves a
#: round trip to jsii's node process per value, several per alias.
_TOKEN_MARKER = "Token["


def is_token(value: object) -> bool:
    """``Token.is_unresolved``, asking jsii only about a value that could be a token."""
    if isinstance(value, str) and _TOKEN_MARKER not in value:
        return False
    return bool(Token.is_unresolved(value))


def parse(argument: str, value: str, kind: contract.Kind) -> Ref:
    """``value`` as an instance or email-address ID or ARN (a token passes); ``ValueError`` otherwise."""
    if isinstance(value, str) and is_token(value):
        return Ref(value)
    try:
        return Ref(value, contract.parse_id_or_arn(value, kind, argument))
    except contract.GrammarError as error:
        raise ValueError(str(error)) from None


def check_one_instance(instance: Ref, primary: Ref, alias: Ref) -> None:
    """The function's rules across the three arguments, under the construct's argument names."""
    try:
        contract.check_one_instance(
            instance.parsed, primary.parsed, alias.parsed,
            ("instance_id", "email_address_id", "alias_email_address_id"),
        )
    except contract.GrammarError as error:
        raise ValueError(str(error)) from None
