"""Contract §2 Delete, played from app.py's cdk.out: the PhysicalResourceId is the record of what was
created, an ID we did not mint is never acted on, and a pair already gone is success with no mutating call."""

from __future__ import annotations

import pytest

from tests.support.assembly import DEMO_STACK
from tests.support.calls import alias_calls, mutating, ops
from tests.support.resources import pair_id, properties
from tests.support.seed import CARE, HELP, INFO, INSTANCE, SALES, SUPPORT

SEED = {SALES: INFO}


def test_destroy_removes_the_pair(e2e):
    e2e.deploy()

    report = e2e.destroy()

    assert report.status == "DELETE_COMPLETE", report
    (step,) = report.steps
    assert step.result.physical_resource_id == pair_id(SUPPORT, HELP)
    assert ops(mutating(e2e.calls(step.result))) == [("DisassociateEmailAddressAlias", SUPPORT, HELP)]
    assert e2e.state() == SEED
    assert e2e.player.resources(DEMO_STACK) == {}


def test_delete_acts_on_the_physical_id_not_the_properties(e2e):
    """Properties naming another pair (sales@ ← info@, not ours) must not steer the Delete: only the pair in
    the PhysicalResourceId is removed."""
    e2e.deploy()

    result = e2e.send("Delete", properties(SALES, INFO), physical_id=pair_id(SUPPORT, HELP))

    assert result.ok and result.physical_resource_id == pair_id(SUPPORT, HELP)
    assert ops(mutating(e2e.calls(result))) == [("DisassociateEmailAddressAlias", SUPPORT, HELP)]
    assert e2e.state() == SEED


@pytest.mark.parametrize(
    "physical_id",
    [
        pytest.param(DEMO_STACK + "_{logical}_0A1B2C3D", id="crhelper-failed-create"),
        pytest.param(pair_id(SUPPORT, HELP).replace(":v1:", ":v2:"), id="other-version"),
        pytest.param(pair_id(SUPPORT, HELP).upper(), id="not-canonical"),
        pytest.param(SUPPORT, id="bare-id"),
    ],
)
def test_delete_of_a_physical_id_we_did_not_mint_makes_no_call(e2e, physical_id):
    """e.g. the ID a failed Create answered: nothing of ours exists, even if the properties' pair does."""
    e2e.emulator.associate(INSTANCE, SUPPORT, HELP)
    physical_id = physical_id.replace("{logical}", e2e.spec().logical_id)

    result = e2e.send("Delete", properties(SUPPORT, HELP), physical_id=physical_id)

    assert result.ok and result.physical_resource_id == physical_id
    assert e2e.calls(result) == []
    assert e2e.state() == {**SEED, SUPPORT: HELP}


def _alias_replaced_by_hand(emulator):
    emulator.disassociate(INSTANCE, SUPPORT, HELP)
    emulator.associate(INSTANCE, SUPPORT, CARE)


def _alias_removed_by_hand(emulator):
    emulator.disassociate(INSTANCE, SUPPORT, HELP)


def _primary_deleted(emulator):
    emulator.delete_email_address(INSTANCE, SUPPORT)


def _alias_deleted(emulator):
    emulator.delete_email_address(INSTANCE, HELP)


def _instance_deleted(emulator):
    emulator.delete_instance(INSTANCE)


@pytest.mark.parametrize(
    ("change", "after"),
    [
        pytest.param(_alias_replaced_by_hand, {**SEED, SUPPORT: CARE}, id="alias-replaced"),
        pytest.param(_alias_removed_by_hand, SEED, id="alias-removed"),
        pytest.param(_primary_deleted, SEED, id="primary-deleted"),
        pytest.param(_alias_deleted, SEED, id="alias-deleted"),
        pytest.param(_instance_deleted, None, id="instance-deleted"),
    ],
)
def test_delete_of_a_pair_that_is_gone_succeeds_and_changes_nothing(e2e, change, after):
    """Someone changed Connect by hand since the deploy: the stack still deletes, and what they made stays.
    While the alias address still carries this resource's owner record, the Disassociate is sent anyway (a
    read saying "absent" may lag) and Connect's "not found" is success: no call changes anything."""
    e2e.deploy()
    change(e2e.emulator)

    report = e2e.destroy()

    assert report.status == "DELETE_COMPLETE", report
    (step,) = report.steps
    assert step.result.physical_resource_id == pair_id(SUPPORT, HELP)
    calls = e2e.calls(step.result)
    assert [c for c in mutating(calls) if c.status == 200] == []
    assert len(alias_calls(calls)) <= 2
    if after is not None:
        assert e2e.state() == after
