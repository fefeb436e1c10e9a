"""The emulator's call log in the terms the tests assert: which calls changed an alias relation."""

from __future__ import annotations

from collections.abc import Iterable

from connect_email_alias._contract import contract
from connect_email_alias.local import CallRecord

MUTATING = contract.MUTATING_OPERATIONS
# The owner record (docs/design.md, "Ownership"): budgeted apart, at most two per event on top.
TAGGING = ("TagResource", "UntagResource")
TAG_BUDGET = 2


def mutating(calls: Iterable[CallRecord]) -> list[CallRecord]:
    return [c for c in calls if c.operation in MUTATING]


def alias_calls(calls: Iterable[CallRecord]) -> list[CallRecord]:
    """The calls the contract's budget counts: every call but the owner record's tag calls."""
    return [c for c in calls if c.operation not in TAGGING]


def tag_calls(calls: Iterable[CallRecord]) -> list[CallRecord]:
    return [c for c in calls if c.operation in TAGGING]


def ops(calls: Iterable[CallRecord]) -> list[tuple[str, str, str | None]]:
    """(operation, primary, alias) of each call: readable in assertion diffs."""
    out = []
    for c in calls:
        alias = c.params.get("AliasConfiguration", {}).get("EmailAddressId")
        out.append((c.operation, str(c.params.get("EmailAddressId")), alias))
    return out
