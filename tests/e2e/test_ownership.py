"""Ownership (docs/design.md, "Ownership"), end to end: CDK apps of `EmailAddressAlias` synthesised into
cdk.out and played by the player (which sends the events CloudFormation sends for renames, moves and
Retain) through the real function against the emulator. An alias is removed only by the resource that owns
it now. Every test asserts the instance's whole alias map (primary -> alias) after each stack operation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from connect_email_alias.local import CloudAssembly

from tests.support.assembly import synth_aliases
from tests.support.calls import MUTATING
from tests.support.seed import HELP, INFO, INSTANCE, SALES, SUPPORT
from tests.support.stack_bed import StackBed

pytestmark = pytest.mark.slow

SEED = {SALES: INFO}
OWNER_TAG_KEY = "connect-email-alias:owner"

Synth = Callable[..., CloudAssembly]


@pytest.fixture
def synth(tmp_path: Path) -> Synth:
    """`synth(stacks, retain=...)`: one app version into its own cdk.out."""
    versions = iter(range(100))

    def build(stacks: dict[str, dict[str, tuple[str, str]]], retain: frozenset[str] = frozenset()):
        return synth_aliases(tmp_path / f"v{next(versions)}", stacks, retain=retain)

    return build


def aliases(bed: StackBed) -> dict[str, str]:
    return bed.emulator.aliases_by_primary(INSTANCE)


def test_renaming_a_construct_keeps_the_alias_and_the_new_name_owns_it(stack_bed: StackBed, synth: Synth):
    bed = stack_bed
    assert bed.deploy(synth({"Demo": {"X1": (SUPPORT, HELP)}}).stack("Demo")).ok
    renamed = bed.deploy(synth({"Demo": {"X2": (SUPPORT, HELP)}}).stack("Demo"))
    assert renamed.status == "UPDATE_COMPLETE", renamed
    assert [(p, t) for p, t, _ in renamed.sequence()] == [("create", "Create"), ("cleanup", "Delete")]
    assert aliases(bed) == {SUPPORT: HELP, **SEED}
    assert [c.operation for c in bed.all_calls(renamed) if c.operation in MUTATING] == []
    assert bed.destroy("Demo").ok
    assert aliases(bed) == SEED


def test_moving_an_alias_between_two_constructs_in_one_update(stack_bed: StackBed, synth: Synth):
    """X declares support@ <- help@ and Y sales@ <- info@ (adopted from the seed). In one update X goes and Y
    declares support@ <- help@: Y's Update removes its own pair and adopts X's, so X's cleanup keeps it."""
    bed = stack_bed
    v1 = synth({"Demo": {"X": (SUPPORT, HELP), "Y": (SALES, INFO)}})
    assert bed.deploy(v1.stack("Demo")).ok
    assert aliases(bed) == {SUPPORT: HELP, SALES: INFO}
    v2 = synth({"Demo": {"Y": (SUPPORT, HELP)}})
    moved = bed.deploy(v2.stack("Demo"))
    assert moved.status == "UPDATE_COMPLETE", moved
    assert aliases(bed) == {SUPPORT: HELP}
    assert bed.destroy("Demo").ok
    assert aliases(bed) == {}


def test_moving_an_alias_to_another_stack_then_removing_it_from_the_first(stack_bed: StackBed, synth: Synth):
    bed = stack_bed
    assert bed.deploy(synth({"First": {"X": (SUPPORT, HELP)}}).stack("First")).ok
    v2 = synth({"First": {"Other": (SALES, INFO)}, "Second": {"Z": (SUPPORT, HELP)}})
    assert bed.deploy(v2.stack("Second")).ok  # deployed there first: adopts the pair
    assert aliases(bed) == {SUPPORT: HELP, **SEED}
    removed = bed.deploy(v2.stack("First"))  # X's cleanup Delete: Second's Z owns the pair now
    assert removed.status == "UPDATE_COMPLETE", removed
    assert aliases(bed) == {SUPPORT: HELP, **SEED}
    assert bed.destroy("First").ok  # First's Other adopted sales@ <- info@, so it removes that
    assert aliases(bed) == {SUPPORT: HELP}
    assert bed.destroy("Second").ok
    assert aliases(bed) == {}


def test_a_retained_alias_is_adopted_by_a_new_stack_which_then_removes_it(stack_bed: StackBed, synth: Synth):
    bed = stack_bed
    assert bed.deploy(synth({"Old": {"X": (SUPPORT, HELP)}}, retain=frozenset({"X"})).stack("Old")).ok
    gone = bed.destroy("Old")
    assert gone.status == "DELETE_COMPLETE" and [r.spec.logical_id for r in gone.retained], gone
    assert aliases(bed) == {SUPPORT: HELP, **SEED}
    assert bed.deploy(synth({"New": {"Z": (SUPPORT, HELP)}}).stack("New")).ok
    assert aliases(bed) == {SUPPORT: HELP, **SEED}
    assert bed.destroy("New").ok
    assert aliases(bed) == SEED


def test_an_owner_record_removed_by_hand_keeps_the_alias_and_says_so(stack_bed: StackBed, synth: Synth):
    bed = stack_bed
    assert bed.deploy(synth({"Demo": {"X": (SUPPORT, HELP)}}).stack("Demo")).ok
    assert OWNER_TAG_KEY in bed.emulator.tags(INSTANCE, HELP)
    bed.emulator.untag(INSTANCE, HELP, [OWNER_TAG_KEY])
    gone = bed.destroy("Demo")
    assert gone.status == "DELETE_COMPLETE", gone
    assert aliases(bed) == {SUPPORT: HELP, **SEED}
    (delete,) = (s.result for s in gone.steps)
    assert "no owner record" in delete.logs, delete.logs
    assert [c.operation for c in bed.calls(delete) if c.operation in MUTATING] == []
