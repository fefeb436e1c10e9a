"""Create / update / delete as decisions over a small Connect port.

Pure: no crhelper, no boto3, no environment, no logging setup. Each function reads what it needs through the
port, decides, mutates through the port, and returns an `Outcome` or raises `LifecycleError` with a reason
a person can act on. The rules are the contract's § 2; choices it leaves open: docs/design.md § Handler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from properties import REASON_MAX, Pair, clip, mint_physical_id, short_id


@dataclass(frozen=True)
class Address:
    """What DescribeEmailAddress tells us: the address string and the aliases that forward to it."""

    address_id: str
    email: str
    alias_ids: tuple[str, ...] = ()


class LifecycleError(Exception):
    """The request cannot be carried out; `reason` is for CloudFormation (<= 256 chars).

    `maybe_changed` is True when a mutating call may have been applied although we could not confirm it
    (e.g. it timed out), so a failed Create must still record the pair for the rollback's Delete to clean up.
    """

    def __init__(self, reason: str, *, maybe_changed: bool = False) -> None:
        super().__init__(clip(reason))
        self.reason = clip(reason)
        self.maybe_changed = maybe_changed


class PortError(LifecycleError):
    """A Connect call failed for good (not retryable, or out of time); `code` is Connect's error code."""

    def __init__(self, reason: str, *, code: str, maybe_changed: bool = False) -> None:
        super().__init__(reason, maybe_changed=maybe_changed)
        self.code = code


class InstanceNotFound(PortError):
    """Connect says the instance itself does not exist (so no address in it can)."""


class ConnectPort(Protocol):
    """The three Connect operations the lifecycle needs. `step` names the call for its ClientToken."""

    def describe(self, region: str, instance_id: str, address_id: str) -> Address | None:
        """The address, or None when it does not exist. Raises `InstanceNotFound` / `PortError`."""
        ...

    def associate(self, pair: Pair, step: str) -> None:
        """Make `pair.alias_id` forward to `pair.primary_id`. Raises `PortError`."""
        ...

    def disassociate(self, pair: Pair, step: str) -> None:
        """Remove the pair (success if it is already gone). Raises `PortError`."""
        ...


@dataclass(frozen=True)
class Outcome:
    """A successful answer: the PhysicalResourceId and the attributes for `Fn::GetAtt`."""

    physical_id: str
    data: dict[str, str] = field(default_factory=dict)


@dataclass
class _View:
    """Addresses read during one request, kept in step with our own mutations (saves repeat reads)."""

    port: ConnectPort
    seen: dict[tuple[str, str, str], Address | None] = field(default_factory=dict)

    def get(self, region: str, instance_id: str, address_id: str) -> Address | None:
        key = (region, instance_id, address_id)
        if key not in self.seen:
            self.seen[key] = self.port.describe(region, instance_id, address_id)
        return self.seen[key]

    def primary(self, pair: Pair) -> Address | None:
        return self.get(pair.region, pair.instance_id, pair.primary_id)

    def alias(self, pair: Pair) -> Address | None:
        return self.get(pair.region, pair.instance_id, pair.alias_id)

    def present(self, pair: Pair) -> bool:
        """Whether `pair` exists now; a vanished instance or primary means it does not."""
        try:
            primary = self.primary(pair)
        except InstanceNotFound:
            return False
        return primary is not None and pair.alias_id in primary.alias_ids

    def set_aliases(self, pair: Pair, alias_ids: tuple[str, ...]) -> None:
        primary = self.seen.get((pair.region, pair.instance_id, pair.primary_id))
        if primary is not None:
            self.seen[(pair.region, pair.instance_id, pair.primary_id)] = Address(
                primary.address_id, primary.email, alias_ids
            )


def _data(pair: Pair, primary: Address, alias: Address) -> dict[str, str]:
    return {
        "InstanceId": pair.instance_id,
        "EmailAddressId": pair.primary_id,
        "AliasEmailAddressId": pair.alias_id,
        "EmailAddress": primary.email,
        "AliasEmailAddress": alias.email,
    }


def _require_primary(view: _View, pair: Pair) -> Address:
    primary = view.primary(pair)
    if primary is None:
        raise LifecycleError(
            f"EmailAddressId {short_id(pair.primary_id)} (primary) was not found in Connect instance "
            f"{short_id(pair.instance_id)} ({pair.region}): check the ID."
        )
    return primary


def _require_alias(view: _View, pair: Pair) -> Address:
    alias = view.alias(pair)
    if alias is None:
        raise LifecycleError(
            f"AliasConfiguration.EmailAddressId {short_id(pair.alias_id)} (alias) was not found in Connect "
            f"instance {short_id(pair.instance_id)} ({pair.region}): check the ID."
        )
    return alias


