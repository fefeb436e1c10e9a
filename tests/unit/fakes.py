"""An in-memory Connect that enforces the alias rules, records every call, and can be told to fail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lifecycle import Address, InstanceNotFound, PortError
from properties import Pair

from tests.support.seed import EMAILS, INFO, INSTANCE, REGION, SALES

MUTATING = ("associate", "disassociate")


def pair(primary: str, alias: str, instance: str = INSTANCE, region: str = REGION) -> Pair:
    return Pair(region, instance, primary, alias)


@dataclass
class FakeConnect:
    """The seed data of docs/design.md: sales@ forwards from info@; the rest are free."""

    emails: dict[str, str] = field(default_factory=lambda: dict(EMAILS))
    aliases: dict[str, str] = field(default_factory=lambda: {INFO: SALES})  # alias -> primary
    instances: set[str] = field(default_factory=lambda: {INSTANCE})
    calls: list[tuple[str, ...]] = field(default_factory=list)
    # (operation, alias id) -> error to raise instead of acting; consumed once unless sticky
    faults: dict[tuple[str, str], PortError] = field(default_factory=dict)
    on_call: Callable[[str], None] | None = None

    # -- state helpers --
    def pairs(self) -> set[tuple[str, str]]:
        return {(p, a) for a, p in self.aliases.items()}

    def mutations(self) -> list[tuple[str, ...]]:
        return [c for c in self.calls if c[0] in MUTATING]

    # -- the port --
    def describe(self, region: str, instance_id: str, address_id: str) -> Address | None:
        self.calls.append(("describe", instance_id, address_id))
        if self.on_call:
            self.on_call("describe")
        if instance_id not in self.instances:
            raise InstanceNotFound(
                f"Connect instance {instance_id} was not found", code="ResourceNotFoundException"
            )
        if address_id not in self.emails:
            return None
        forwards = tuple(a for a, p in self.aliases.items() if p == address_id)
        return Address(address_id, self.emails[address_id], forwards)

    def associate(self, p: Pair, step: str) -> None:
        self.calls.append(("associate", p.primary_id, p.alias_id, step))
        fault = self.faults.pop(("associate", p.alias_id), None)
        if fault:
            raise fault
        if self.aliases.get(p.alias_id) == p.primary_id:
            return
        if (
            p.alias_id in self.aliases
            or p.primary_id in self.aliases.values()
            or p.primary_id in self.aliases
        ):
            raise PortError("conflict", code="ResourceConflictException")
        if any(pr == p.alias_id for pr in self.aliases.values()):
            raise PortError("chain", code="ResourceConflictException")
        self.aliases[p.alias_id] = p.primary_id

    def disassociate(self, p: Pair, step: str) -> None:
        self.calls.append(("disassociate", p.primary_id, p.alias_id, step))
        fault = self.faults.pop(("disassociate", p.alias_id), None)
        if fault:
            raise fault
        if self.aliases.get(p.alias_id) == p.primary_id:
            del self.aliases[p.alias_id]
