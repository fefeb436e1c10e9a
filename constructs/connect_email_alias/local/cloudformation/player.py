"""Plays CloudFormation offline: stacks deployed, updated, rolled back and destroyed, event by event.

A custom resource gets CloudFormation's events (every property value a string) through a Lambda-like
process (:mod:`..runtime.runner`) and answers to the HTTPS receiver (:mod:`.receiver`); an
``AWS::Connect::EmailAddress`` is played through Connect's API (:mod:`.email_addresses`). ``Ref`` /
``Fn::GetAtt`` resolve to what played resources answered, ``Fn::ImportValue`` to the exports of stacks this
player deployed. A failed update rolls back as CloudFormation does (docs/design.md, "Player"): rollback
Updates in reverse (ResourceProperties = old, OldResourceProperties = attempted), Deletes of what the
attempt created, then cleanup Deletes of the physical IDs it minted. ``Retain`` policies keep a resource.
Each phase plays its resources in dependency order, independent ones at once (:mod:`.schedule`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..environment import Environment
from ..runtime.runner import FunctionSpec, LambdaRunner
from .assembly import ResourceSpec, StackSource
from .email_addresses import EmailAddresses
from .events import custom_resource_event
from .receiver import ResponseReceiver
from .report import DeployedResource, EventResult, Phase, PlayReport, RequestType, Result, ServiceResult, Step
from .schedule import DEFAULT_CONCURRENCY, dependents, play_in_order
from .template import (
    MissingAttributeError,
    Resolver,
    ResourceValues,
    TemplateError,
    cfn_stringify,
    stack_id_for,
)

T = TypeVar("T")


@dataclass(frozen=True)
class _Change:
    """One resource an update sent an event to: what CloudFormation held before, sent, and got back."""

    before: DeployedResource | None  # None: the update created it
    sent: ResourceSpec
    properties: dict[str, Any]
    result: Result

    @property
    def ok(self) -> bool:
        return self.result.ok and bool(self.result.physical_resource_id)

    @property
    def held(self) -> DeployedResource | None:
        """What CloudFormation holds after this event: the answer's ID on success, else the old one."""
        if self.ok:
            return DeployedResource(
                self.sent, self.properties, self.result.physical_resource_id or "", dict(self.result.data)
            )
        return self.before


@dataclass(frozen=True)
class _Undo:
    """What undoing one change of a failed update did: the event sent (if any), or what a policy kept."""

    change: _Change
    result: Result | None = None
    retained: DeployedResource | None = None


@dataclass
class _Stack:
    source: StackSource
    resolver: Resolver
    resources: dict[str, DeployedResource]
    status: str = "CREATE_COMPLETE"
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)


@dataclass(frozen=True)
class StackState:
    """A stack as CloudFormation's read API describes it (:mod:`.read_api`): status, times (``time.time()``),
    the template and what it holds now."""

    name: str
    stack_id: str
    status: str
    created: float
    updated: float
    template: dict[str, Any]
    resources: dict[str, DeployedResource]


