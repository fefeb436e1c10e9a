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


def parse(argument: str, value: str, kind: contract.Kind) -> Ref:
    """``value`` as an instance or email-address ID or ARN (a token passes); ``ValueError`` otherwise."""
    if isinstance(value, str) and Token.is_unresolved(value):
        return Ref(value)
    try:
        return Ref(value, contract.parse_id_or_arn(value, kind, argument))
    except contract.GrammarError as error:
        raise ValueError(str(error)) from None


#: The ID of the synth-time warning for an ID in upper case (``cdk synth`` prints it; acknowledge it by this).
UPPER_CASE_WARNING = "connect-email-alias:upperCaseId"


def upper_case_warnings(instance: Ref, primary: Ref, alias: Ref) -> list[str]:
    """A warning per literal ID with upper-case letters: accepted (as the function accepts it), but Connect
    issues lower-case IDs, so it would most likely fail at deploy as "not found"."""
    named = (("instance_id", instance), ("email_address_id", primary), ("alias_email_address_id", alias))
    return [
        f"{argument} {ref.id!r} has upper-case letters; {contract.LOWER_CASE_HINT}, so Connect will most "
        f"likely not find it at deploy time: use {ref.id.lower()!r}."
        for argument, ref in named
        if ref.id is not None and contract.has_upper_case(ref.id)
    ]


def check_one_instance(instance: Ref, primary: Ref, alias: Ref) -> None:
    """The function's rules across the three arguments, under the construct's argument names."""
    try:
        contract.check_one_instance(
            instance.parsed, primary.parsed, alias.parsed,
            ("instance_id", "email_address_id", "alias_email_address_id"),
        )
    except contract.GrammarError as error:
        raise ValueError(str(error)) from None
