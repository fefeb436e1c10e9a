"""Fault matrix: the real function from app.py's cdk.out, played by the CloudFormation player against a
misbehaving Connect emulator. Each case checks what a user cares about — the alias relations Connect ends
with, the answer CloudFormation got (status, reason, PhysicalResourceId) and that it came before the
deadline — and adds a row to docs/fault-matrix.md."""

from __future__ import annotations

import copy
import re
import threading
import time

import pytest
from connect_email_alias.local import StackSource

from tests.reliability.conftest import MATRIX_CASES, MATRIX_DOC, committed_rows, pairs_text, record
from tests.support.assembly import DEMO_STACK
from tests.support.resources import properties as props
from tests.support.seed import CARE, HELP, INFO, INSTANCE, SALES, SUPPORT
from tests.support.stack_bed import StackBed

pytestmark = pytest.mark.slow

SEEDED = {SALES: INFO}
DEPLOYED = {SUPPORT: HELP, **SEEDED}  # after the demo stack's Create
SWAPPED = {SUPPORT: CARE, **SEEDED}
ASSOCIATE, DISASSOCIATE, DESCRIBE = (
    "AssociateEmailAddressAlias",
    "DisassociateEmailAddressAlias",
    "DescribeEmailAddress",
)


def check(case: str, bed: StackBed, result, expected: dict[str, str] | None) -> None:
    """Assert the final Connect state (None: the instance is gone), then record the row (which must be the
    one docs/fault-matrix.md shows)."""
    observed = bed.state()
    assert observed == expected, (case, observed, result)
    record(
        case,
        pairs_text(expected) if expected is not None else "(instance gone)",
        pairs_text(observed) if observed is not None else "(instance gone)",
        result,
    )


def test_the_committed_matrix_has_one_row_per_case_in_order():
    """docs/fault-matrix.md lists exactly the cases below, numbered in table order (no stale row)."""
    assert list(committed_rows()) == MATRIX_CASES
    numbers = [int(n) for n in re.findall(r"^\| (\d+) \|", MATRIX_DOC.read_text(), flags=re.M)]
    assert numbers == list(range(1, len(MATRIX_CASES) + 1))


def assert_swapped(bed: StackBed, result) -> None:
    assert result.ok, result
    assert result.physical_resource_id != bed.held.physical_id
    assert result.data["AliasEmailAddressId"] == CARE


def assert_failed_with_old_id(bed: StackBed, result, *words: str) -> None:
    assert result.status == "FAILED", result
    assert result.physical_resource_id == bed.held.physical_id, result
    for word in words:
        assert word.lower() in (result.reason or "").lower(), result.reason


# -- throttling, 5xx, dropped answers, locks, latency ----------------------------------------------


@pytest.mark.parametrize("operation", [DESCRIBE, DISASSOCIATE, ASSOCIATE, "*"])
def test_throttling_burst_during_a_swap_is_retried(bed: StackBed, operation: str):
    """A burst of 429s (3 in a row, then a 4/s bucket) only slows a swap down."""
    bed.emulator.faults.fail_next(operation, 3, error="ThrottlingException")
    bed.emulator.faults.rate_limit(operation, 4.0, burst=2)
    # Three throttles in a row cost the backoff 2 + 6 + 18 s at most (docs/design.md § Handler, "Retry
    # numbers"): more than the bed's 30 s, so this event gets the deadline a slowed-down swap is sized for.
    result = bed.swap(CARE, timeout_s=120)
    check(f"throttling burst on {operation}, swap", bed, result, SWAPPED)
    assert_swapped(bed, result)
    assert bed.mutations() == [DISASSOCIATE, ASSOCIATE]


