"""Drift of alias resources, in CloudFormation's own words (``IN_SYNC``, ``MODIFIED``, ``DELETED``).

CloudFormation's drift detection does not look into custom resources (it reports them ``NOT_CHECKED``),
so this compares each resource's record, its PhysicalResourceId (parsed by the function's own
``properties.parse_physical_id``), with Connect: is the pair there, and does the owner record on the alias
name this resource (``contract.owner_tag_value`` of its StackId and logical ID)? Each finding also says
what ``repair`` can do about it through the function (docs/design.md, "Operators' commands").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from .._contract import contract
from ..local.harness import function_source, load_function
from .inventory import Instance, InstanceGone, owner_record, owner_text, read_instance
from .output import Progress
from .stacks import AliasResource, Stack

IN_SYNC, MODIFIED, DELETED, NOT_CHECKED = "IN_SYNC", "MODIFIED", "DELETED", "NOT_CHECKED"
#: What repair does through the function: re-associate a missing pair, or write a missing owner record.
Repair = Literal["restore", "adopt"]


@dataclass(frozen=True)
class ResourceDrift:
    """One resource's drift: CloudFormation's status word, why, and what repair can do (None: nothing)."""

    stack: Stack
    resource: AliasResource
    status: str
    reason: str
    pair: Any = None  # the function's properties.Pair, parsed from the PhysicalResourceId
    repair: Repair | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "StackName": self.stack.name,
            "LogicalResourceId": self.resource.logical_id,
            "PhysicalResourceId": self.resource.physical_id,
            "StackResourceDriftStatus": self.status,
            "Reason": self.reason,
        }


class Drift:
    """Checks resources against Connect, reading each (region, instance) once."""

    def __init__(self, connect: Callable[[str], Any], progress: Progress) -> None:
        self._connect = connect  # region -> Connect client
        self._progress = progress
        self._instances: dict[tuple[str, str], Instance | None] = {}

    def check(self, stacks: Iterable[Stack]) -> list[ResourceDrift]:
        with load_function(function_source()) as code:
            parse_physical_id = code.module("properties").parse_physical_id
        found = []
        for stack in stacks:
            for resource in stack.resources:
                found.append(self._one(stack, resource, parse_physical_id(resource.physical_id)))
                self._progress.note(f"checked {len(found)} resources")
        return found

    def _instance(self, region: str, instance_id: str) -> Instance | None:
        key = (region, instance_id)
        if key not in self._instances:
            try:
                connect = self._connect(region)
                self._instances[key] = read_instance(connect, region, instance_id, self._progress)
            except InstanceGone:
                self._instances[key] = None
        return self._instances[key]

    def _one(self, stack: Stack, resource: AliasResource, pair: Any) -> ResourceDrift:
        def finding(status: str, reason: str, repair: Repair | None = None) -> ResourceDrift:
            return ResourceDrift(stack, resource, status, reason, pair, repair)

        if pair is None:
            return finding(NOT_CHECKED, "not a PhysicalResourceId the provider minted (did its Create fail?)")
        instance = self._instance(pair.region, pair.instance_id)
        if instance is None:
            return finding(DELETED, f"Connect instance {pair.instance_id} no longer exists in {pair.region}")
        primary, alias = instance.addresses.get(pair.primary_id), instance.addresses.get(pair.alias_id)
        if primary is None:
            return finding(DELETED, f"the primary {pair.primary_id} no longer exists")
        if alias is None:
            return finding(DELETED, f"the alias {pair.alias_id} no longer exists")
        if pair.alias_id in primary.alias_ids:
            record = owner_record(self._connect(pair.region), pair.instance_id, pair.alias_id)
            if record == contract.owner_tag_value(stack.stack_id, resource.logical_id, pair.primary_id):
                return finding(IN_SYNC, f"{alias.name} forwards to {primary.name}, owned by this resource")
            if record is None:
                return finding(MODIFIED, f"the owner record on {alias.name} is missing", "adopt")
            return finding(MODIFIED, f"the owner record on {alias.name} names {owner_text(record)}")
        if primary.alias_ids:
            other = instance.address(primary.alias_ids[0]).name
            return finding(MODIFIED, f"{primary.name} now forwards from {other} instead of {alias.name}")
        holder = instance.primary_of(pair.alias_id)
        if holder is not None:
            return finding(DELETED, f"the pair is gone: {alias.name} now forwards to {holder.name}")
        if alias.alias_ids:
            other = instance.address(alias.alias_ids[0]).name
            return finding(DELETED, f"the pair is gone: {alias.name} is a primary, {other} forwards to it")
        return finding(DELETED, f"the pair is gone: {primary.name} has no alias", "restore")