class CloudFormationPlayer:
    """Plays stacks: custom resources run locally, email addresses in Connect, CloudFormation's view kept."""

    def __init__(
        self,
        receiver: ResponseReceiver,
        *,
        connect_endpoint: str | None = None,
        env: Environment | None = None,
        runner: LambdaRunner | None = None,
        extra_env: Mapping[str, str] | None = None,
        response_grace_s: float = 1.0,
        max_concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        """``connect_endpoint`` (the emulator's URL) is where functions (as ``AWS_ENDPOINT_URL_CONNECT``) and
        email addresses reach Connect. Independent resources are played at once, as CloudFormation does,
        at most ``max_concurrency`` events (each a process) at a time."""
        self.env = env or Environment()
        self.receiver = receiver
        base = {"SSL_CERT_FILE": str(receiver.ca_bundle), **(extra_env or {})}
        if connect_endpoint is not None:
            base["AWS_ENDPOINT_URL_CONNECT"] = connect_endpoint
        self._own_runner = runner is None
        self.runner = runner or LambdaRunner(self.env)
        self.runner.base_env = {**base, **self.runner.base_env}
        self.response_grace_s = response_grace_s
        self.max_concurrency = max_concurrency
        self._connect_endpoint = connect_endpoint
        self._email_addresses: EmailAddresses | None = None
        self._lock = threading.Lock()  # what events played at once share: held resources, the Connect client
        self._stacks: dict[str, _Stack] = {}
        self._exports: dict[str, tuple[str, Any]] = {}  # export name -> (stack name, value)

    def close(self) -> None:
        if self._own_runner:
            self.runner.close()

    def __enter__(self) -> CloudFormationPlayer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def event(
        self,
        request_type: RequestType,
        resource: ResourceSpec,
        properties: Mapping[str, Any],
        *,
        stack_name: str,
        physical_resource_id: str | None = None,
        old_properties: Mapping[str, Any] | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """A custom-resource event exactly as CloudFormation sends it (:mod:`.events`)."""
        if resource.function is None:
            raise ValueError(f"{resource.logical_id} is not a custom resource: no function gets events")
        return custom_resource_event(
            request_type,
            receiver=self.receiver,
            stack_id=stack_id_for(stack_name, self.env),
            logical_id=resource.logical_id,
            resource_type=resource.resource_type,
            service_token=resource.function.arn,
            properties=properties,
            physical_resource_id=physical_resource_id,
            old_properties=old_properties,
            request_id=request_id,
        )

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
        clock = self.runner.clock  # the receiver stamps answers on real time; the clock may be virtual
        began = clock()
        invocation = self.runner.invoke(function, event, timeout_s=timeout_s, env=env)
        answer = self.receiver.wait_for(request_id, self.response_grace_s, count=seen + 1)
        answered = clock.at(answer.received_at) if answer else None
        return EventResult(
            event=dict(event),
            status=answer.status if answer else None,
            reason=answer.reason if answer else "no response: CloudFormation would wait for ServiceTimeout",
            physical_resource_id=answer.physical_resource_id if answer else None,
            data=answer.data if answer else {},
            validation_errors=answer.violations if answer else (),
            wall_time_s=(answered if answered is not None else invocation.ended) - began,
            answered_before_deadline=answered is not None and answered <= invocation.deadline,
            timed_out=invocation.timed_out,
            responses=len(self.receiver.responses(request_id)) - seen,
            invocation=invocation,
        )

    def resources(self, stack_name: str) -> dict[str, DeployedResource]:
        """What CloudFormation holds for the stack now, by logical ID (empty when it does not exist)."""
        stack = self._stacks.get(stack_name)
        return dict(stack.resources) if stack else {}

    def outputs(self, stack_name: str) -> dict[str, Any]:
        """The stack's Outputs resolved from what it holds now (those naming unplayed resources left out)."""
        return {k: value for k, (value, _) in self._outputs(self._stacks.get(stack_name)).items()}

    def stacks(self) -> list[StackState]:
        """Every stack this player holds now (deployed, not destroyed), in the order they were created."""
        return [
            StackState(
                name, stack_id_for(name, self.env), held.status, held.created, held.updated,
                held.source.template, dict(held.resources),
            )
            for name, held in self._stacks.items()
        ]

    def deploy(self, source: StackSource, parameters: Mapping[str, str] | None = None) -> PlayReport:
        """Create the stack, or update it when it exists (like ``cdk deploy``).

        Raises :class:`TemplateError`, before sending anything, when the template uses what the player
        cannot play (the message names the resource and property).
        """
        exports = {name: value for name, (_, value) in self._exports.items()}
        outputs = {name: self.outputs(name) for name in self._stacks if name != source.name}
        resolver = Resolver(
            source.template, source.name, self.env, parameters, exports=exports, stack_outputs=outputs
        )
        plan = source.played_resources(resolver)
        self._check(source, resolver, plan)
        play = self._update if source.name in self._stacks else self._create
        report = play(source, resolver, plan)
        held = self._stacks.get(source.name)
        if held is not None:
            held.status, held.updated = report.status, time.time()
        self._publish(source.name)
        return report

    def destroy(self, stack_name: str) -> PlayReport:
        """Delete every resource in reverse dependency order, keeping retained ones; gone unless a Delete
        failed."""
        stack = self._stacks.get(stack_name)
        report = PlayReport(stack_name, "DELETE_COMPLETE")
        if stack is None:
            return report
        held = list(reversed(stack.resources.values()))
        deleted = self._delete_all([(h, h.spec.retained_on_delete) for h in held], "delete", report)
        for resource, gone in zip(held, deleted, strict=True):
            if gone:
                del stack.resources[resource.spec.logical_id]
            else:
                report.status = "DELETE_FAILED"
        if report.ok:
            del self._stacks[stack_name]
        self._publish(stack_name)
        return report

    def _create(self, source: StackSource, resolver: Resolver, plan: list[ResourceSpec]) -> PlayReport:
        report = PlayReport(source.name, "CREATE_COMPLETE")
        specs = {spec.logical_id: spec for spec in plan}
        created: dict[str, DeployedResource] = {}

        def create(logical_id: str) -> Result:
            spec = specs[logical_id]
            with self._lock:
                held = dict(created)  # what this one references is done by now
            props, failure = self._properties(spec, source, resolver, held, "Create")
            result = failure or self._send("Create", spec, props, source.name)
            if result.physical_resource_id:
                with self._lock:
                    created[logical_id] = DeployedResource(
                        spec, props, result.physical_resource_id, dict(result.data)
                    )
            return result

        results = self._play(plan, create, lambda result: not result.ok)
        report.steps += [Step("create", result) for result in results.values()]
        in_order = [created[k] for k in specs if k in created]
        if not all(result.ok for result in results.values()):
            # A failed create rolls back by deleting everything created, the failed one included when it
            # answered with a physical ID (CloudFormation sends that one a Delete too).
            report.status = "ROLLBACK_COMPLETE"
            undo = [(held, held.spec.retained_on_rollback_of_create) for held in reversed(in_order)]
            if not all(self._delete_all(undo, "rollback", report)):
                report.status = "ROLLBACK_FAILED"
            return report
        self._stacks[source.name] = _Stack(source, resolver, {h.spec.logical_id: h for h in in_order})
        return report

    def _update(self, source: StackSource, resolver: Resolver, plan: list[ResourceSpec]) -> PlayReport:
        stack = self._stacks[source.name]
        report = PlayReport(source.name, "UPDATE_COMPLETE")
        specs = {spec.logical_id: spec for spec in plan}
        before = dict(stack.resources)
        after: dict[str, DeployedResource] = {}

        def update(logical_id: str) -> _Change | None:
            spec, old = specs[logical_id], before.get(logical_id)
            request: RequestType = "Create" if old is None else "Update"
            with self._lock:
                held = dict(after)  # what this one references is done by now
            props, failure = self._properties(spec, source, resolver, held, request)
            same = (
                old is not None and old.properties == props and old.spec.service_token == spec.service_token
            )
            if old is not None and same and failure is None:
                # Unchanged: no event; a new DeletionPolicy or UpdateReplacePolicy still applies.
                kept = DeployedResource(spec, old.properties, old.physical_id, old.attributes)
                with self._lock:
                    after[logical_id] = kept
                return None
            change = _Change(old, spec, props, failure or self._send(request, spec, props, source.name, old))
            if change.ok and change.held is not None:
                with self._lock:
                    after[logical_id] = change.held
            return change

        played = self._play(plan, update, lambda change: change is not None and not change.ok)
        changes = [change for change in played.values() if change is not None]
        report.steps += [Step("create" if c.before is None else "update", c.result) for c in changes]
        if not all(change.ok for change in changes):
            return self._rollback(stack, report, changes)
        removed = [held for logical_id, held in before.items() if logical_id not in after]
        stack.resources = {k: after[k] for k in specs if k in after}
        stack.source, stack.resolver = source, resolver
        replaced = [
            (c.before, c.sent.retained_on_replace)
            for c in changes
            if c.before is not None and c.held is not None and c.held.physical_id != c.before.physical_id
        ]
        gone = [(held, held.spec.retained_on_delete) for held in reversed(removed)]
        self._delete_all([*replaced, *gone], "cleanup", report)
        return report

    def _rollback(self, stack: _Stack, report: PlayReport, changes: list[_Change]) -> PlayReport:
        """Undo the events the attempt sent, in reverse dependency order; then clean up the physical IDs
        it minted."""
        report.status = "UPDATE_ROLLBACK_COMPLETE"
        undoing = list(reversed(changes))

        def undo(key: str) -> _Undo:
            change = undoing[int(key)]
            old = change.before
            if old is None:
                # Created by the attempt: deleted, unless it answered no ID or ``Retain`` keeps it.
                answered = change.result.physical_resource_id
                created = DeployedResource(
                    change.sent, change.properties, answered or "", dict(change.result.data)
                )
                if not answered:
                    return _Undo(change)
                if change.sent.retained_on_rollback_of_create:
                    return _Undo(change, retained=created)
                deleted = self._send("Delete", change.sent, created.properties, report.stack_name, created)
                return _Undo(change, deleted)
            # The failed resource's held ID is still the old one; an updated one holds its new ID.
            held = change.held or old
            attempted = DeployedResource(old.spec, change.properties, held.physical_id)
            return _Undo(change, self._send("Update", old.spec, old.properties, stack.source.name, attempted))

        specs = [change.sent for change in undoing]
        undone = play_in_order(
            [str(i) for i in range(len(undoing))], _delete_order(specs), undo, limit=self.max_concurrency
        )
        minted: list[tuple[DeployedResource, bool]] = []
        for done in undone.values():
            change, result = done.change, done.result
            if done.retained is not None:
                report.retained.append(done.retained)
            if result is None:
                continue
            report.steps.append(Step("rollback", result))
            if not result.ok:
                report.status = "UPDATE_ROLLBACK_FAILED"
                continue
            old = change.before
            if old is None:
                continue
            held = change.held or old
            restored = result.physical_resource_id or held.physical_id
            stack.resources[old.spec.logical_id] = DeployedResource(
                old.spec, old.properties, restored, dict(result.data) or old.attributes
            )
            if change.ok and held.physical_id != restored:
                minted.append((held, old.spec.retained_on_replace))
        self._delete_all(minted, "cleanup", report)
        return report

    def _play(
        self, plan: list[ResourceSpec], act: Callable[[str], T], failed: Callable[[T], bool]
    ) -> dict[str, T]:
        """``act(logical_id)`` for each resource of ``plan`` once what it depends on is done, independent ones
        at once; a result ``failed`` calls a failure starts nothing new. Results in ``plan`` order."""
        keys = [spec.logical_id for spec in plan]
        waits = {spec.logical_id: spec.depends_on for spec in plan}
        return play_in_order(keys, waits, act, failed=failed, limit=self.max_concurrency)

    def _delete_all(
        self, items: Sequence[tuple[DeployedResource, bool]], phase: Phase, report: PlayReport
    ) -> list[bool]:
        """Send each held resource its Delete, or record it as retained when the flag beside it says its
        policy keeps it; each after the items that depend on it, independent ones at once. Steps and
        retained resources are listed in ``items`` order; returns, per item, whether it is gone (or kept)."""

        def delete(key: str) -> Result | None:
            held, keep = items[int(key)]
            if keep:
                return None
            return self._send("Delete", held.spec, held.properties, report.stack_name, held)

        keys = [str(i) for i in range(len(items))]
        waits = _delete_order([held.spec for held, _ in items])
        results = play_in_order(keys, waits, delete, limit=self.max_concurrency)
        outcome = []
        for key, (held, _) in zip(keys, items, strict=True):
            result = results[key]
            if result is None:
                report.retained.append(held)
            else:
                report.steps.append(Step(phase, result))
            outcome.append(result is None or result.ok)
        return outcome

    def _check(self, source: StackSource, resolver: Resolver, plan: list[ResourceSpec]) -> None:
        """Every property resolves (references stand in for values), before any event is sent."""
        planned = {spec.logical_id for spec in plan}

        def placeholder(logical_id: str, attribute: str | None, where: str) -> Any:
            if logical_id in planned:
                return f"<{logical_id}.{attribute or 'Ref'}>"
            return _unplayed(source, resolver, logical_id, attribute, where)

        checking = resolver.with_resources(placeholder)
        for spec in plan:
            if spec.function is None and self._connect_endpoint is None:
                raise TemplateError(
                    f"resource {spec.logical_id} ({spec.resource_type}) is played through Connect's API: "
                    "give CloudFormationPlayer(connect_endpoint=emulator.endpoint_url)"
                )
            for key, value in spec.raw_properties.items():
                if key != "ServiceToken":
                    checking.resolve(value, f"resource {spec.logical_id} property {key}")

    def _properties(
        self,
        spec: ResourceSpec,
        source: StackSource,
        resolver: Resolver,
        held: Mapping[str, DeployedResource],
        request_type: RequestType,
    ) -> tuple[dict[str, Any], ServiceResult | None]:
        """The properties as sent, resolved from what is held now; or the failure CloudFormation reports."""
        resolving = resolver.with_resources(_held_values(source, resolver, held))
        try:
            resolved = {
                k: resolving.resolve(v, f"resource {spec.logical_id} property {k}")
                for k, v in spec.raw_properties.items()
                if k != "ServiceToken"
            }
        except MissingAttributeError as error:
            failed = ServiceResult(
                request_type, spec.logical_id, spec.resource_type, "FAILED", None, str(error)
            )
            return {}, failed
        return dict(cfn_stringify(resolved)), None

    def _outputs(self, stack: _Stack | None) -> dict[str, tuple[Any, str | None]]:
        """Output id -> (value, export name or None), for the outputs that resolve from what is held."""
        if stack is None:
            return {}
        resolving = stack.resolver.with_resources(_held_values(stack.source, stack.resolver, stack.resources))
        found: dict[str, tuple[Any, str | None]] = {}
        for output_id, output in (stack.source.template.get("Outputs") or {}).items():
            where = f"stack {stack.source.name} output {output_id}"
            export = (output.get("Export") or {}).get("Name")
            try:
                found[output_id] = (
                    resolving.resolve(output.get("Value"), where),
                    None if export is None else str(resolving.resolve(export, f"{where} Export")),
                )
            except TemplateError:
                continue
        return found

    def _publish(self, stack_name: str) -> None:
        """The stack's exports, as it holds them now, for other stacks' ``Fn::ImportValue``."""
        self._exports = {k: v for k, v in self._exports.items() if v[0] != stack_name}
        for value, export in self._outputs(self._stacks.get(stack_name)).values():
            if export is not None:
                self._exports[export] = (stack_name, value)

    def _send(
        self,
        request_type: RequestType,
        spec: ResourceSpec,
        properties: Mapping[str, Any],
        stack_name: str,
        held: DeployedResource | None = None,
    ) -> Result:
        """One event; ``held`` (Update, Delete) gives the physical ID and an Update's old properties."""
        physical_id = held.physical_id if held else None
        old_properties = held.properties if held and request_type == "Update" else None
        if spec.function is None:
            with self._lock:
                if self._email_addresses is None:
                    if self._connect_endpoint is None:
                        raise TemplateError(
                            "email addresses are played through Connect's API: give connect_endpoint"
                        )
                    self._email_addresses = EmailAddresses(self._connect_endpoint, self.env)
            return self._email_addresses.apply(
                request_type, spec.logical_id, properties, physical_id, old_properties
            )
        event = self.event(
            request_type,
            spec,
            properties,
            stack_name=stack_name,
            physical_resource_id=physical_id,
            old_properties=old_properties,
        )
        return self.invoke(event, spec.function)


def _delete_order(specs: Sequence[ResourceSpec]) -> dict[str, set[str]]:
    """For deletes of ``specs`` (keyed by position): each waits for the ones that depend on it."""
    positions: dict[str, list[str]] = {}
    for i, spec in enumerate(specs):
        positions.setdefault(spec.logical_id, []).append(str(i))
    needs = {
        str(i): {p for d in spec.depends_on for p in positions.get(d, ())} for i, spec in enumerate(specs)
    }
    return dependents(needs)


def _held_values(
    source: StackSource, resolver: Resolver, held: Mapping[str, DeployedResource]
) -> ResourceValues:
    """``Ref`` / ``Fn::GetAtt`` of what CloudFormation holds: the physical ID, or the answer's attribute."""

    def value(logical_id: str, attribute: str | None, where: str) -> Any:
        resource = held.get(logical_id)
        if resource is None:
            return _unplayed(source, resolver, logical_id, attribute, where)
        if attribute is None:
            return resource.physical_id
        if attribute not in resource.attributes:
            raise MissingAttributeError(f"{where}: {logical_id}'s answer has no attribute {attribute}")
        return resource.attributes[attribute]

    return value


def _unplayed(
    source: StackSource, resolver: Resolver, logical_id: str, attribute: str | None, where: str
) -> Any:
    """``Ref`` / ``Fn::GetAtt`` of a resource the player does not play: a function's name or ARN only."""
    resource = source.resources().get(logical_id)
    if resource is None:
        raise TemplateError(f"{where}: {logical_id} is not a parameter or a resource of stack {source.name}")
    kind = resource.get("Type")
    if kind == "AWS::Lambda::Function" and attribute in (None, "Arn"):
        function = source.function(logical_id, resolver)
        return function.arn if attribute == "Arn" else function.function_name
    raise TemplateError(f"{where}: {logical_id} is {kind}, which the player does not play")