@pytest.mark.parametrize(
    ("step", "operation", "fault"),
    [
        ("describe", DESCRIBE, {"error": "InternalServiceException"}),
        ("disassociate", DISASSOCIATE, {"error": None, "status": 503}),
        ("associate", ASSOCIATE, {"error": "InternalServiceException"}),
        ("associate, answer lost after acting", ASSOCIATE, {"error": None, "status": 502, "after": True}),
    ],
)
def test_5xx_on_a_swap_step_is_retried(bed: StackBed, step: str, operation: str, fault: dict):
    """Two 5xx in a row on one step: retried (same ClientToken), the swap completes exactly once."""
    bed.emulator.faults.fail_next(operation, 2 if not fault.get("after") else 1, **fault)
    result = bed.swap(CARE)
    check(f"5xx on {step}, swap", bed, result, SWAPPED)
    assert_swapped(bed, result)
    tokens = {c.client_token for c in bed.emulator.calls if c.operation == ASSOCIATE}
    assert len(tokens) == 1, "a retried associate must reuse its ClientToken"


def test_dropped_connections_on_associate_are_retried(bed: StackBed):
    bed.emulator.faults.drop_next(ASSOCIATE, 2, mode="reset")
    result = bed.swap(CARE)
    check("connection reset twice on associate, swap", bed, result, SWAPPED)
    assert_swapped(bed, result)


def test_5xx_on_the_restore_after_a_refused_swap(bed: StackBed):
    """The new association is refused for good; the restore of the old pair meets two 5xx and still lands."""
    bed.emulator.faults.fail_next(ASSOCIATE, 1, error="InvalidParameterException", message="Injected refusal")
    bed.emulator.faults.fail_next(ASSOCIATE, 2, error="InternalServiceException")
    result = bed.swap(CARE)
    check("associate refused, 5xx on the restore", bed, result, DEPLOYED)
    assert_failed_with_old_id(bed, result, "the old pair was restored")


def test_transient_lock_is_waited_out(bed: StackBed):
    """Connect's distributed lock for 3 s (describe shows no real conflict): waited out, swap done."""
    bed.emulator.faults.lock([SUPPORT, HELP, CARE], 3.0)
    result = bed.swap(CARE)
    check("transient lock (3 s) on all three addresses, swap", bed, result, SWAPPED)
    assert_swapped(bed, result)


def test_latency_eating_most_of_a_short_deadline(bed: StackBed):
    """2 s per call with a 20 s function timeout: the swap's seven calls (five, plus the owner record's two
    tag calls) still fit, answered in time."""
    bed.emulator.faults.latency("*", 2.0)
    result = bed.swap(CARE, timeout_s=20)
    check("2 s latency per call, 20 s deadline, swap", bed, result, SWAPPED)
    assert_swapped(bed, result)


def test_throttled_for_good_fails_in_time_and_changes_nothing(bed: StackBed):
    """Connect throttles every call for the whole invocation: FAILED before the deadline, nothing changed."""
    bed.emulator.faults.rate_limit("*", 0.0, burst=1)
    bed.emulator.faults.fail_next(DESCRIBE, 1, error="ThrottlingException")
    result = bed.swap(CARE, timeout_s=15)
    check("throttled for the whole invocation (15 s deadline), swap", bed, result, DEPLOYED)
    assert_failed_with_old_id(bed, result)
    assert bed.attempted_mutations() == []


# -- timeouts and CloudFormation's rollback ----------------------------------------------------------


def rollback(bed: StackBed, attempted: dict, held_id: str):
    """CloudFormation's rollback Update: back to the deployed properties from the attempted ones."""
    return bed.send("Update", bed.held.properties, physical_id=held_id, old=attempted)


@pytest.mark.real_time  # socket timeouts and the emulator's latency are real: so is this test's clock
def test_timeout_mid_swap_then_rollback_restores_the_old_pair(bed: StackBed):
    """The old pair is removed (slowly), then associate hangs past a 10 s deadline: crhelper's timeout
    answer goes out in time with the old id; Connect applies the in-flight associate late; CloudFormation's
    rollback Update converges back to the old pair."""
    bed.emulator.faults.latency(DISASSOCIATE, 3.5)
    bed.emulator.faults.latency(ASSOCIATE, 9.0)
    result = bed.swap(CARE, timeout_s=10)
    # Which of the two answers wins depends on scheduling: crhelper's timer or the call's read timeout.
    assert_failed_with_old_id(bed, result)
    reason = result.reason or ""
    assert "ran out of time" in reason or ("ReadTimeoutError" in reason and "OutOfTime" in reason), reason
    mid = bed.state()
    assert mid == SEEDED, "the old pair was removed and the new one not yet made"
    record(
        "timeout mid-swap (associate hangs 9 s, 10 s deadline)",
        pairs_text(SEEDED),
        pairs_text(mid),
        result,
        "FAILED pair(support@, help@): either `The function ran out of time before Connect answered; ...` or "
        "`AssociateEmailAddressAlias ... kept failing (ReadTimeoutError) ... Restoring the old pair ... also "
        "failed: OutOfTime.`",
    )
    bed.wait_for_call(ASSOCIATE, 1)  # the in-flight associate lands late
    late = bed.state()
    bed.emulator.faults.clear()
    undo = rollback(bed, props(SUPPORT, CARE), bed.held.physical_id)
    check("rollback Update after the timed-out swap (late associate landed)", bed, undo, DEPLOYED)
    assert late == SWAPPED
    assert undo.ok and undo.physical_resource_id == bed.held.physical_id


