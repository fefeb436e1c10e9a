"""Plays CloudFormation's side of custom resources offline: events, responses, rollback, cleanup.

Given stacks (:mod:`.template`), it sends the function the events CloudFormation would, shaped as
CloudFormation shapes them (every property value a string), through a Lambda-like process
(:mod:`.lambda_runner`), and reads the answers from the HTTPS receiver (:mod:`.receiver`).

Stack level: :meth:`CloudFormationPlayer.deploy` (create all, or update) and
:meth:`~CloudFormationPlayer.destroy`.
An update that fails is rolled back the way CloudFormation does it: rollback Updates in reverse
(ResourceProperties = old, OldResourceProperties = new, PhysicalResourceId = the one it holds),
Deletes of resources created by the attempt, then cleanup Deletes of physical IDs the attempt
minted. After a successful update, replaced physical IDs are deleted in the cleanup phase.
Low level: :meth:`~CloudFormationPlayer.event` and :meth:`~CloudFormationPlayer.invoke` (fault tests).
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .lambda_runner import Invocation, LambdaRunner
from .receiver import Expectation, ResponseReceiver
from .template import CustomResourceSpec, Environment, FunctionSpec, Resolver, StackSource, cfn_stringify

RequestType = Literal["Create", "Update", "Delete"]
Phase = Literal["create", "update", "cleanup", "rollback", "delete"]


@dataclass(frozen=True)
class EventResult:
    """CloudFormation's view of one event: the answer (if any), its checks, and the function's logs."""

    event: dict[str, Any]
    status: str | None
    reason: str | None
    physical_resource_id: str | None
    data: dict[str, Any]
    validation_errors: tuple[str, ...]
    wall_time_s: float
    answered_before_deadline: bool
    timed_out: bool
    responses: int
    invocation: Invocation

    @property
    def ok(self) -> bool:
        return self.status == "SUCCESS"

    @property
    def request_type(self) -> str:
        return str(self.event["RequestType"])

    @property
    def logical_id(self) -> str:
        return str(self.event["LogicalResourceId"])

    @property
    def logs(self) -> str:
        return self.invocation.logs


@dataclass(frozen=True)
class Step:
    """One event of a stack operation, in the phase CloudFormation sends it."""

    phase: Phase
    result: EventResult

    def __str__(self) -> str:
        r = self.result
        return (
            f"{self.phase:8} {r.request_type:6} {r.logical_id} -> {r.status} {r.physical_resource_id or ''}"
        )


@dataclass(frozen=True)
class DeployedResource:
    """What CloudFormation holds for a resource: its spec, properties as sent, physical ID."""

    spec: CustomResourceSpec
    properties: dict[str, Any]
    physical_id: str


@dataclass
class PlayReport:
    """The outcome of a stack operation: CloudFormation's final stack status and every step.

    ``retained`` lists what a ``DeletionPolicy`` / ``UpdateReplacePolicy`` kept: CloudFormation sends
    those no Delete, so they have no step; the physical resource lives on outside the stack.
    """

    stack_name: str
    status: str
    steps: list[Step] = field(default_factory=list)
    retained: list[DeployedResource] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE")

    def sequence(self) -> list[tuple[str, str, str]]:
        """(phase, request type, logical id) of each step, for asserting on event order."""
        return [(s.phase, s.result.request_type, s.result.logical_id) for s in self.steps]

    def __str__(self) -> str:
        kept = [f"  retained {r.spec.logical_id} {r.physical_id}" for r in self.retained]
        return "\n".join([f"{self.stack_name}: {self.status}", *(f"  {s}" for s in self.steps), *kept])


@dataclass(frozen=True)
class _Change:
    """One resource an update sent an event to: what CloudFormation held before, sent, and got back."""

    before: DeployedResource | None  # None: the update created it
    sent: CustomResourceSpec
    properties: dict[str, Any]
    physical_id: str | None  # the answer's; None when there was none
    ok: bool

    @property
    def held(self) -> DeployedResource | None:
        """What CloudFormation holds after this event: the answer's ID on success, else the old one."""
        if self.ok and self.physical_id:
            return DeployedResource(self.sent, self.properties, self.physical_id)
        return self.before


@dataclass
class _Stack:
    source: StackSource
    resources: dict[str, DeployedResource]


