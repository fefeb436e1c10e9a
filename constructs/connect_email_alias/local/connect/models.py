"""The emulated Connect data (instances, email addresses, alias relations, tags) and its rules; no HTTP.

Choices where the Connect documentation is silent are marked ``CHOICE`` (docs/design.md, "Offline test
bed"). Writes act at once; only the wire's reads (:meth:`ConnectState.describe_email_address`,
:meth:`ConnectState.search`) apply the :class:`~.lag.ReadLag`, and only to changes made with ``lagging``.
"""

from __future__ import annotations

import math
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..arns import ConnectArn
from .clock import Clock
from .exceptions import conflict, duplicate, invalid_parameter, invalid_request, not_found
from .lag import ReadLag, Recent
from .tagging import check_tag_keys, check_tags, merged

_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
# Generated address IDs: uuid5 in this namespace over (instance, email, creation number).
_ID_NAMESPACE = uuid.UUID("6f1c1c1e-6d1b-4e55-9a53-0c0c0e0a11a5")

_Key = tuple[str, str]  # (instance id, address id)


def _timestamp() -> str:
    # The model's ISO8601Datetime is a plain string; Connect writes UTC with a Z.
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class EmailAddress:
    """One Connect email address; ``born`` is the clock time reads may first see it."""

    email_address_id: str
    email_address: str
    arn: str
    display_name: str | None = None
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    created: str = field(default_factory=_timestamp)
    modified: str = field(default_factory=_timestamp)
    born: float = -math.inf


@dataclass(frozen=True)
class Seen:
    """An address as a read sees it: its alias (the one forwarding to it) and tags, perhaps lagging."""

    address: EmailAddress
    alias_id: str | None
    tags: dict[str, str]


@dataclass(frozen=True)
class AddressView:
    """One address as it truly is (never lagging): ``alias_id`` is the alias forwarding to it,
    ``primary_id`` the primary it forwards to (if any)."""

    email_address_id: str
    email_address: str
    arn: str
    alias_id: str | None
    display_name: str | None
    primary_id: str | None
    tags: dict[str, str]


@dataclass
class Instance:
    """One Connect instance: its addresses and alias relations (primary id -> alias id)."""

    instance_id: str
    addresses: dict[str, EmailAddress] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def address(self, email_address_id: str) -> EmailAddress:
        address = self.addresses.get(email_address_id)
        if address is None:
            raise self.missing(email_address_id)
        return address

    def missing(self, email_address_id: str) -> Exception:
        return not_found(f"Email address {email_address_id} not found in instance {self.instance_id}")

    def primary_of(self, alias_id: str) -> str | None:
        return next((p for p, a in self.aliases.items() if a == alias_id), None)

    def touch(self, *address_ids: str) -> None:
        now = _timestamp()
        for address_id in address_ids:
            self.addresses[address_id].modified = now