def test_swap_whose_restore_also_fails_then_rollback(bed: StackBed):
    """Every associate is dropped: neither the new pair nor the restore lands (the reason says so);
    CloudFormation's rollback then re-creates the old pair."""
    bed.emulator.faults.drop_next(ASSOCIATE, 1000)
    result = bed.swap(CARE, timeout_s=20)
    check("every associate dropped (20 s deadline): swap and restore fail", bed, result, SEEDED)
    assert_failed_with_old_id(bed, result, "restoring the old pair", "also failed")
    bed.emulator.faults.clear()
    undo = rollback(bed, props(SUPPORT, CARE), bed.held.physical_id)
    check("rollback Update after the failed restore", bed, undo, DEPLOYED)
    assert undo.ok and undo.physical_resource_id == bed.held.physical_id


def test_failed_update_rolls_back_through_the_player(bed: StackBed, demo_stack):
    """A real stack update (cdk deploy with a new alias) whose associate Connect refuses for good: the old
    pair is restored and the player rolls back."""
    bed.emulator.faults.fail_next(ASSOCIATE, 1, error="InvalidParameterException", message="Injected refusal")
    report = bed.player.deploy(demo_stack(aliasEmailAddressId=CARE))
    bed.track(s.result for s in report.steps)
    assert report.status == "UPDATE_ROLLBACK_COMPLETE", report
    first = report.steps[0].result
    check("stack update refused (associate refused), player's rollback", bed, first, DEPLOYED)
    assert_failed_with_old_id(bed, first, "AssociateEmailAddressAlias", "restored")
    assert all(s.result.answered_before_deadline for s in report.steps)
    assert bed.player.resources(DEMO_STACK)[bed.held.spec.logical_id].physical_id == bed.held.physical_id


# -- re-delivered events -------------------------------------------------------------------------


def test_create_delivered_twice(faulty_bed: StackBed):
    """CloudFormation re-sends a Create: same answer, one association."""
    bed = faulty_bed
    event = bed.event("Create", props(SUPPORT, HELP))
    first = bed.invoke(event)
    second = bed.invoke(event)
    assert first.ok and second.ok, (first, second)
    assert first.physical_resource_id == second.physical_resource_id
    check("Create delivered twice", bed, second, DEPLOYED)
    assert [c.operation for c in bed.emulator.calls_to(ASSOCIATE)] == [ASSOCIATE]


def test_swap_delivered_twice(bed: StackBed):
    event = bed.event(
        "Update", props(SUPPORT, CARE), physical_id=bed.held.physical_id, old=bed.held.properties
    )
    first = bed.invoke(event)
    second = bed.invoke(event)
    check("swap Update delivered twice", bed, second, SWAPPED)
    assert first.ok and second.ok
    assert first.physical_resource_id == second.physical_resource_id
    assert bed.mutations() == [DISASSOCIATE, ASSOCIATE]


def test_delete_delivered_twice(bed: StackBed):
    event = bed.event("Delete", bed.held.properties, physical_id=bed.held.physical_id)
    first = bed.invoke(event)
    second = bed.invoke(event)
    check("Delete delivered twice", bed, second, SEEDED)
    assert first.ok and second.ok
    assert bed.mutations() == [DISASSOCIATE]


# -- two resources swapping with each other --------------------------------------------------------


