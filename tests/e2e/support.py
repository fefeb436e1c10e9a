"""Helpers for the lifecycle tests: check every answer CloudFormation gets; attribute Connect calls to events.

The player runs one event at a time in its own process, so each emulator call belongs to the event whose
invocation started last before it. That lets a test assert the calls of one step of a stack operation (e.g.
the rollback Delete after a failed Create) without the function's own logs as witness.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from connect_email_alias.local import (
    CallRecord,
    CloudFormationPlayer,
    ConnectEmulator,
    EventResult,
    PlayReport,
    ResponseReceiver,
    StackSource,
)
from connect_email_alias.local.player import RequestType
from connect_email_alias.local.template import CustomResourceSpec, Resolver

from tests.answers import assert_one_timely_valid_answer
from tests.assembly import DEMO_STACK
from tests.seed_ids import INSTANCE

REGION = "us-east-1"
ACCOUNT = "123456789012"
MUTATING = ("AssociateEmailAddressAlias", "DisassociateEmailAddressAlias")
ATTRIBUTES = ("InstanceId", "EmailAddressId", "AliasEmailAddressId", "EmailAddress", "AliasEmailAddress")
# Well-formed IDs that exist nowhere in the seed.
MISSING_ADDRESS = "99999999-9999-4999-8999-999999999999"
MISSING_INSTANCE = "00000000-0000-4000-8000-00000000dead"


def pair_id(primary: str, alias: str, instance: str = INSTANCE) -> str:
    """The PhysicalResourceId docs/design.md promises for a pair of UUIDs (no character needs quoting)."""
    return f"connect-email-alias:v1:{REGION}:{instance}:{primary}:{alias}"


def address_arn(address: str, instance: str = INSTANCE) -> str:
    return f"arn:aws:connect:{REGION}:{ACCOUNT}:instance/{instance}/email-address/{address}"


def properties(primary: str, alias: str, instance: str = INSTANCE) -> dict[str, Any]:
    """Resource properties as the construct writes them (CloudFormation adds ServiceToken)."""
    return {
        "ServiceTimeout": "300",
        "InstanceId": instance,
        "EmailAddressId": primary,
        "AliasConfiguration": {"EmailAddressId": alias},
    }


def mutating(calls: Iterable[CallRecord]) -> list[CallRecord]:
    return [c for c in calls if c.operation in MUTATING]


def ops(calls: Iterable[CallRecord]) -> list[tuple[str, str, str | None]]:
    """(operation, primary, alias) of each call: readable in assertion diffs."""
    out = []
    for c in calls:
        alias = c.params.get("AliasConfiguration", {}).get("EmailAddressId")
        out.append((c.operation, str(c.params.get("EmailAddressId")), alias))
    return out


@dataclass
class E2E:
    """The test bed in one object: plays stacks and events, checks each answer, splits the call log."""

    player: CloudFormationPlayer
    emulator: ConnectEmulator
    receiver: ResponseReceiver
    demo_stack: Callable[..., StackSource]

    def __post_init__(self) -> None:
        self._wall_minus_mono = time.time() - time.monotonic()
        self.results: list[EventResult] = []

    # -- playing -------------------------------------------------------------------------------

    def deploy(self, **context: str) -> PlayReport:
        report = self.player.deploy(self.demo_stack(**context))
        self._checked(s.result for s in report.steps)
        return report

    def destroy(self) -> PlayReport:
        report = self.player.destroy(DEMO_STACK)
        self._checked(s.result for s in report.steps)
        return report

    def spec(self, **context: str) -> CustomResourceSpec:
        """The alias resource of the synthesised demo stack, as the player would send it events."""
        source = self.demo_stack(**context)
        (spec,) = source.custom_resources(Resolver(source.template, source.name, self.player.env))
        return spec

    def send(
        self,
        request_type: RequestType,
        props: Mapping[str, Any],
        *,
        physical_id: str | None = None,
        old_props: Mapping[str, Any] | None = None,
        request_id: str | None = None,
    ) -> EventResult:
        """One event shaped by the player exactly as CloudFormation would, to the cdk.out's function."""
        spec = self.spec()
        event = self.player.event(
            request_type,
            spec,
            props,
            stack_name=DEMO_STACK,
            physical_resource_id=physical_id,
            old_properties=old_props,
            request_id=request_id,
        )
        return self.redeliver(event)

    def redeliver(self, event: Mapping[str, Any]) -> EventResult:
        (result,) = self._checked([self.player.invoke(event, self.spec().function)])
        return result

    def _checked(self, results: Iterable[EventResult]) -> list[EventResult]:
        """Contract §3: exactly one valid answer per request, before the deadline."""
        results = list(results)
        for r in results:
            assert_one_timely_valid_answer(r)
            assert not r.timed_out, "the healthy path never runs into the deadline"
        assert self.receiver.violations() == []
        self.results.extend(results)
        return results

    # -- the call log --------------------------------------------------------------------------

    def calls(self, result: EventResult) -> list[CallRecord]:
        """The Connect calls made while `result`'s invocation ran (up to the next invocation's start)."""
        index = next(i for i, r in enumerate(self.results) if r is result)
        start = result.invocation.started + self._wall_minus_mono
        later = self.results[index + 1 :]
        end = later[0].invocation.started + self._wall_minus_mono if later else float("inf")
        return [c for c in self.emulator.calls if start <= c.time < end]

    def all_calls(self, report: PlayReport) -> list[CallRecord]:
        return [c for s in report.steps for c in self.calls(s.result)]

    def held_id(self) -> str | None:
        """The PhysicalResourceId CloudFormation holds for the alias now (None when it holds none)."""
        held = [r.physical_id for r in self.player.resources(DEMO_STACK).values()]
        return held[0] if held else None

    def state(self) -> dict[str, str]:
        return self.emulator.aliases(INSTANCE)
