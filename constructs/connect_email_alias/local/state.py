"""The emulated Connect data: instances, email addresses, alias relations, and the rules on them.

Pure data and rules, no HTTP: :mod:`.emulator` maps the wire protocol onto these methods and
:class:`ConnectError` onto AWS error answers. Written from the Connect API pages (``shared/seeds``)
and the botocore model, independently of ``lambda/``. Choices where the documentation is silent are
marked ``CHOICE`` and listed in docs/design.md, "Offline test bed".
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .errors import ConnectError, conflict, duplicate, invalid_parameter, invalid_request, not_found
from .tagging import check_tags, merged

_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_ARN = re.compile(r"arn:([^:]+):connect:([^:]*):([^:]*):instance/([^/]+)(?:/(.*))?")
# Generated address IDs: uuid5 in this namespace over (instance, email, creation number).
_ID_NAMESPACE = uuid.UUID("6f1c1c1e-6d1b-4e55-9a53-0c0c0e0a11a5")


def _timestamp() -> str:
    # The model's ISO8601Datetime is a plain string; Connect writes UTC with a Z.
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class EmailAddress:
    """One Connect email address."""

    email_address_id: str
    email_address: str
    arn: str
    display_name: str | None = None
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    created: str = field(default_factory=_timestamp)
    modified: str = field(default_factory=_timestamp)


@dataclass
class Instance:
    """One Connect instance: its addresses and alias relations (primary id -> alias id)."""

    instance_id: str
    addresses: dict[str, EmailAddress] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _TokenUse:
    request: tuple[Any, ...]
    result: Any


class ConnectState:
    """All emulated Connect data of one account and region, guarded by one lock."""

    def __init__(self, region: str, account: str, partition: str = "aws") -> None:
        self.region = region
        self.account = account
        self.partition = partition
        self._lock = threading.RLock()
        self._instances: dict[str, Instance] = {}
        self._tokens: dict[tuple[str, str, str], _TokenUse] = {}
        self._created = 0

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the state lock, e.g. to check a fault lock and act atomically."""
        with self._lock:
            yield

    # -- instances and addresses -----------------------------------------------------------------

    def instance_arn(self, instance_id: str) -> str:
        return f"arn:{self.partition}:connect:{self.region}:{self.account}:instance/{instance_id}"

    def create_instance(self, instance_id: str) -> None:
        with self._lock:
            self._instances.setdefault(instance_id, Instance(instance_id))

    def delete_instance(self, instance_id: str) -> None:
        with self._lock:
            self._instance(instance_id)
            del self._instances[instance_id]

    def instance_ids(self) -> list[str]:
        with self._lock:
            return list(self._instances)

    def create_email_address(
        self,
        instance_id: str,
        email_address: str,
        *,
        email_address_id: str | None = None,
        display_name: str | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        client_token: str | None = None,
    ) -> EmailAddress:
        with self._lock:
            request = (
                "create",
                email_address,
                display_name,
                description,
                tuple(sorted((tags or {}).items())),
            )
            replay = self._replay(instance_id, "CreateEmailAddress", client_token, request, idempotency=True)
            if replay is not None:
                address: EmailAddress = replay
                return address
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
            address = EmailAddress(
                email_address_id=new_id,
                email_address=email_address,
                arn=f"{self.instance_arn(instance_id)}/email-address/{new_id}",
                display_name=display_name,
                description=description,
                tags=check_tags(tags) if tags is not None else {},
            )
            instance.addresses[new_id] = address
            self._remember(instance_id, "CreateEmailAddress", client_token, request, address)
            return address

    def describe(self, instance_id: str, email_address_id: str) -> tuple[EmailAddress, str | None]:
        """The address and the alias that forwards to it (it as primary), if any.

        Like Connect, this does not reveal that the address is itself an alias of another one.
        """
        with self._lock:
            instance = self._instance(instance_id)
            address = self._address(instance, email_address_id)
            return address, instance.aliases.get(email_address_id)

    def delete_email_address(self, instance_id: str, email_address_id: str) -> None:
        """Delete an address and every alias relation it takes part in (the Associate page says so)."""
        with self._lock:
            instance = self._instance(instance_id)
            self._address(instance, email_address_id)
            del instance.addresses[email_address_id]
            instance.aliases.pop(email_address_id, None)
            for primary, alias in list(instance.aliases.items()):
                if alias == email_address_id:
                    del instance.aliases[primary]

    def search(
        self, instance_id: str, matches: Callable[[EmailAddress], bool]
    ) -> list[tuple[EmailAddress, str | None]]:
        with self._lock:
            instance = self._instance(instance_id)
            return [
                (a, instance.aliases.get(a.email_address_id))
                for a in sorted(instance.addresses.values(), key=lambda a: a.email_address)
                if matches(a)
            ]

    def aliases(self, instance_id: str) -> dict[str, str]:
        """The instance's alias relations: primary id -> alias id."""
        with self._lock:
            return dict(self._instance(instance_id).aliases)

    def primary_of(self, instance_id: str, alias_id: str) -> str | None:
        """The primary that ``alias_id`` forwards to, if any."""
        with self._lock:
            return self._primary_of(self._instance(instance_id), alias_id)

    # -- tags ------------------------------------------------------------------------------------

    def address_for_arn(self, arn: str) -> tuple[str, str]:
        """(instance id, address id) of an email-address ARN of this account and region."""
        match = _ARN.fullmatch(arn)
        if match is None:
            raise invalid_parameter(f"resourceArn {arn} is not a valid Amazon Connect ARN")
        partition, region, account, instance_id, rest = match.groups()
        if (partition, region, account) != (self.partition, self.region, self.account):
            # CHOICE: an ARN of another partition, region or account names nothing here: 404.
            raise not_found(f"Resource {arn} not found")
        if rest is None or not rest.startswith("email-address/") or "/" in rest[len("email-address/") :]:
            # CHOICE: only email addresses are emulated; other Connect resources cannot be tagged.
            raise invalid_request(f"resourceArn {arn} is not an email address; the emulator tags only those")
        address_id = rest[len("email-address/") :]
        with self._lock:
            self._address(self._instance(instance_id), address_id)
        return instance_id, address_id

    def tags(self, instance_id: str, email_address_id: str) -> dict[str, str]:
        with self._lock:
            return dict(self._address(self._instance(instance_id), email_address_id).tags)

    def tag(self, instance_id: str, email_address_id: str, tags: Mapping[str, str]) -> None:
        """Add or overwrite ``tags`` (TagResource). CHOICE: takes no lock, leaves ModifiedTimestamp."""
        checked = check_tags(tags)
        with self._lock:
            address = self._address(self._instance(instance_id), email_address_id)
            address.tags = merged(address.tags, checked)

    def untag(self, instance_id: str, email_address_id: str, keys: Iterable[str]) -> None:
        """Remove ``keys`` (UntagResource); keys the address does not carry are ignored."""
        with self._lock:
            address = self._address(self._instance(instance_id), email_address_id)
            for key in keys:
                address.tags.pop(key, None)

    def replace_tags(self, instance_id: str, email_address_id: str, tags: Mapping[str, str]) -> None:
        """Set the address's tags to exactly ``tags`` (what a tool overwriting them would leave)."""
        checked = check_tags(tags) if tags else {}
        with self._lock:
            self._address(self._instance(instance_id), email_address_id).tags = checked

    # -- alias relations -------------------------------------------------------------------------

    def associate(
        self, instance_id: str, primary_id: str, alias_id: str, client_token: str | None = None
    ) -> None:
        """Make ``alias_id`` forward to ``primary_id``, enforcing the Associate page's rules."""
        with self._lock:
            request = ("associate", primary_id, alias_id)
            if self._replay(
                instance_id, "AssociateEmailAddressAlias", client_token, request, idempotency=True
            ):
                return
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
            owner = self._primary_of(instance, alias_id)
            if owner is not None:
                raise conflict(f"Email address {alias_id} is already an alias of {owner}")
            if alias_id in instance.aliases:
                raise conflict(
                    f"Email address {alias_id} has an alias of its own ({instance.aliases[alias_id]}); "
                    "aliases cannot be chained"
                )
            owner = self._primary_of(instance, primary_id)
            if owner is not None:
                raise conflict(
                    f"Email address {primary_id} is an alias of {owner}; an alias cannot have an alias "
                    "(aliases cannot be chained)"
                )
            instance.aliases[primary_id] = alias_id
            self._touch(instance, primary_id, alias_id)
            self._remember(instance_id, "AssociateEmailAddressAlias", client_token, request, True)

    def disassociate(
        self, instance_id: str, primary_id: str, alias_id: str, client_token: str | None = None
    ) -> None:
        """Remove the relation ``alias_id`` -> ``primary_id``; it must exist."""
        with self._lock:
            request = ("disassociate", primary_id, alias_id)
            # CHOICE: the model gives Disassociate no IdempotencyException; reusing a token for a
            # different request is a caller bug, so it is a 400 InvalidRequestException (not a 409
            # that a caller could mistake for a transient lock).
            if self._replay(
                instance_id, "DisassociateEmailAddressAlias", client_token, request, idempotency=False
            ):
                return
            instance = self._pair_in(instance_id, primary_id, alias_id)
            if instance.aliases.get(primary_id) != alias_id:
                # CHOICE: "The alias association must currently exist": a missing pair is a 404
                # ResourceNotFoundException naming the pair (also when the primary has another alias).
                raise not_found(f"Email address {alias_id} is not an alias of {primary_id}")
            del instance.aliases[primary_id]
            self._touch(instance, primary_id, alias_id)
            self._remember(instance_id, "DisassociateEmailAddressAlias", client_token, request, True)

    # -- helpers ---------------------------------------------------------------------------------

    def _pair_in(self, instance_id: str, primary_id: str, alias_id: str) -> Instance:
        """The instance, once both addresses exist in it and differ (checked before any state rule)."""
        instance = self._instance(instance_id)
        self._address(instance, primary_id)
        self._address(instance, alias_id)
        if primary_id == alias_id:
            # CHOICE: never valid whatever the state, so InvalidRequest rather than a conflict.
            raise invalid_request(f"Email address {primary_id} cannot be an alias of itself")
        return instance

    def _instance(self, instance_id: str) -> Instance:
        instance = self._instances.get(instance_id)
        if instance is None:
            raise not_found(f"Instance {instance_id} not found")
        return instance

    @staticmethod
    def _address(instance: Instance, email_address_id: str) -> EmailAddress:
        address = instance.addresses.get(email_address_id)
        if address is None:
            raise not_found(f"Email address {email_address_id} not found in instance {instance.instance_id}")
        return address

    @staticmethod
    def _primary_of(instance: Instance, alias_id: str) -> str | None:
        return next((p for p, a in instance.aliases.items() if a == alias_id), None)

    @staticmethod
    def _touch(instance: Instance, *address_ids: str) -> None:
        now = _timestamp()
        for address_id in address_ids:
            instance.addresses[address_id].modified = now

    def _replay(
        self,
        instance_id: str,
        operation: str,
        token: str | None,
        request: tuple[Any, ...],
        *,
        idempotency: bool,
    ) -> Any:
        """The remembered result for a reused ClientToken, or None for a new token.

        CHOICE: only successful calls are remembered (a failed call may be retried with the same
        token and act then), tokens never expire, and a token is scoped to (instance, operation).
        """
        if not token:
            return None
        use = self._tokens.get((instance_id, operation, token))
        if use is None:
            return None
        if use.request != request:
            message = f"ClientToken {token} was already used for a different {operation} request"
            if idempotency:
                raise ConnectError("IdempotencyException", 409, message)
            raise invalid_request(message)
        return use.result

    def _remember(
        self, instance_id: str, operation: str, token: str | None, request: tuple[Any, ...], result: Any
    ) -> None:
        if token:
            self._tokens[(instance_id, operation, token)] = _TokenUse(request, result)