def test_two_resources_swap_aliases_with_each_other_concurrently(faulty_bed: StackBed):
    """AliasA (support@ <- help@) and AliasB (sales@ <- info@, adopted) trade aliases in one stack update,
    both Updates in flight at once: each waits out the other's hold, no association is lost or doubled."""
    bed = faulty_bed
    player, emulator = bed.player, bed.emulator
    base = bed.demo_stack()
    template = copy.deepcopy(base.template)
    resources = template["Resources"]
    (logical,) = [k for k, v in resources.items() if v["Type"] == "Custom::ConnectEmailAddressAlias"]
    first = resources.pop(logical)
    resources["AliasA"] = first
    resources["AliasB"] = copy.deepcopy(first)
    resources["AliasB"]["Properties"]["EmailAddressId"] = SALES
    resources["AliasB"]["Properties"]["AliasConfiguration"] = {"EmailAddressId": INFO}
    source = StackSource("TwoAliases", template, cdk_out=base.cdk_out, assembly=base.assembly)
    created = bed.deploy(source)
    assert created.ok, created
    held = player.resources("TwoAliases")
    emulator.clear_calls()

    wanted = {"AliasA": props(SUPPORT, INFO), "AliasB": props(SALES, HELP)}
    results: dict[str, object] = {}

    def update(name: str) -> None:
        h = held[name]
        event = player.event(
            "Update",
            h.spec,
            wanted[name],
            stack_name="TwoAliases",
            physical_resource_id=h.physical_id,
            old_properties=h.properties,
        )
        results[name] = player.invoke(event, h.spec.function, timeout_s=60)

    threads = [threading.Thread(target=update, args=(n,)) for n in wanted]
    for t in threads:
        t.start()
        time.sleep(0.05)
    for t in threads:
        t.join()
    bed.track(results.values())  # type: ignore[arg-type]
    a, b = results["AliasA"], results["AliasB"]
    check("two resources swap aliases with each other, concurrently", bed, a, {SUPPORT: INFO, SALES: HELP})
    assert a.ok and b.ok, (a, b)  # type: ignore[attr-defined]
    assert a.answered_before_deadline and b.answered_before_deadline  # type: ignore[attr-defined]
    assert len([c for c in emulator.calls_to(ASSOCIATE) if c.status == 200]) == 2


# -- the ResponseURL refusing ------------------------------------------------------------------------


def test_response_url_refusing_then_5xx(bed: StackBed):
    """The pre-signed URL refuses two connections, then answers 503 twice: the answer still gets through."""
    bed.receiver.refuse_next(2)
    bed.receiver.fail_next(2, 503)
    result = bed.swap(CARE)
    check("ResponseURL refuses 2 connections then 503 x2, swap", bed, result, SWAPPED)
    assert_swapped(bed, result)
    outcomes = [o for rid, o in bed.receiver.attempts if rid == result.event["RequestId"]]
    assert outcomes == ["refused", "refused", "HTTP 503", "HTTP 503", "accepted"]


# -- out-of-band changes -----------------------------------------------------------------------------


def _other(bed: StackBed) -> str:
    return bed.emulator.create_email_address(
        INSTANCE, "other@example.com", "66666666-6666-4666-8666-666666666666"
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("alias removed by hand", SEEDED),
        ("replaced by another alias", {SUPPORT: "66666666-6666-4666-8666-666666666666", **SEEDED}),
        ("alias address deleted", SEEDED),
        ("primary address deleted", SEEDED),
        ("instance deleted", None),
    ],
)
def test_out_of_band_change_before_delete(bed: StackBed, change: str, expected):
    """Delete of a pair someone changed: SUCCESS, nothing changed, never touching what is not ours. A read
    saying "absent" never skips the removal of a pair we own (reads may lag): the Disassociate is sent and
    Connect's "not found" is success."""
    _out_of_band(bed, change)
    result = bed.delete()
    check(f"Delete after out-of-band change: {change}", bed, result, expected)
    assert result.ok and result.physical_resource_id == bed.held.physical_id
    assert bed.mutations() == []


