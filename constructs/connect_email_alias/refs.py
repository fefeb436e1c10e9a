"""Synth-time reading of the IDs, ARNs and email addresses a user passes to ``EmailAddressAlias``.

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
    parsed: contract.IdOrArn | None = None  # None for a token or an email address
    by_email: bool = False  # the address is named by its email address (a literal or a token)
    email: str | None = None  # that address, when a literal

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


def parse(argument: str, value: str, kind: contract.Kind, email_argument: str | None = None) -> Ref:
    """``value`` as an instance or email-address ID or ARN (a token passes); ``ValueError`` otherwise.
    `email_argument` is where an email address given here belongs, which the message points at."""
    if isinstance(value, str) and is_token(value):
        return Ref(value)
    try:
        return Ref(value, contract.parse_id_or_arn(value, kind, argument, email_name=email_argument))
    except contract.GrammarError as error:
        raise ValueError(str(error)) from None


def parse_email(argument: str, value: str, id_argument: str) -> Ref:
    """``value`` as an email address naming an address (a token passes); ``ValueError`` otherwise."""
    if isinstance(value, str) and is_token(value):
        return Ref(value, by_email=True)
    try:
        return Ref(value, by_email=True, email=contract.parse_email(value, argument, id_argument))
    except contract.GrammarError as error:
        raise ValueError(str(error)) from None


def parse_address(argument: str, by_id: str | None, email_argument: str, by_email: str | None) -> Ref:
    """One address, given by exactly one of its ID/ARN (``argument``) and its email (``email_argument``)."""
    try:
        contract.check_one_form(by_id, by_email, argument, email_argument)
    except contract.GrammarError as error:
        raise ValueError(str(error)) from None
    if by_email is not None:
        return parse_email(email_argument, by_email, argument)
    assert by_id is not None
    return parse(argument, by_id, "email-address", email_argument)


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
        contract.check_distinct_emails(primary.email, alias.email, ("email_address", "alias_email_address"))
    except contract.GrammarError as error:
        raise ValueError(str(error)) from None


def check_account(account: str, **arguments: Ref) -> None:
    """An ARN of another account than the stack's: its provider acts in the stack's account only (a literal
    ``account``; an environment-agnostic stack's is unknown until deploy, where the function checks)."""
    try:
        for argument, ref in arguments.items():
            if ref.parsed is not None and ref.parsed.is_arn:
                contract.check_account(argument, ref.parsed.account, account, "the stack (and its provider)")
    except contract.GrammarError as error:
        raise ValueError(str(error)) from None
