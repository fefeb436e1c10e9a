"""What a play reports, read like CloudFormation's stack events: the stack's final status and every step.

Each step has its phase and its result: ``status`` (SUCCESS / FAILED / None when the function never
answered), ``reason``, ``physical_resource_id`` and ``data`` (the attributes ``Fn::GetAtt`` reads).
``str(report)`` lists the first failure, then every event with its resource status (``CREATE_FAILED``)
and reason; ``repr(report)``, which pytest shows for ``assert report.ok, report``, is that first failure on
one line, short enough for pytest's cut.
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

    @property
    def resource_status(self) -> str:
        """CloudFormation's word for the outcome: ``CREATE_COMPLETE``, ``UPDATE_FAILED``, ``DELETE_FAILED``.

        A function that never answered is ``..._FAILED`` too: CloudFormation fails it at ServiceTimeout.
        """
        return f"{self.result.request_type.upper()}_{'COMPLETE' if self.result.ok else 'FAILED'}"

    def event(self) -> str:
        """Resource, status, then the reason (or, on success, the physical ID), as a stack event reads."""
        r = self.result
        said = r.reason if r.reason and not r.ok else r.physical_resource_id or ""
        return f"{r.logical_id} {self.resource_status} {said}".rstrip()

    def __str__(self) -> str:
        return f"{self.phase:8} {self.event()}"


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

    @property
    def first_failure(self) -> Step | None:
        """The step that failed first: the cause (the steps after it are the rollback it started)."""
        return next((s for s in self.steps if not s.result.ok), None)

    def sequence(self) -> list[tuple[str, str, str]]:
        """(phase, request type, logical id) of each step, for asserting on event order."""
        return [(s.phase, s.result.request_type, s.result.logical_id) for s in self.steps]

    def __str__(self) -> str:
        """The stack's status, its first failure, then every event in the order it was sent."""
        lines = [f"{self.stack_name}: {self.status}"]
        failed = self.first_failure
        if failed is not None:
            lines.append(f"  first failure: {failed.phase} {failed.event()}")
        lines += [f"  {s}" for s in self.steps]
        lines += [f"  retained {r.spec.logical_id} {r.physical_id}" for r in self.retained]
        return "\n".join(lines)

    def __repr__(self) -> str:
        """One line: the stack's status and its first failure, short enough that pytest's cut of a long
        repr (240 characters at its default verbosity) spares a typical reason; ``print(report)`` lists
        every event."""
        failed = self.first_failure
        if failed is None:
            return f"<PlayReport {self.stack_name} {self.status}, events: {len(self.steps)}>"
        return f"<PlayReport {self.stack_name} {self.status}: {failed.event()}>"