def _out_of_band(bed: StackBed, change: str) -> None:
    emu = bed.emulator
    if change == "alias removed by hand":
        emu.disassociate(INSTANCE, SUPPORT, HELP)
    elif change == "replaced by another alias":
        emu.disassociate(INSTANCE, SUPPORT, HELP)
        emu.associate(INSTANCE, SUPPORT, _other(bed))
    elif change == "alias address deleted":
        emu.delete_email_address(INSTANCE, HELP)
    elif change == "primary address deleted":
        emu.delete_email_address(INSTANCE, SUPPORT)
    elif change == "new alias address deleted":
        emu.delete_email_address(INSTANCE, CARE)
    elif change == "instance deleted":
        emu.delete_instance(INSTANCE)
    else:
        raise AssertionError(change)


@pytest.mark.parametrize(
    ("change", "expected", "ok", "words"),
    [
        ("alias removed by hand", SWAPPED, True, ()),
        (
            "replaced by another alias",
            {SUPPORT: "66666666-6666-4666-8666-666666666666", **SEEDED},
            False,
            ("66666666-6666-4666-8666-666666666666",),
        ),
        ("alias address deleted", SWAPPED, True, ()),
        ("new alias address deleted", DEPLOYED, False, ("AliasConfiguration.EmailAddressId",)),
        ("primary address deleted", SEEDED, False, ("EmailAddressId",)),
        ("instance deleted", None, False, ("instance",)),
    ],
)
def test_out_of_band_change_before_update(bed: StackBed, change: str, expected, ok: bool, words: tuple):
    """Update (swap to customercare@) after someone changed Connect: converges when it can, else FAILED
    with the old id, saying which address, and nothing of someone else's removed."""
    _out_of_band(bed, change)
    result = bed.swap(CARE)
    check(f"swap Update after out-of-band change: {change}", bed, result, expected)
    if ok:
        assert_swapped(bed, result)
    else:
        assert_failed_with_old_id(bed, result, *words)
        assert bed.attempted_mutations() == []


def test_same_pair_update_recreates_a_pair_removed_by_hand(bed: StackBed):
    """An Update that keeps the pair (e.g. ServiceTimeout changed) re-creates it when it was removed."""
    bed.emulator.disassociate(INSTANCE, SUPPORT, HELP)
    new = {**bed.held.properties, "ServiceTimeout": "600"}
    result = bed.send("Update", new, physical_id=bed.held.physical_id, old=bed.held.properties)
    check("same-pair Update after the alias was removed by hand", bed, result, DEPLOYED)
    assert result.ok and result.physical_resource_id == bed.held.physical_id
    assert bed.mutations() == [ASSOCIATE]


# -- conflicts and refusals at Create ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "pair", "fault", "words"),
    [
        ("Create where the primary already has another alias", (SALES, HELP), None, ("55555555",)),
        ("Create chaining onto a primary (alias has an alias)", (SUPPORT, SALES), None, ("alias",)),
        ("Create with an alias that is already an alias elsewhere", (SUPPORT, INFO), None, ("alias",)),
        (
            "Create with DescribeEmailAddress denied for good (a missing grant)",
            (SUPPORT, HELP),
            "AccessDeniedException",
            ("connect:DescribeEmailAddress",),
        ),
        (
            "Create with an address that does not exist",
            (SUPPORT, "77777777-7777-4777-8777-777777777777"),
            None,
            ("AliasConfiguration.EmailAddressId",),
        ),
    ],
)
def test_create_refused_changes_nothing_and_rolls_back(faulty_bed: StackBed, case, pair, fault, words):
    """A Create that cannot be done: FAILED naming the cause, nothing changed; the rollback Delete acts on
    nothing (its PhysicalResourceId was not minted), so the seeded sales@ <- info@ survives."""
    bed = faulty_bed
    if fault:  # a denial that lasts (a fresh grant's brief denial is retried: test_aws_conditions.py)
        bed.emulator.iam.deny(operations=[DESCRIBE])
    result = bed.send("Create", props(*pair))
    assert result.status == "FAILED", result
    for word in words:
        assert word.lower() in (result.reason or "").lower(), result.reason
    undo = bed.send("Delete", props(*pair), physical_id=result.physical_resource_id)
    assert undo.ok
    check(case, bed, result, SEEDED)
    assert bed.mutations() == []
