"""What a play reports, read like CloudFormation's event list: the stack's final status and every step.

Each step has its phase and its result: ``status`` (SUCCESS / FAILED / None when the function never
answered), ``reason``, ``physical_resource_id`` and ``data`` (the attributes ``Fn::GetAtt`` reads).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..runtime.runner import Invocation
from .assembly import ResourceSpec

RequestType = Literal["Create", "Update", "Delete"]
Phase = Literal["create", "update", "cleanup", "rollback", "delete"]


@dataclass(frozen=True)
class EventResult:
    """CloudFormation's view of one custom-resource event: the answer (if any), its checks, the logs."""

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
    def resource_type(self) -> str:
        return str(self.event["ResourceType"])

    @property
    def logs(self) -> str:
        return self.invocation.logs


@dataclass(frozen=True)
class ServiceResult:
    """CloudFormation's outcome where no function answered: a resource it handles itself
    (``AWS::Connect::EmailAddress``), or a failure before any event (``Fn::GetAtt`` of a missing one)."""

    request_type: str
    logical_id: str
    resource_type: str
    status: str
    physical_resource_id: str | None
    reason: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "SUCCESS"


Result = EventResult | ServiceResult


@dataclass(frozen=True)
class Step:
    """One event of a stack operation, in the phase CloudFormation sends it."""

    phase: Phase
    result: Result

    def __str__(self) -> str:
        r = self.result
        return (
            f"{self.phase:8} {r.request_type:6} {r.logical_id} -> {r.status} {r.physical_resource_id or ''}"
        )


@dataclass(frozen=True)
class DeployedResource:
    """What CloudFormation holds for a resource: its spec, properties as sent, physical ID, attributes."""

    spec: ResourceSpec
    properties: dict[str, Any]
    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlayReport:
    """A stack operation's final status and steps; ``retained``: what a ``DeletionPolicy`` /
    ``UpdateReplacePolicy`` kept (no Delete, so no step; the physical resource lives on outside the stack)."""

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
