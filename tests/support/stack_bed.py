"""One stack test bed for the end-to-end and reliability tests: plays app.py's stacks and hand-shaped
CloudFormation events through the player, checks every answer, and splits the emulator's call log by event.

Each event runs in a process of its own, so an emulator call belongs to the event whose invocation was
running when the call arrived. That lets a test assert the calls of one step of a stack operation (e.g. the
rollback Delete after a failed Create) without the function's own logs as witness. The player plays
independent resources at once: the calls of events that overlap are in each one's window.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

from connect_email_alias.local import (
    CallRecord,
    CloudFormationPlayer,
    ConnectEmulator,
    DeployedResource,
    EventResult,
    PlayReport,
    ResponseReceiver,
    StackSource,
)
from connect_email_alias.local.cloudformation.assembly import ResourceSpec
from connect_email_alias.local.cloudformation.report import RequestType
from connect_email_alias.local.cloudformation.template import Resolver

from tests.support.answers import assert_one_timely_valid_answer
from tests.support.assembly import DEMO_STACK
from tests.support.calls import MUTATING
from tests.support.resources import properties
from tests.support.seed import INSTANCE


class EventShape(TypedDict, total=False):
    """`StackBed.event`'s optional fields, which `StackBed.send` passes on."""

    physical_id: str | None
    old: Mapping[str, Any] | None
    request_id: str | None


@dataclass
class StackBed:
    """The player, the emulator and the receiver in one object.

    `healthy`: no answer may run into the function's deadline (the end-to-end tests); the fault cases
    allow it. `timeout_s`: the function's deadline for hand-sent events (None: the template's Timeout).
    `held`: the resource hand-sent events act on by default (the reliability cases deploy it first).
    """

    player: CloudFormationPlayer
    emulator: ConnectEmulator
    receiver: ResponseReceiver
    demo_stack: Callable[..., StackSource]
    healthy: bool = True
    timeout_s: float | None = None
    held: DeployedResource | None = None
    results: list[EventResult] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._wall_minus_mono = time.time() - time.monotonic()

    # -- playing stacks -------------------------------------------------------------------------

    def deploy(self, source: StackSource | None = None, **context: str) -> PlayReport:
        """Deploy `source`, or app.py's demo stack synthesised with `context`; every answer is checked."""
        report = self.player.deploy(source or self.demo_stack(**context))
        self.track(s.result for s in report.steps)
        return report

    def destroy(self, stack: str = DEMO_STACK) -> PlayReport:
        report = self.player.destroy(stack)
        self.track(s.result for s in report.steps)
        return report

    # -- hand-shaped events ---------------------------------------------------------------------

    def spec(self, **context: str) -> ResourceSpec:
        """The alias resource of the synthesised demo stack, as the player would send it events."""
        source = self.demo_stack(**context)
        (spec,) = source.custom_resources(Resolver(source.template, source.name, self.player.env))
        return spec

    def _target(self) -> ResourceSpec:
        return self.held.spec if self.held is not None else self.spec()

    def event(
        self,
        request_type: RequestType,
        props: Mapping[str, Any],
        *,
        physical_id: str | None = None,
        old: Mapping[str, Any] | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """An event shaped by the player exactly as CloudFormation would, for the held (or demo) resource."""
        return self.player.event(
            request_type,
            self._target(),
            props,
            stack_name=DEMO_STACK,
            physical_resource_id=physical_id,
            old_properties=old,
            request_id=request_id,
        )

    def send(
        self, request_type: RequestType, props: Mapping[str, Any], *, timeout_s: float | None = None,
        **shape: Unpack[EventShape],
    ) -> EventResult:
        """One event, shaped by `event`, to the held (or demo) resource's function; its answer is checked."""
        return self.invoke(self.event(request_type, props, **shape), timeout_s=timeout_s)

    def invoke(self, event: Mapping[str, Any], *, timeout_s: float | None = None) -> EventResult:
        """Deliver `event` (e.g. a second time) to the held (or demo) resource's function."""
        result = self.player.invoke(event, self._target().function, timeout_s=timeout_s or self.timeout_s)
        (checked,) = self.track([result])
        return checked

    def swap(self, alias: str, *, primary: str | None = None, timeout_s: float | None = None) -> EventResult:
        """CloudFormation's Update from the held pair to (primary, alias)."""
        held = self._held()
        new = properties(primary or held.properties["EmailAddressId"], alias)
        return self.send(
            "Update", new, physical_id=held.physical_id, old=held.properties, timeout_s=timeout_s
        )

    def delete(self) -> EventResult:
        held = self._held()
        return self.send("Delete", held.properties, physical_id=held.physical_id)

    def _held(self) -> DeployedResource:
        assert self.held is not None, "deploy a stack and set `held` first"
        return self.held

    def track(self, results: Iterable[EventResult]) -> list[EventResult]:
        """Contract §3: exactly one valid answer per request, before the deadline; kept for the call log."""
        results = list(results)
        for r in results:
            assert_one_timely_valid_answer(r)
            if self.healthy:
                assert not r.timed_out, "the healthy path never runs into the deadline"
        assert self.receiver.violations() == []
        self.results.extend(results)
        return results

    # -- what Connect saw and holds -------------------------------------------------------------

    def calls(self, result: EventResult) -> list[CallRecord]:
        """The Connect calls made while `result`'s invocation ran."""
        clock = self.player.runner.clock  # invocations are timed on it; the call log on the wall clock
        start, end = result.invocation.started, result.invocation.ended
        return [c for c in self.emulator.calls if start <= clock.at(c.time - self._wall_minus_mono) <= end]

    def all_calls(self, report: PlayReport) -> list[CallRecord]:
        """Every call of the report's events, once each (events played at once share their calls)."""
        seen = {id(c): c for s in report.steps for c in self.calls(s.result)}
        return sorted(seen.values(), key=lambda c: c.time)

    def mutations(self) -> list[str]:
        """Mutating calls Connect applied (answered 200), oldest first."""
        return [c.operation for c in self.emulator.calls if c.operation in MUTATING and c.status == 200]

    def attempted_mutations(self) -> list[str]:
        """Every mutating call sent, whatever Connect answered."""
        return [c.operation for c in self.emulator.calls if c.operation in MUTATING]

    def wait_for_call(self, operation: str, count: int, timeout: float = 20.0) -> None:
        """Wait until the emulator has answered `count` calls of `operation` (late, in-flight calls land)."""
        deadline = time.monotonic() + timeout
        while len(self.emulator.calls_to(operation)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{operation} did not land: {self.emulator.calls}")
            time.sleep(0.1)

    def held_id(self) -> str | None:
        """The PhysicalResourceId CloudFormation holds for the demo stack's alias (None: it holds none)."""
        held = [r.physical_id for r in self.player.resources(DEMO_STACK).values()]
        return held[0] if held else None

    def state(self) -> dict[str, str] | None:
        """The seed instance's alias relations (primary -> alias); None when the instance is gone."""
        try:
            return self.emulator.aliases_by_primary(INSTANCE)
        except Exception:
            return None
