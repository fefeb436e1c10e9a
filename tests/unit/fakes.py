"""An in-memory Connect port with the emulator's rules: records every call and can be told to fail.

Rules as the emulator has them (docs/design.md § Offline test bed): associating an existing pair is a 409
conflict, removing an absent pair is a 404, an alias serves one primary, no chains; tags live on addresses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from backoff import Clock
from contract import OWNER_TAG_KEY
from errors import Conflict, InstanceNotFound, NotFound, PortError
from lifecycle import Address, Request
from properties import Pair

from tests.support.seed import EMAILS, INFO, INSTANCE, REGION, SALES

MUTATING = ("associate", "disassociate")
TAGGING = ("tag", "untag")
STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/demo/0f0f0f0f-aaaa-bbbb-cccc-123456789012"
LOGICAL = "Alias"


def pair(primary: str, alias: str, instance: str = INSTANCE, region: str = REGION) -> Pair:
    return Pair(region, instance, primary, alias)


def arn(address_id: str, instance: str = INSTANCE) -> str:
    return f"arn:aws:connect:{REGION}:123456789012:instance/{instance}/email-address/{address_id}"


class FakeClock:
    """Remaining invocation time that advances only when the code sleeps."""

    def __init__(self, remaining_ms: int = 300_000) -> None:
        self.remaining = remaining_ms
        self.sleeps: list[float] = []

    def remaining_ms(self) -> int:
        return self.remaining

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.remaining -= int(s * 1000)

    def clock(self, rand: float = 1.0) -> Clock:
        return Clock(self.remaining_ms, self.sleep, lambda: rand)


def request(clock: FakeClock | None = None, logical: str = LOGICAL, stack: str = STACK) -> Request:
    return Request(stack, logical, (clock or FakeClock()).clock())


def owner(p: Pair, logical: str = LOGICAL, stack: str = STACK) -> str:
    return request(logical=logical, stack=stack).owner(p)


@dataclass
class FakeConnect:
    """The seed data of docs/design.md: sales@ forwards from info@ (owned by another resource).

    Every other pair given in `aliases` starts owned by this test's resource (`owner()`)."""

    emails: dict[str, str] = field(default_factory=lambda: dict(EMAILS))
    aliases: dict[str, str] = field(default_factory=lambda: {INFO: SALES})  # alias -> primary
    instances: set[str] = field(default_factory=lambda: {INSTANCE})
    tags: dict[str, dict[str, str]] = field(default_factory=dict)  # address -> tags
    calls: list[tuple[str, ...]] = field(default_factory=list)
    # (operation, address id) -> errors to raise instead of acting, one per call
    faults: dict[tuple[str, str], list[PortError]] = field(default_factory=dict)
    on_call: Callable[[str], None] | None = None
    # addresses that read as not found for this many more describes (eventual consistency)
    hidden: dict[str, int] = field(default_factory=dict)
    foreign: set[str] = field(default_factory=lambda: {INFO})
    # addresses a search leaves out for this many more scans (created moments ago)
    late: dict[str, int] = field(default_factory=dict)
    page_size: int = 100

    def __post_init__(self) -> None:
        for a, p in self.aliases.items():
            mine = owner(pair(p, a), logical="Other" if a in self.foreign else LOGICAL)
            self.tags.setdefault(a, {OWNER_TAG_KEY: mine})

    # -- state helpers --
    def pairs(self) -> set[tuple[str, str]]:
        return {(p, a) for a, p in self.aliases.items()}

    def mutations(self) -> list[tuple[str, ...]]:
        return [c for c in self.calls if c[0] in MUTATING]

    def tag_calls(self) -> list[tuple[str, ...]]:
        return [c for c in self.calls if c[0] in TAGGING]

    def owner_of(self, alias: str) -> str | None:
        return self.tags.get(alias, {}).get(OWNER_TAG_KEY)

    def fail(self, op: str, address: str, *errors: PortError) -> None:
        self.faults.setdefault((op, address), []).extend(errors)

    def _record(self, op: str, *args: str) -> None:
        self.calls.append((op, *args))
        if self.on_call:
            self.on_call(op)
        queue = self.faults.get((op, args[-2] if op in MUTATING else args[-1]))
        if queue:
            raise queue.pop(0)

    # -- the port --
    def describe(self, region: str, instance_id: str, address_id: str) -> Address | None:
        self._record("describe", instance_id, address_id)
        if instance_id not in self.instances:
            raise InstanceNotFound(
                f"Connect instance {instance_id} was not found", code="ResourceNotFoundException"
            )
        if self.hidden.get(address_id, 0) > 0:
            self.hidden[address_id] -= 1
            return None
        if address_id not in self.emails:
            return None
        forwards = tuple(a for a, p in self.aliases.items() if p == address_id)
        tags = dict(self.tags.get(address_id, {}))
        return Address(address_id, self.emails[address_id], forwards, arn(address_id), tags)

    def associate(self, p: Pair, step: str) -> None:
        self._record("associate", p.primary_id, p.alias_id, step)
        if p.primary_id not in self.emails or p.alias_id not in self.emails:
            raise NotFound("not found", code="ResourceNotFoundException")
        if (
            p.alias_id in self.aliases  # the pair itself, or the alias serves another primary
            or p.primary_id in self.aliases.values()  # the primary has an alias
            or p.primary_id in self.aliases  # the primary is an alias (no chains)
            or p.alias_id in self.aliases.values()  # the alias has an alias (no chains)
        ):
            raise Conflict("conflict", code="ResourceConflictException")
        self.aliases[p.alias_id] = p.primary_id

    def disassociate(self, p: Pair, step: str) -> None:
        self._record("disassociate", p.primary_id, p.alias_id, step)
        if self.aliases.get(p.alias_id) != p.primary_id:
            raise NotFound("The alias association must currently exist", code="ResourceNotFoundException")
        del self.aliases[p.alias_id]

    def tag(self, region: str, resource_arn: str, key: str, value: str) -> None:
        address = resource_arn.rsplit("/", 1)[1]
        self._record("tag", address)
        self.tags.setdefault(address, {})[key] = value

    def untag(self, region: str, resource_arn: str, key: str) -> None:
        address = resource_arn.rsplit("/", 1)[1]
        self._record("untag", address)
        self.tags.get(address, {}).pop(key, None)

    def primary_of(self, region: str, instance_id: str, alias_id: str) -> str | None:
        self._record("search", instance_id)
        return self.aliases.get(alias_id)

    def addresses(self, region: str, instance_id: str) -> Iterator[Address]:
        """SearchEmailAddresses' pages as iterated, sorted by address string; one "search" call a page."""
        listed = sorted(self.emails.items(), key=lambda item: (item[1].lower(), item[0]))
        shown = [(i, e) for i, e in listed if self.late.get(i, 0) == 0]
        self.late = {i: n - 1 for i, n in self.late.items() if n > 1}
        for start in range(0, max(len(shown), 1), self.page_size):
            self._record("search", instance_id)
            if instance_id not in self.instances:
                raise InstanceNotFound(
                    f"Connect instance {instance_id} was not found", code="ResourceNotFoundException"
                )
            for address_id, email in shown[start : start + self.page_size]:
                forwards = tuple(a for a, p in self.aliases.items() if p == address_id)
                yield Address(address_id, email, forwards, arn(address_id))
