"""Benchmark 3: Connect calls and handler time per CloudFormation event, on the offline test bed.

Why: the contract (§5) budgets the calls per event, ownership records (docs/design.md, "Ownership") may
add at most two tag calls (TagResource, UntagResource) to each, and a Delete that answers at once
(crhelper's default sleeps 120 s on Delete) keeps stack deletes and rollbacks short. Each event runs
the staged asset (`connect_email_alias.local.harness`) in its own `python -S -E` process with the Lambda
runtime's SDK (the player's runner), against the Connect emulator seeded with `local/connect/seed.json`,
answering to the HTTPS receiver.
"""

from __future__ import annotations

import json
from typing import Any

from common import Figure, Result, median, prepare_environment

INSTANCE = "00000000-0000-4000-8000-000000000001"
SUPPORT, HELP, CARE = (
    "11111111-1111-4111-8111-111111111111",
    "22222222-2222-4222-8222-222222222222",
    "33333333-3333-4333-8333-333333333333",
)
SEED_ALIASES = {"44444444-4444-4444-8444-444444444444": "55555555-5555-4555-8555-555555555555"}
TAGGING = ("TagResource", "UntagResource")
TAG_BUDGET = 2
# (event, mutating budget, all-calls budget) from contract §5.
BUDGET = {"Create": (1, 3), "Update-same": (0, 2), "Update-swap": (2, 5), "Delete": (1, 2)}
CRHELPER_DELETE_SLEEP_S = 120


def _props(primary: str, alias: str) -> dict[str, Any]:
    return {
        "InstanceId": INSTANCE,
        "EmailAddressId": primary,
        "AliasConfiguration": {"EmailAddressId": alias},
    }


def _arn(address_id: str) -> str:
    return f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/email-address/{address_id}"


def _handler_ms(logs: str) -> float | None:
    """`latency_ms` of the function's one summary line per event (the JSON `message` with `request_type`)."""
    for line in logs.splitlines():
        start = line.find("{")
        if start < 0:
            continue
        try:
            record = json.loads(line[start:])
        except ValueError:
            continue
        message = record.get("message") if isinstance(record, dict) else None  # crhelper's JSON log shape
        if isinstance(message, dict) and "request_type" in message and "latency_ms" in message:
            return float(message["latency_ms"])
    return None


def run(quick: bool = False) -> Result:
    prepare_environment()
    from connect_email_alias.local import CloudFormationPlayer, ConnectEmulator, ResponseReceiver
    from connect_email_alias.local.cloudformation.assembly import ResourceSpec
    from connect_email_alias.local.harness import function_spec, staged_asset

    from tests.support.calls import MUTATING

    cycles = 1 if quick else 5
    calls: dict[str, list[tuple[int, int]]] = {k: [] for k in BUDGET}
    tag_calls: dict[str, list[int]] = {k: [] for k in BUDGET}
    handler_ms: dict[str, list[float]] = {k: [] for k in BUDGET}
    wall_s: dict[str, list[float]] = {k: [] for k in BUDGET}
    failures: list[str] = []
    with (
        staged_asset() as asset,
        ConnectEmulator.from_seed() as emulator,
        ResponseReceiver() as receiver,
        CloudFormationPlayer(receiver, connect_endpoint=emulator.endpoint_url) as player,
    ):
        # The function as the construct declares it, run by the player's runner in its own process.
        function = function_spec(asset, player.env, timeout_s=120.0)
        spec = ResourceSpec("Alias", "Custom::ConnectEmailAddressAlias", {}, function)
        first = _props(SUPPORT, HELP)
        same = _props(_arn(SUPPORT), _arn(HELP))  # the same pair written as ARNs
        swapped = _props(HELP, CARE)  # new primary and new alias: the 5-call path
        for _ in range(cycles):
            physical: str | None = None
            plan = (
                ("Create", "Create", first, None),
                ("Update-same", "Update", same, first),
                ("Update-swap", "Update", swapped, same),
                ("Delete", "Delete", swapped, None),
            )
            for label, request_type, props, old in plan:
                event = player.event(
                    request_type,
                    spec,
                    props,
                    stack_name="Bench",
                    physical_resource_id=physical,
                    old_properties=old,
                )
                emulator.clear_calls()
                answer = player.invoke(event, function)
                log = emulator.calls
                if not answer.ok or answer.validation_errors:
                    failures.append(f"{label}: {answer.status} {answer.reason} {answer.validation_errors}")
                physical = answer.physical_resource_id or physical
                alias_log = [c for c in log if c.operation not in TAGGING]
                calls[label].append((sum(c.operation in MUTATING for c in alias_log), len(alias_log)))
                tag_calls[label].append(len(log) - len(alias_log))
                measured = _handler_ms(answer.logs)
                if measured is not None:
                    handler_ms[label].append(measured)
                wall_s[label].append(answer.wall_time_s)
        leftover = emulator.aliases_by_primary(INSTANCE)
    result = Result("3. Per-event cost on the test bed")
    for label, (mut_budget, all_budget) in BUDGET.items():
        mutating = max(m for m, _ in calls[label])
        total = max(a for _, a in calls[label])
        met = mutating <= mut_budget and total <= all_budget
        result.figures.append(
            Figure(
                f"{label}: Connect calls mutating / all (max of {cycles})",
                f"{mutating} / {total}",
                f"{mut_budget} / <= {all_budget}"
                if label != "Delete"
                else f"<= {mut_budget} / <= {all_budget}",
                met,
            )
        )
    for label in BUDGET:
        most = max(tag_calls[label])
        result.figures.append(
            Figure(
                f"{label}: ownership's tag calls on top (max of {cycles})",
                str(most),
                f"<= {TAG_BUDGET}",
                most <= TAG_BUDGET,
            )
        )
    delete_ms = max(handler_ms["Delete"]) if handler_ms["Delete"] else float("nan")
    result.figures.append(
        Figure(
            "Delete: handler time (max of runs; crhelper default would sleep 120 s first)",
            f"{delete_ms:.0f} ms (= {delete_ms / 1000 / CRHELPER_DELETE_SLEEP_S * 100:.3f} % of 120 s)",
            "< 1 s",
            delete_ms < 1000,
        )
    )
    result.details.append("| event | handler time, median (ms) | invocation to answer, median (s) | runs |")
    result.details.append("|---|---|---|---|")
    for label in BUDGET:
        hms = f"{median(handler_ms[label]):.0f}" if handler_ms[label] else "n/a"
        result.details.append(f"| {label} | {hms} | {median(wall_s[label]):.2f} | {len(wall_s[label])} |")
    result.details.append(
        "Connect calls are counted without the tag calls, which have their own row: the owner record is a "
        "tag on the alias address, written when a resource creates or adopts a pair and removed when it "
        "gives the pair up (Create: TagResource; swap: TagResource on the new alias, UntagResource on the "
        "old; Delete: UntagResource); reading it is free, as DescribeEmailAddress returns Tags."
    )
    result.details.append(
        "Handler time is the `latency_ms` of the function's summary line (event parsed to answer ready); "
        "invocation to answer adds the process start, imports and the HTTPS answer (a cold start every "
        "time). "
        "Each emulator call takes ~40 ms on 127.0.0.1, so handler time is mostly the calls themselves."
    )
    if failures or leftover != SEED_ALIASES:
        result.details.append(f"Unexpected: failures {failures}; aliases left {leftover}")
    return result


if __name__ == "__main__":
    import sys

    run("--quick" in sys.argv).print()