class CloudFormationPlayer:
    """Sends custom-resource events to functions run locally and collects CloudFormation's view."""

    def __init__(
        self,
        receiver: ResponseReceiver,
        *,
        connect_endpoint: str | None = None,
        env: Environment | None = None,
        runner: LambdaRunner | None = None,
        extra_env: Mapping[str, str] | None = None,
        response_grace_s: float = 1.0,
    ) -> None:
        """``connect_endpoint`` becomes ``AWS_ENDPOINT_URL_CONNECT`` in the function's process."""
        self.env = env or Environment()
        self.receiver = receiver
        base = {"SSL_CERT_FILE": str(receiver.ca_bundle), **(extra_env or {})}
        if connect_endpoint is not None:
            base["AWS_ENDPOINT_URL_CONNECT"] = connect_endpoint
        self._own_runner = runner is None
        self.runner = runner or LambdaRunner(self.env, base_env=base)
        if runner is not None:
            runner.base_env = {**base, **runner.base_env}
        self.response_grace_s = response_grace_s
        self._stacks: dict[str, _Stack] = {}

    def close(self) -> None:
        if self._own_runner:
            self.runner.close()

    def __enter__(self) -> CloudFormationPlayer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- low level -------------------------------------------------------------------------------

    def event(
        self,
        request_type: RequestType,
        resource: CustomResourceSpec,
        properties: Mapping[str, Any],
        *,
        stack_name: str,
        physical_resource_id: str | None = None,
        old_properties: Mapping[str, Any] | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """A custom-resource event exactly as CloudFormation sends it (properties stringified)."""
        request_id = request_id or str(uuid.uuid4())
        stack_id = Resolver({}, stack_name, self.env).stack_id
        token = resource.function.arn
        event: dict[str, Any] = {
            "RequestType": request_type,
            "ServiceToken": token,
            "ResponseURL": self.receiver.response_url(
                request_id, expect=Expectation(stack_id, resource.logical_id)
            ),
            "StackId": stack_id,
            "RequestId": request_id,
            "LogicalResourceId": resource.logical_id,
            "ResourceType": resource.resource_type,
            "ResourceProperties": {**cfn_stringify(dict(properties)), "ServiceToken": token},
        }
        if request_type != "Create":
            if physical_resource_id is None:
                raise ValueError(f"{request_type} needs a PhysicalResourceId")
            event["PhysicalResourceId"] = physical_resource_id
        if request_type == "Update":
            if old_properties is None:
                raise ValueError("Update needs OldResourceProperties")
            event["OldResourceProperties"] = {**cfn_stringify(dict(old_properties)), "ServiceToken": token}
        return event

    def invoke(
        self,
        event: Mapping[str, Any],
        function: FunctionSpec,
        *,
        timeout_s: float | None = None,
        env: Mapping[str, str] | None = None,
    ) -> EventResult:
        """Deliver ``event`` once (call again to re-deliver) and wait for this delivery's answer."""
        request_id = str(event["RequestId"])
        seen = len(self.receiver.responses(request_id))
        began = time.monotonic()
        invocation = self.runner.invoke(function, event, timeout_s=timeout_s, env=env)
        answer = self.receiver.wait_for(request_id, self.response_grace_s, count=seen + 1)
        responses = len(self.receiver.responses(request_id)) - seen
        return EventResult(
            event=dict(event),
            status=answer.status if answer else None,
            reason=answer.reason if answer else "no response: CloudFormation would wait for ServiceTimeout",
            physical_resource_id=answer.physical_resource_id if answer else None,
            data=answer.data if answer else {},
            validation_errors=answer.violations if answer else (),
            wall_time_s=(answer.received_at if answer else invocation.ended) - began,
            answered_before_deadline=answer is not None and answer.received_at <= invocation.deadline,
            timed_out=invocation.timed_out,
            responses=responses,
            invocation=invocation,
        )

    # -- stack level -----------------------------------------------------------------------------

    def resources(self, stack_name: str) -> dict[str, DeployedResource]:
        """What CloudFormation holds for the stack now (empty when it does not exist)."""
        stack = self._stacks.get(stack_name)
        return dict(stack.resources) if stack else {}

    def deploy(self, source: StackSource, parameters: Mapping[str, str] | None = None) -> PlayReport:
        """Create the stack, or update it when it exists (like ``cdk deploy``)."""
        resolver = Resolver(source.template, source.name, self.env, parameters)
        wanted = [(spec, self._properties(spec, resolver)) for spec in source.custom_resources(resolver)]
        if source.name in self._stacks:
            return self._update(source, wanted)
        return self._create(source, wanted)

    def destroy(self, stack_name: str) -> PlayReport:
        """Delete every resource in reverse order, keeping retained ones; gone unless a Delete failed."""
        stack = self._stacks.get(stack_name)
        report = PlayReport(stack_name, "DELETE_COMPLETE")
        if stack is None:
            return report
        for logical_id in reversed(list(stack.resources)):
            held = stack.resources[logical_id]
            if held.spec.retained_on_delete:
                report.retained.append(held)
                del stack.resources[logical_id]
                continue
            result = self._send("Delete", held.spec, held.properties, stack_name, held.physical_id)
            report.steps.append(Step("delete", result))
            if result.ok:
                del stack.resources[logical_id]
            else:
                report.status = "DELETE_FAILED"
        if report.status == "DELETE_COMPLETE":
            del self._stacks[stack_name]
        return report

    def _create(
        self, source: StackSource, wanted: list[tuple[CustomResourceSpec, dict[str, Any]]]
    ) -> PlayReport:
        report = PlayReport(source.name, "CREATE_COMPLETE")
        created: dict[str, DeployedResource] = {}
        for spec, props in wanted:
            result = self._send("Create", spec, props, source.name)
            report.steps.append(Step("create", result))
            if result.physical_resource_id:
                created[spec.logical_id] = DeployedResource(spec, props, result.physical_resource_id)
            if not result.ok:
                # A failed create rolls back by deleting everything created, the failed one included
                # when it answered with a physical ID (CloudFormation sends that one a Delete too).
                report.status = "ROLLBACK_COMPLETE"
                for held in reversed(list(created.values())):
                    self._delete(held, "rollback", report, keep=held.spec.retained_on_rollback_of_create())
                return report
        self._stacks[source.name] = _Stack(source, created)
        return report

    def _update(
        self, source: StackSource, wanted: list[tuple[CustomResourceSpec, dict[str, Any]]]
    ) -> PlayReport:
        stack = self._stacks[source.name]
        report = PlayReport(source.name, "UPDATE_COMPLETE")
        before = dict(stack.resources)
        after: dict[str, DeployedResource] = {}
        changes: list[_Change] = []
        for spec, props in wanted:
            old = before.get(spec.logical_id)
            if old is not None and old.properties == props and old.spec.function.arn == spec.function.arn:
                after[spec.logical_id] = dataclasses.replace(old, spec=spec)
                continue
            if old is None:
                result = self._send("Create", spec, props, source.name)
                report.steps.append(Step("create", result))
            else:
                result = self._send("Update", spec, props, source.name, old.physical_id, old.properties)
                report.steps.append(Step("update", result))
            change = _Change(
                old, spec, props, result.physical_resource_id, result.ok and bool(result.physical_resource_id)
            )
            changes.append(change)
            if not change.ok:
                return self._rollback(stack, report, changes)
            after[spec.logical_id] = DeployedResource(spec, props, result.physical_resource_id or "")
        removed = [held for logical_id, held in before.items() if logical_id not in after]
        stack.resources = after
        stack.source = source
        for change in changes:
            old, new = change.before, change.held
            if old is not None and new is not None and new.physical_id != old.physical_id:
                self._delete(old, "cleanup", report, keep=change.sent.retained_on_replace)
        for held in reversed(removed):
            self._delete(held, "cleanup", report, keep=held.spec.retained_on_delete)
        return report

    def _rollback(self, stack: _Stack, report: PlayReport, changes: list[_Change]) -> PlayReport:
        report.status = "UPDATE_ROLLBACK_COMPLETE"
        name = stack.source.name
        minted: list[DeployedResource] = []
        for change in reversed(changes):
            old = change.before
            if old is None:
                # Created by the attempt: deleted, unless it answered no ID or ``Retain`` keeps it.
                if change.physical_id:
                    created = DeployedResource(change.sent, change.properties, change.physical_id)
                    keep = change.sent.retained_on_rollback_of_create()
                    if not self._delete(created, "rollback", report, keep=keep):
                        report.status = "UPDATE_ROLLBACK_FAILED"
                continue
            # The failed resource's held ID is still the old one; an updated one holds its new ID.
            held = change.held
            held_id = held.physical_id if held is not None else old.physical_id
            undo = self._send("Update", old.spec, old.properties, name, held_id, change.properties)
            report.steps.append(Step("rollback", undo))
            if not undo.ok:
                report.status = "UPDATE_ROLLBACK_FAILED"
                continue
            restored = undo.physical_resource_id or held_id
            stack.resources[old.spec.logical_id] = DeployedResource(old.spec, old.properties, restored)
            if change.ok and held is not None and held.physical_id != restored:
                minted.append(held)
        for held in minted:
            self._delete(
                held, "cleanup", report, keep=stack.resources[held.spec.logical_id].spec.retained_on_replace
            )
        return report

    def _delete(self, held: DeployedResource, phase: Phase, report: PlayReport, *, keep: bool) -> bool:
        """Send ``held`` its Delete, or record it as retained when a policy keeps it; False if it failed."""
        if keep:
            report.retained.append(held)
            return True
        result = self._send("Delete", held.spec, held.properties, report.stack_name, held.physical_id)
        report.steps.append(Step(phase, result))
        return result.ok

    def _properties(self, spec: CustomResourceSpec, resolver: Resolver) -> dict[str, Any]:
        props = {k: v for k, v in spec.raw_properties.items() if k != "ServiceToken"}
        where = f"resource {spec.logical_id} property"
        resolved = {k: resolver.resolve(v, f"{where} {k}") for k, v in props.items()}
        return dict(cfn_stringify(resolved))

    def _send(
        self,
        request_type: RequestType,
        spec: CustomResourceSpec,
        properties: Mapping[str, Any],
        stack_name: str,
        physical_id: str | None = None,
        old_properties: Mapping[str, Any] | None = None,
    ) -> EventResult:
        event = self.event(
            request_type,
            spec,
            properties,
            stack_name=stack_name,
            physical_resource_id=physical_id,
            old_properties=old_properties,
        )
        return self.invoke(event, spec.function)
