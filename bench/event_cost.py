"""Benchmark 3: Connect calls and handler time per CloudFormation event, on the offline test bed, with the
addresses named by ID and by their email address (the lookup's cost), in one run.

Why: the contract (§5) budgets the calls per event, ownership records (docs/design.md, "Ownership") may
add at most two tag calls (TagResource, UntagResource) to each, and a Delete that answers at once
(crhelper's default sleeps 120 s on Delete) keeps stack deletes and rollbacks short. Each event runs
the staged asset (`connect_email_alias.local.harness`) in its own `python -S -E` process with the Lambda
runtime's SDK (the player's runner), against the Connect emulator seeded with `local/connect/seed.json`,
answering to the HTTPS receiver.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from common import Figure, Result, median, prepare_environment

INSTANCE = "00000000-0000-4000-8000-000000000001"
SUPPORT, HELP, CARE = (
    "11111111-1111-4111-8111-111111111111",
    "22222222-2222-4222-8222-222222222222",
    "33333333-3333-4333-8333-333333333333",
)
EMAILS = {SUPPORT: "support@example.com", HELP: "help@example.com", CARE: "customercare@example.com"}
SEED_ALIASES = {"44444444-4444-4444-8444-444444444444": "55555555-5555-4555-8555-555555555555"}
TAGGING = ("TagResource", "UntagResource")
TAG_BUDGET = 2
# (event, mutating budget, all-calls budget) from contract §5; addresses named by email add one
# SearchEmailAddresses page per 100 addresses of the instance to the events whose properties name one so.
BUDGET = {"Create": (1, 3), "Update-same": (0, 2), "Update-swap": (2, 5), "Delete": (1, 2)}
SEARCHES = {"Create": True, "Update-same": True, "Update-swap": True, "Delete": False}
CRHELPER_DELETE_SLEEP_S = 120
SEED_ADDRESSES = 5


@dataclass(frozen=True)
class Form:
    """How the events name the addresses, and how many the instance holds by then."""

    name: str
    by_email: bool
    addresses: int = SEED_ADDRESSES

    @property
    def pages(self) -> int:
        """SearchEmailAddresses pages one scan of the instance takes (none by ID)."""
        return -(-self.addresses // 100) if self.by_email else 0


# The seed instance, then the same instance grown to 150 addresses (two search pages).
FORMS = (Form("by ID", False), Form("by address", True), Form("by address, 150 addresses", True, 150))


def _props(primary: str, alias: str) -> dict[str, Any]:
    """An address holding '@' is named by its email address, any other by its ID or ARN."""
    return {
        "InstanceId": INSTANCE,
        ("EmailAddress" if "@" in primary else "EmailAddressId"): primary,
        "AliasConfiguration": {("EmailAddress" if "@" in alias else "EmailAddressId"): alias},
    }


def _arn(address_id: str) -> str:
    return f"arn:aws:connect:us-east-1:123456789012:instance/{INSTANCE}/email-address/{address_id}"


def _plan(form: Form) -> list[tuple[str, str, dict[str, Any], dict[str, Any] | None]]:
    """(label, request type, properties, old properties): one lifecycle, the addresses named as `form` says.

    Update-same spells the same pair otherwise (by ID: as ARNs; by address: in other letter case); the swap
    takes a new primary and a new alias, the 5-call path."""
    if not form.by_email:
        first, same, swapped = _props(SUPPORT, HELP), _props(_arn(SUPPORT), _arn(HELP)), _props(HELP, CARE)
    else:
        first = _props(EMAILS[SUPPORT], EMAILS[HELP])
        same = _props(EMAILS[SUPPORT].upper(), EMAILS[HELP].title())
        swapped = _props(EMAILS[HELP], EMAILS[CARE])
    return [
        ("Create", "Create", first, None),
        ("Update-same", "Update", same, first),
        ("Update-swap", "Update", swapped, same),
        ("Delete", "Delete", swapped, None),
    ]


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
    keys = [(form.name, label) for form in FORMS for label in BUDGET]
    calls: dict[tuple[str, str], list[tuple[int, int, int]]] = {k: [] for k in keys}
    tag_calls: dict[tuple[str, str], list[int]] = {k: [] for k in keys}
    handler_ms: dict[tuple[str, str], list[float]] = {k: [] for k in keys}
    wall_s: dict[tuple[str, str], list[float]] = {k: [] for k in keys}
    failures: list[str] = []
    leftover: dict[str, dict[str, str]] = {}
    with (
        staged_asset() as asset,
        ConnectEmulator.from_seed() as emulator,
        ResponseReceiver() as receiver,
        CloudFormationPlayer(receiver, connect_endpoint=emulator.endpoint_url) as player,
    ):
        # The function as the construct declares it, run by the player's runner in its own process.
        function = function_spec(asset, player.env, timeout_s=120.0)
        spec = ResourceSpec("Alias", "Custom::ConnectEmailAddressAlias", {}, function)

        def lifecycle(form: Form) -> None:
            """One Create, Update-same, Update-swap and Delete, named as `form` says, measured."""
            physical: str | None = None
            for label, request_type, props, old in _plan(form):
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
                    failures.append(f"{form.name} {label}: {answer.status} {answer.reason}")
                physical = answer.physical_resource_id or physical
                alias_log = [c for c in log if c.operation not in TAGGING]
                searched = sum(c.operation == "SearchEmailAddresses" for c in alias_log)
                mutated = sum(c.operation in MUTATING for c in alias_log)
                key = (form.name, label)
                calls[key].append((mutated, len(alias_log), searched))
                tag_calls[key].append(len(log) - len(alias_log))
                measured = _handler_ms(answer.logs)
                if measured is not None:
                    handler_ms[key].append(measured)
                wall_s[key].append(answer.wall_time_s)
            leftover[form.name] = emulator.aliases_by_primary(INSTANCE)

        held = SEED_ADDRESSES
        for size in sorted({form.addresses for form in FORMS}):
            # The same instance, grown: its new addresses sort before the seed's, so a scan reads every page.
            for n in range(held, size):
                emulator.create_email_address(INSTANCE, f"agent{n:03}@example.com")
            held = size
            for _ in range(cycles):  # the forms of one instance size interleaved, so their ratios are fair
                for form in (f for f in FORMS if f.addresses == size):
                    lifecycle(form)
    result = Result("3. Per-event cost on the test bed")
    for form in FORMS:
        for label, (mut_budget, all_budget) in BUDGET.items():
            pages = form.pages if SEARCHES[label] else 0
            runs = calls[(form.name, label)]
            mutating, total, searched = (max(run[i] for run in runs) for i in range(3))
            result.figures.append(
                Figure(
                    f"{label} {form.name}: Connect calls mutating / all (max of {cycles})",
                    f"{mutating} / {total}" + (f" ({searched} search pages)" if form.by_email else ""),
                    f"{'<= ' if label == 'Delete' else ''}{mut_budget} / <= {all_budget + pages}",
                    mutating <= mut_budget and total <= all_budget + pages and searched <= pages,
                )
            )
    for label in BUDGET:
        most = max(n for form in FORMS for n in tag_calls[(form.name, label)])
        result.figures.append(
            Figure(f"{label}: ownership's tag calls on top (max of every form and run)", str(most),
                   f"<= {TAG_BUDGET}", most <= TAG_BUDGET)
        )
    deletes = [ms for form in FORMS for ms in handler_ms[(form.name, "Delete")]]
    delete_ms = max(deletes) if deletes else float("nan")
    result.figures.append(
        Figure(
            "Delete: handler time (max of runs; crhelper default would sleep 120 s first)",
            f"{delete_ms:.0f} ms (= {delete_ms / 1000 / CRHELPER_DELETE_SLEEP_S * 100:.3f} % of 120 s)",
            "< 1 s",
            delete_ms < 1000,
        )
    )
    by_id, by_address = FORMS[0].name, FORMS[1].name
    for label in ("Create", "Update-same", "Update-swap"):
        ratio = median(handler_ms[(by_address, label)]) / median(handler_ms[(by_id, label)])
        result.figures.append(
            Figure(f"{label}: handler time by address / by ID (medians, one run)", f"{ratio:.2f}x")
        )
    result.details.append(
        "| event | form | Connect calls: mutating / all (search pages) | handler time, median (ms) "
        "| invocation to answer, median (s) | runs |"
    )
    result.details.append("|---|---|---|---|---|---|")
    for form in FORMS:
        for label in BUDGET:
            key = (form.name, label)
            m, a, searched = calls[key][-1]
            hms = f"{median(handler_ms[key]):.0f}" if handler_ms[key] else "n/a"
            result.details.append(
                f"| {label} | {form.name} | {m} / {a} ({searched}) | {hms} | {median(wall_s[key]):.2f} "
                f"| {len(wall_s[key])} |"
            )
    result.details.append(
        "Connect calls are counted without the tag calls, which have their own row: the owner record is a "
        "tag on the alias address, written when a resource creates or adopts a pair and removed when it "
        "gives the pair up (Create: TagResource; swap: TagResource on the new alias, UntagResource on the "
        "old; Delete: UntagResource); reading it is free, as DescribeEmailAddress returns Tags."
    )
    result.details.append(
        "By address, an event whose properties name an address by its email scans the instance with "
        "SearchEmailAddresses (100 a page, every address compared by the function, both addresses and the "
        "old properties' in one scan, stopping once all are found) before the same calls as by ID; "
        "Delete acts on the PhysicalResourceId, which holds the IDs, and searches nothing. The "
        "150-address rows grow the seed instance with addresses that sort before its own, so every scan "
        "reads both pages."
    )
    result.details.append(
        "Handler time is the `latency_ms` of the function's summary line (event parsed to answer ready); "
        "invocation to answer adds the process start, imports and the HTTPS answer (a cold start every "
        "time). "
        "Each emulator call takes ~40 ms on 127.0.0.1, so handler time is mostly the calls themselves."
    )
    unexpected = {form: left for form, left in leftover.items() if left != SEED_ALIASES}
    if failures or unexpected:
        result.details.append(f"Unexpected: failures {failures}; aliases left {unexpected}")
    return result


if __name__ == "__main__":
    import sys

    run("--quick" in sys.argv).print()