class ConnectState:
    """All emulated Connect data of one account and region, behind one mutex (:attr:`guard`)."""

    def __init__(self, region: str, account: str, clock: Clock, partition: str = "aws") -> None:
        self.region = region
        self.account = account
        self.partition = partition  # another region's state (``elsewhere``) may be of another partition
        self.lag = ReadLag()
        #: Held by every method; the gateway holds it too, to check Connect's address lock and act atomically.
        self.guard = threading.RLock()
        self._clock = clock
        self._instances: dict[str, Instance] = {}
        self._alias_changes: Recent[_Key, str | None] = Recent(clock)
        self._tag_changes: Recent[_Key, dict[str, str]] = Recent(clock)
        self._created = 0

    def elsewhere(self, region: str, partition: str) -> ConnectState:
        """The same account's state in another region: no instances (none can be created over the wire)."""
        return ConnectState(region, self.account, self._clock, partition)

    # -- instances and addresses -----------------------------------------------------------------

    def instance_arn(self, instance_id: str) -> ConnectArn:
        return ConnectArn(self.partition, self.region, self.account, instance_id)

    def create_instance(self, instance_id: str) -> None:
        with self.guard:
            self._instances.setdefault(instance_id, Instance(instance_id))

    def delete_instance(self, instance_id: str) -> None:
        with self.guard:
            for address_id in self._instance(instance_id).addresses:
                self._forget(instance_id, address_id)
            del self._instances[instance_id]

    def create_email_address(
        self,
        instance_id: str,
        email_address: str,
        email_address_id: str | None = None,
        *,
        display_name: str | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        lagging: bool = False,
    ) -> EmailAddress:
        with self.guard:
            instance = self._instance(instance_id)
            if not _EMAIL.fullmatch(email_address):
                raise invalid_parameter(f"EmailAddress is not a valid email address: {email_address}")
            if any(a.email_address.lower() == email_address.lower() for a in instance.addresses.values()):
                raise duplicate(f"Email address {email_address} already exists")
            self._created += 1
            new_id = email_address_id or str(
                uuid.uuid5(_ID_NAMESPACE, f"{instance_id}/{email_address.lower()}/{self._created}")
            )
            if new_id in instance.addresses:
                raise duplicate(f"Email address id {new_id} exists")
            address = instance.addresses[new_id] = EmailAddress(
                email_address_id=new_id,
                email_address=email_address,
                arn=str(self.instance_arn(instance_id).email_address(new_id)),
                display_name=display_name,
                description=description,
                tags=check_tags(tags) if tags is not None else {},
                born=self._clock() if lagging else -math.inf,
            )
            return address

    def delete_email_address(self, instance_id: str, email_address_id: str, *, lagging: bool = False) -> None:
        """Delete an address and every alias relation it takes part in (the Associate page says so)."""
        with self.guard:
            instance = self._instance(instance_id)
            instance.address(email_address_id)
            del instance.addresses[email_address_id]
            instance.aliases.pop(email_address_id, None)
            self._forget(instance_id, email_address_id)
            primary = instance.primary_of(email_address_id)
            if primary is not None:
                self._set_alias(instance, primary, None, lagging)

    # -- true state (out-of-band inspection and the rules) ---------------------------------------

    def true_view(self, instance_id: str, email_address_id: str) -> AddressView:
        """The address as it is now, never lagging (inspection and the rules; not what the wire reads)."""
        with self.guard:
            instance = self._instance(instance_id)
            address = instance.address(email_address_id)
            return AddressView(
                email_address_id,
                address.email_address,
                address.arn,
                instance.aliases.get(email_address_id),
                address.display_name,
                instance.primary_of(email_address_id),
                dict(address.tags),
            )

    def aliases(self, instance_id: str) -> dict[str, str]:
        with self.guard:
            return dict(self._instance(instance_id).aliases)

    def primary_of(self, instance_id: str, alias_id: str) -> str | None:
        with self.guard:
            return self._instance(instance_id).primary_of(alias_id)

    # -- reads over the wire (lagging as configured) ---------------------------------------------

    def describe_email_address(self, instance_id: str, email_address_id: str) -> Seen:
        """What DescribeEmailAddress serves, lagging as configured; like Connect, it does not reveal that the
        address is itself an alias."""
        with self.guard:
            instance = self._instance(instance_id)
            address = instance.address(email_address_id)
            if not self._visible(address):
                raise instance.missing(email_address_id)
            return self._seen(instance, address)

    def search(self, instance_id: str, matches: Callable[[Seen], bool]) -> list[Seen]:
        """SearchEmailAddresses' hits, as reads see them."""
        with self.guard:
            instance = self._instance(instance_id)
            seen = [self._seen(instance, a) for a in instance.addresses.values() if self._visible(a)]
        return [s for s in seen if matches(s)]

    # -- tags ------------------------------------------------------------------------------------

    def address_for_arn(self, arn: str) -> _Key:
        """(instance id, address id) an email-address ARN of this account and region names (not looked up:
        TagResource checks its tags first)."""
        parsed = ConnectArn.parse(arn)
        if parsed is None:
            raise invalid_parameter(f"resourceArn {arn} is not a valid Amazon Connect ARN")
        if (parsed.partition, parsed.region, parsed.account) != (self.partition, self.region, self.account):
            # CHOICE: an ARN of another partition, region or account names nothing here: 404.
            raise not_found(f"Resource {arn} not found")
        address_id = parsed.email_address_id
        if address_id is None:
            # CHOICE: only email addresses are emulated; other Connect resources cannot be tagged.
            raise invalid_request(f"resourceArn {arn} is not an email address; the emulator tags only those")
        return parsed.instance_id, address_id

    def tag(self, instance_id: str, email_address_id: str, tags: object, *, lagging: bool = False) -> None:
        """Add or overwrite ``tags`` (TagResource), checked by the model's TagMap rules. CHOICE: takes no
        lock, leaves ModifiedTimestamp."""
        checked = check_tags(tags)
        self._retag(instance_id, email_address_id, lambda old: merged(old, checked), lagging)

    def untag(
        self, instance_id: str, email_address_id: str, keys: Iterable[object], *, lagging: bool = False
    ) -> None:
        """Remove ``keys`` (UntagResource: 1 to 50 valid keys); keys the address lacks are ignored."""
        removed = set(check_tag_keys(keys))
        self._retag(
            instance_id, email_address_id, lambda old: {k: old[k] for k in old if k not in removed}, lagging
        )

    def replace_tags(self, instance_id: str, email_address_id: str, tags: Mapping[str, str]) -> None:
        """Set the address's tags to exactly ``tags`` (what a tool overwriting them would leave)."""
        checked = check_tags(tags) if tags else {}
        self._retag(instance_id, email_address_id, lambda _: checked, lagging=False)

    # -- alias relations -------------------------------------------------------------------------

    def associate(self, instance_id: str, primary_id: str, alias_id: str, *, lagging: bool = False) -> None:
        """Make ``alias_id`` forward to ``primary_id``, enforcing the Associate page's rules."""
        with self.guard:
            instance = self._pair_in(instance_id, primary_id, alias_id)
            current = instance.aliases.get(primary_id)
            # CHOICE: every state-dependent refusal is a 409 ResourceConflictException, including
            # re-associating a pair that already exists (the alias "cannot already be configured as an
            # alias"): callers must describe first rather than rely on a no-op success.
            if current == alias_id:
                raise conflict(f"Email address {alias_id} is already an alias of {primary_id}")
            if current is not None:
                raise conflict(
                    f"Email address {primary_id} already has alias {current}; "
                    "an address can have at most one alias"
                )
            owner = instance.primary_of(alias_id)
            if owner is not None:
                raise conflict(f"Email address {alias_id} is already an alias of {owner}")
            if alias_id in instance.aliases:
                raise conflict(
                    f"Email address {alias_id} has an alias of its own ({instance.aliases[alias_id]}); "
                    "aliases cannot be chained"
                )
            owner = instance.primary_of(primary_id)
            if owner is not None:
                raise conflict(
                    f"Email address {primary_id} is an alias of {owner}; an alias cannot have an alias "
                    "(aliases cannot be chained)"
                )
            self._set_alias(instance, primary_id, alias_id, lagging)
            instance.touch(primary_id, alias_id)

    def disassociate(
        self, instance_id: str, primary_id: str, alias_id: str, *, lagging: bool = False
    ) -> None:
        """Remove the relation ``alias_id`` -> ``primary_id``; it must exist."""
        with self.guard:
            instance = self._pair_in(instance_id, primary_id, alias_id)
            if instance.aliases.get(primary_id) != alias_id:
                # CHOICE: "The alias association must currently exist": a missing pair is a 404
                # ResourceNotFoundException naming the pair (also when the primary has another alias).
                raise not_found(f"Email address {alias_id} is not an alias of {primary_id}")
            self._set_alias(instance, primary_id, None, lagging)
            instance.touch(primary_id, alias_id)

    # -- helpers ---------------------------------------------------------------------------------

    def _pair_in(self, instance_id: str, primary_id: str, alias_id: str) -> Instance:
        """The instance, once both addresses exist in it and differ (checked before any state rule)."""
        instance = self._instance(instance_id)
        instance.address(primary_id)
        instance.address(alias_id)
        if primary_id == alias_id:
            # CHOICE: never valid whatever the state, so InvalidRequest rather than a conflict.
            raise invalid_request(f"Email address {primary_id} cannot be an alias of itself")
        return instance

    def _instance(self, instance_id: str) -> Instance:
        instance = self._instances.get(instance_id)
        if instance is None:
            raise not_found(f"Instance {instance_id} not found")
        return instance

    def _visible(self, address: EmailAddress) -> bool:
        return address.born <= self._clock() - self.lag.new_address

    def _seen(self, instance: Instance, address: EmailAddress) -> Seen:
        key = (instance.instance_id, address.email_address_id)
        alias = self._alias_changes.seen(
            key, instance.aliases.get(address.email_address_id), self.lag.alias_change
        )
        tags = self._tag_changes.seen(key, address.tags, self.lag.tags)
        return Seen(address, alias, dict(tags))

    def _set_alias(self, instance: Instance, primary_id: str, alias_id: str | None, lagging: bool) -> None:
        if lagging:
            self._alias_changes.changed((instance.instance_id, primary_id), instance.aliases.get(primary_id))
        if alias_id is None:
            instance.aliases.pop(primary_id, None)
        else:
            instance.aliases[primary_id] = alias_id

    def _retag(
        self,
        instance_id: str,
        email_address_id: str,
        change: Callable[[dict[str, str]], dict[str, str]],
        lagging: bool,
    ) -> None:
        with self.guard:
            address = self._instance(instance_id).address(email_address_id)
            tags = change(address.tags)
            if lagging:
                self._tag_changes.changed((instance_id, email_address_id), dict(address.tags))
            address.tags = tags

    def _forget(self, instance_id: str, address_id: str) -> None:
        self._alias_changes.forget((instance_id, address_id))
        self._tag_changes.forget((instance_id, address_id))
