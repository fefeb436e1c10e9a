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


@dataclass
class PlayReport:
    """The outcome of a stack operation: CloudFormation's final stack status and every step."""

    stack_name: str
    status: str
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE")

    def sequence(self) -> list[tuple[str, str, str]]:
        """(phase, request type, logical id) of each step, for asserting on event order."""
        return [(s.phase, s.result.request_type, s.result.logical_id) for s in self.steps]

    def __str__(self) -> str:
        return "\n".join([f"{self.stack_name}: {self.status}", *(f"  {s}" for s in self.steps)])


@dataclass(frozen=True)
class DeployedResource:
    """What CloudFormation holds for a resource: its spec, properties as sent, physical ID."""

    spec: CustomResourceSpec
    properties: dict[str, Any]
    physical_id: str


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
        """Delete every resource in reverse order; the stack is gone unless a Delete failed."""
        stack = self._stacks.get(stack_name)
        report = PlayReport(stack_name, "DELETE_COMPLETE")
        if stack is None:
            return report
        for logical_id in reversed(list(stack.resources)):
            held = stack.resources[logical_id]
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
                    undo = self._send("Delete", held.spec, held.properties, source.name, held.physical_id)
                    report.steps.append(Step("rollback", undo))
                    if not undo.ok:
                        report.status = "ROLLBACK_FAILED"
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
        # (logical id, held before, held after, the event succeeded)
        changes: list[tuple[str, DeployedResource | None, DeployedResource | None, bool]] = []
        failed = False
        for spec, props in wanted:
            old = before.get(spec.logical_id)
            if old is not None and old.properties == props and old.spec.function.arn == spec.function.arn:
                after[spec.logical_id] = old
                continue
            if old is None:
                result = self._send("Create", spec, props, source.name)
                report.steps.append(Step("create", result))
            else:
                result = self._send("Update", spec, props, source.name, old.physical_id, old.properties)
                report.steps.append(Step("update", result))
            physical = result.physical_resource_id
            if result.ok and physical:
                held = DeployedResource(spec, props, physical)
                after[spec.logical_id] = held
                changes.append((spec.logical_id, old, held, True))
                continue
            # CloudFormation keeps the old physical ID for a failed update; a failed create that
            # answered with an ID is deleted in rollback.
            failed_held = DeployedResource(spec, props, physical) if old is None and physical else None
            changes.append((spec.logical_id, old, failed_held, False))
            failed = True
            break
        if failed:
            return self._rollback(stack, report, changes)
        removed = [held for logical_id, held in before.items() if logical_id not in after]
        stack.resources = after
        stack.source = source
        for _, old, new, _ok in changes:
            if old is not None and new is not None and new.physical_id != old.physical_id:
                step = self._send("Delete", old.spec, old.properties, source.name, old.physical_id)
                report.steps.append(Step("cleanup", step))
        for held in reversed(removed):
            step = self._send("Delete", held.spec, held.properties, source.name, held.physical_id)
            report.steps.append(Step("cleanup", step))
        return report

    def _rollback(
        self,
        stack: _Stack,
        report: PlayReport,
        changes: list[tuple[str, DeployedResource | None, DeployedResource | None, bool]],
    ) -> PlayReport:
        report.status = "UPDATE_ROLLBACK_COMPLETE"
        name = stack.source.name
        minted: list[DeployedResource] = []
        for logical_id, old, new, ok in reversed(changes):
            if old is None:
                if new is not None:
                    undo = self._send("Delete", new.spec, new.properties, name, new.physical_id)
                    report.steps.append(Step("rollback", undo))
                    if not undo.ok:
                        report.status = "UPDATE_ROLLBACK_FAILED"
                continue
            # The failed resource's held ID is still the old one; an updated one holds its new ID.
            spec = new.spec if new is not None else old.spec
            props = new.properties if new is not None else self._attempted(report, logical_id, old)
            held_id = new.physical_id if ok and new is not None else old.physical_id
            undo = self._send("Update", spec, old.properties, name, held_id, props, resource_spec=old.spec)
            report.steps.append(Step("rollback", undo))
            if not undo.ok:
                report.status = "UPDATE_ROLLBACK_FAILED"
                continue
            restored = undo.physical_resource_id or held_id
            stack.resources[logical_id] = DeployedResource(old.spec, old.properties, restored)
            if new is not None and ok and new.physical_id != restored:
                minted.append(new)
        for held in minted:
            step = self._send("Delete", held.spec, held.properties, name, held.physical_id)
            report.steps.append(Step("cleanup", step))
        return report

    @staticmethod
    def _attempted(report: PlayReport, logical_id: str, old: DeployedResource) -> dict[str, Any]:
        """The properties of the failed Update (the rollback's OldResourceProperties)."""
        for step in reversed(report.steps):
            if step.result.logical_id == logical_id and step.result.request_type == "Update":
                props = dict(step.result.event["ResourceProperties"])
                props.pop("ServiceToken", None)
                return props
        return old.properties

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
        *,
        resource_spec: CustomResourceSpec | None = None,
    ) -> EventResult:
        target = resource_spec or spec
        event = self.event(
            request_type,
            target,
            properties,
            stack_name=stack_name,
            physical_resource_id=physical_id,
            old_properties=old_properties,
        )
        return self.invoke(event, target.function)
