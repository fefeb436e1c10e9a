"""The reliability bed: app.py's demo stack deployed by the player, plus CloudFormation-shaped events
for the fault cases (low-level `event`/`invoke`, so a case can shorten the function's deadline)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from connect_email_alias.local import (
    CloudFormationPlayer,
    ConnectEmulator,
    DeployedResource,
    EventResult,
    ResponseReceiver,
)

from tests.answers import assert_one_timely_valid_answer
from tests.assembly import DEMO_STACK
from tests.seed_ids import INSTANCE

MUTATING = ("AssociateEmailAddressAlias", "DisassociateEmailAddressAlias")


def props(primary: str, alias: str, instance: str = INSTANCE) -> dict[str, Any]:
    """ResourceProperties as the construct writes them (without the ServiceToken)."""
    return {
        "ServiceTimeout": "300",
        "InstanceId": instance,
        "EmailAddressId": primary,
        "AliasConfiguration": {"EmailAddressId": alias},
    }


@dataclass
class Bed:
    player: CloudFormationPlayer
    emulator: ConnectEmulator
    receiver: ResponseReceiver
    track: list[EventResult]
    held: DeployedResource

    def state(self) -> dict[str, str] | None:
        """The instance's alias relations now; None when the instance is gone."""
        try:
            return self.emulator.aliases(INSTANCE)
        except Exception:
            return None

    def mutations(self) -> list[str]:
        """Mutating calls Connect applied (answered 200), oldest first."""
        return [c.operation for c in self.emulator.calls if c.operation in MUTATING and c.status == 200]

    def attempted_mutations(self) -> list[str]:
        """Every mutating call sent, whatever Connect answered."""
        return [c.operation for c in self.emulator.calls if c.operation in MUTATING]

    def send(
        self,
        request_type: str,
        properties: dict[str, Any],
        *,
        physical_id: str | None = None,
        old: dict[str, Any] | None = None,
        timeout_s: float | None = 30,
        request_id: str | None = None,
        event: dict[str, Any] | None = None,
    ) -> EventResult:
        """Deliver one event to the demo stack's function and check the single, valid, timely answer."""
        if event is None:
            event = self.event(
                request_type, properties, physical_id=physical_id, old=old, request_id=request_id
            )
        result = self.player.invoke(event, self.held.spec.function, timeout_s=timeout_s)
        self.track.append(result)
        assert_one_timely_valid_answer(result)
        return result

    def event(
        self,
        request_type: str,
        properties: dict[str, Any],
        *,
        physical_id: str | None = None,
        old: dict[str, Any] | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        return self.player.event(
            request_type,  # type: ignore[arg-type]
            self.held.spec,
            properties,
            stack_name=DEMO_STACK,
            physical_resource_id=physical_id,
            old_properties=old,
            request_id=request_id,
        )

    def swap(self, alias: str, *, timeout_s: float | None = 30, primary: str | None = None) -> EventResult:
        """CloudFormation's Update from the deployed pair to (primary, alias)."""
        new = props(primary or self.held.properties["EmailAddressId"], alias)
        return self.send(
            "Update", new, physical_id=self.held.physical_id, old=self.held.properties, timeout_s=timeout_s
        )

    def delete(self, physical_id: str | None = None, properties: dict[str, Any] | None = None) -> EventResult:
        return self.send(
            "Delete", properties or self.held.properties, physical_id=physical_id or self.held.physical_id
        )

    def wait_for_call(self, operation: str, count: int, timeout: float = 20.0) -> None:
        """Wait until the emulator has answered `count` calls of `operation` (late, in-flight calls land)."""
        deadline = time.monotonic() + timeout
        while len(self.emulator.calls_to(operation)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{operation} did not land: {self.emulator.calls}")
            time.sleep(0.1)