def taken_primary(pair: Pair, primary: Address) -> str | None:
    """Why `pair` cannot be made: the primary already has another alias (which we never take over)."""
    others = [a for a in primary.alias_ids if a != pair.alias_id]
    if not others:
        return None
    return (
        f"Primary {short_id(pair.primary_id)} already has alias {short_id(others[0])}, which this resource "
        "does not own (one alias per address): remove that alias first or choose another primary."
    )


def chained_alias(pair: Pair, alias: Address) -> str | None:
    """Why `pair` cannot be made: the alias has an alias of its own (Connect does not chain)."""
    if not alias.alias_ids:
        return None
    return (
        f"Alias {short_id(pair.alias_id)} has an alias of its own ({short_id(alias.alias_ids[0])}); Connect "
        "does not chain aliases: remove that alias first or choose another alias address."
    )


def _check_can_associate(view: _View, pair: Pair, primary: Address) -> Address:
    """Refuse, before any change, what Connect would refuse or what would take over someone else's alias."""
    reason = taken_primary(pair, primary)
    if reason:
        raise LifecycleError(reason)
    alias = _require_alias(view, pair)
    reason = chained_alias(pair, alias)
    if reason:
        raise LifecycleError(reason)
    return alias


def create(pair: Pair, port: ConnectPort, step: str = "create") -> Outcome:
    """Make `pair.alias_id` forward to `pair.primary_id`; adopt the pair if it already exists."""
    physical_id = mint_physical_id(pair)
    view = _View(port)
    primary = _require_primary(view, pair)
    if pair.alias_id in primary.alias_ids:
        return Outcome(physical_id, _data(pair, primary, _require_alias(view, pair)))
    alias = _check_can_associate(view, pair, primary)
    port.associate(pair, step)
    return Outcome(physical_id, _data(pair, primary, alias))


def update(new: Pair, recorded: Pair | None, old_props: Pair | None, port: ConnectPort) -> Outcome:
    """Converge on exactly `new`, removing the old pair(s) that are present and not `new`.

    `recorded` comes from the PhysicalResourceId (None if we did not mint it), `old_props` from
    OldResourceProperties (None if they do not parse); after an interrupted swap they can differ.
    """
    olds = [p for p in dict.fromkeys(x for x in (recorded, old_props) if x is not None) if p != new]
    if not olds:
        # Same pair: one read; re-create only if an interrupted attempt removed it.
        return create(new, port, step="update-recreate")
    physical_id = mint_physical_id(new)
    view = _View(port)
    to_remove = [p for p in olds if view.present(p)]
    # Check the new pair as it will be once the old pairs are gone, so a doomed swap changes nothing.
    for old in to_remove:
        old_primary = view.primary(old) or Address(old.primary_id, "")
        view.set_aliases(old, tuple(a for a in old_primary.alias_ids if a != old.alias_id))
    new_primary = _require_primary(view, new)
    already = new.alias_id in new_primary.alias_ids
    new_alias = _require_alias(view, new) if already else _check_can_associate(view, new, new_primary)
    removed: list[Pair] = []
    for index, old in enumerate(to_remove):
        try:
            port.disassociate(old, f"update-remove-{index}")
        except PortError as err:
            reason = _restored(err.reason, recorded, removed, port)
            raise LifecycleError(reason, maybe_changed=True) from err
        removed.append(old)
    if not already:
        try:
            port.associate(new, "update-associate")
        except PortError as err:
            reason = _restored(err.reason, recorded, removed, port)
            raise LifecycleError(reason, maybe_changed=bool(removed) or err.maybe_changed) from err
    return Outcome(physical_id, _data(new, new_primary, new_alias))


def _restored(reason: str, recorded: Pair | None, removed: list[Pair], port: ConnectPort) -> str:
    """Put the recorded pair back if this attempt removed it, and say so in the reason."""
    if recorded is None or recorded not in removed:
        return reason
    try:
        port.associate(recorded, "update-restore")
    except PortError as err:
        outcome = f" Restoring the old pair also failed: {err.code}; CloudFormation's rollback re-creates it."
    else:
        outcome = " The old pair was restored."
    # The outcome is what the operator acts on: cut the cause, never the outcome.
    return clip(reason, REASON_MAX - len(outcome)) + outcome


def delete(recorded: Pair | None, port: ConnectPort) -> None:
    """Remove the pair recorded in the PhysicalResourceId, if it is ours and still present."""
    if recorded is None:
        return  # not an ID we minted (e.g. after a failed Create): nothing of ours exists
    if _View(port).present(recorded):
        port.disassociate(recorded, "delete")
