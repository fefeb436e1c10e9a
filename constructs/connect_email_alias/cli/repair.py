"""Repair: bring back what a stack's alias resources own, through the function's own lifecycle code.

For each resource ``drift`` finds repairable, the harness sends the loaded function the same-pair Update
CloudFormation would send (same StackId, logical ID and PhysicalResourceId, so the owner record is this
resource's): the lifecycle re-creates a missing pair, or adopts an identical pair whose owner record is
missing, exactly as on deploy. Nothing else is sent: a pair another resource owns, a primary that
forwards from another alias, an alias that serves another primary are left as they are, with the reason
(repair never removes or takes over what this resource does not own), and drift keeps reporting them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .._contract import contract
from ..local import Environment
from ..local.harness import function_source, in_process
from .drift import IN_SYNC, NOT_CHECKED, ResourceDrift

_ACTIONS = {
    "restore": "re-associate the pair and write its owner record",
    "adopt": "write the owner record (the pair is as declared)",
}
LEAVE = "left as is: repair never removes or takes over a pair this resource does not own"


def plan_text(drifts: Sequence[ResourceDrift]) -> list[str]:
    """One line per resource that is not in sync: what repair will do, or why it leaves it."""
    lines = []
    for drift in drifts:
        if drift.status == IN_SYNC:
            continue
        where = f"{drift.stack.name}/{drift.resource.logical_id}"
        if drift.repair is not None:
            lines.append(f"  {drift.repair:<8} {where}: {drift.reason}; will {_ACTIONS[drift.repair]}")
        elif drift.status == NOT_CHECKED:
            lines.append(f"  {'skip':<8} {where}: {drift.reason}")
        else:
            lines.append(f"  {'leave':<8} {where}: {drift.reason}; {LEAVE}")
    return lines


def _properties(pair: Any) -> dict[str, Any]:
    """The resource's properties as the pair records them (IDs; the region goes to AWS_REGION)."""
    return {
        contract.INSTANCE_ID: pair.instance_id,
        contract.EMAIL_ADDRESS_ID: pair.primary_id,
        contract.ALIAS_CONFIGURATION: {contract.ALIAS_EMAIL_ADDRESS_ID: pair.alias_id},
    }


def apply(
    drifts: Sequence[ResourceDrift], out: Callable[[str], None], env: Mapping[str, str] | None = None
) -> bool:
    """Send each repairable resource its same-pair Update; True when every one answered SUCCESS.

    `env` goes to the function (e.g. ``AWS_PROFILE``); it runs in this process with the operator's SDK chain.
    """
    todo = [d for d in drifts if d.repair is not None]
    if not todo:
        return True
    first = todo[0].stack
    environment = Environment(first.region, first.account, first.partition)
    succeeded = True
    with in_process(function_source(), environment, env=env) as function:
        for drift in todo:
            props = _properties(drift.pair)
            event = function.event(
                "Update",
                stack_id=drift.stack.stack_id,
                logical_id=drift.resource.logical_id,
                properties=props,
                physical_resource_id=str(drift.resource.physical_id),
                old_properties=props,
            )
            answer = function.send(event, env={"AWS_REGION": drift.pair.region})
            where = f"{drift.stack.name}/{drift.resource.logical_id}"
            if answer is not None and answer.status == "SUCCESS" and not answer.violations:
                out(f"  {where}: {'restored' if drift.repair == 'restore' else 'adopted'}")
                continue
            succeeded = False
            why = (answer.reason or "; ".join(answer.violations)) if answer else "the function did not answer"
            out(f"  {where}: not repaired: {why}")
    return succeeded
